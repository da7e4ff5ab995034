// The source policy: a small C++ lexer (translation phases 1-3, as far as a preprocessor sees
// them) and rules over its tokens. Rules never look at raw text, so a comment or a string that
// mentions REQUIRE is fine, while a splice or a digraph cannot hide a directive.
#include "policy.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>
#include <utility>

namespace dartloop::grader {
namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// Phase 2: line splices

// The text with every backslash-newline removed and every line ending ("\r\n", "\n" or a lone
// "\r", all newlines to GCC) turned into '\n', each character remembering where it was. Like
// GCC, whitespace between the backslash and the newline still splices, and a leading UTF-8 BOM
// is not text.
struct Spliced {
  std::string chars;
  std::vector<std::size_t> origin;    // offset in the original text of each char
  std::vector<std::size_t> newlines;  // offsets of the line endings

  explicit Spliced(const std::string& text) {
    chars.reserve(text.size());
    origin.reserve(text.size());
    const auto newline_at = [&](std::size_t i) -> std::size_t {
      if (i >= text.size()) return 0;
      if (text[i] == '\n') return 1;
      if (text[i] == '\r') return i + 1 < text.size() && text[i + 1] == '\n' ? 2 : 1;
      return 0;
    };
    std::size_t i = text.starts_with("\xEF\xBB\xBF") ? 3 : 0;
    while (i < text.size()) {
      if (const std::size_t n = newline_at(i); n > 0) {
        newlines.push_back(i);
        chars.push_back('\n');
        origin.push_back(i);
        i += n;
        continue;
      }
      if (text[i] == '\\') {
        std::size_t j = i + 1;
        while (j < text.size() &&
               (text[j] == ' ' || text[j] == '\t' || text[j] == '\f' || text[j] == '\v')) {
          ++j;
        }
        if (const std::size_t n = newline_at(j); n > 0) {
          newlines.push_back(j);
          i = j + n;
          continue;
        }
      }
      chars.push_back(text[i]);
      origin.push_back(i);
      ++i;
    }
  }

  int line_at(std::size_t index) const {
    const std::size_t offset = index < origin.size() ? origin[index] : SIZE_MAX;
    const auto before = std::lower_bound(newlines.begin(), newlines.end(), offset);
    return static_cast<int>(before - newlines.begin()) + 1;
  }
};

// ---------------------------------------------------------------------------------------------
// Phase 3: tokens

enum class Kind { identifier, number, string, character, header_angle, header_quote, punct, eod };

struct Token {
  Kind kind;
  std::string text;  // strings and header names: the contents, without quotes or prefix
  int line;
  bool directive_start = false;  // the `#` that begins a directive
  bool in_directive = false;
};

bool ident_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool ident_char(char c) { return ident_start(c) || (c >= '0' && c <= '9'); }
bool digit(char c) { return c >= '0' && c <= '9'; }
// NUL counts too: GCC ignores it (with a warning), so it must not hide a directive.
bool hspace(char c) { return c == ' ' || c == '\t' || c == '\f' || c == '\v' || c == '\0'; }

class Lexer {
 public:
  explicit Lexer(const std::string& text) : text_(text), src_(text), c_(src_.chars) {}

  std::vector<Token> run() {
    while (p_ < c_.size()) step();
    end_directive();
    return std::move(tokens_);
  }

 private:
  char at(std::size_t i) const { return i < c_.size() ? c_[i] : '\0'; }

  void end_directive() {
    if (in_directive_) push(Kind::eod, "", src_.line_at(p_));
    in_directive_ = false;
    expect_header_ = false;
  }

  void push(Kind kind, std::string text, int line) {
    Token t{kind, std::move(text), line};
    t.in_directive = in_directive_;
    if (kind == Kind::punct && t.text == "#" && line_start_ && !in_directive_) {
      t.directive_start = true;
      t.in_directive = in_directive_ = true;
      directive_tokens_ = 0;
    }
    if (kind != Kind::eod) line_start_ = false;
    tokens_.push_back(std::move(t));
    if (in_directive_) ++directive_tokens_;
    // Header names are lexed differently from strings: in `#include "a\b"` the backslash is a
    // plain character, and `<...>` is one token.
    expect_header_ = false;
    const Token& last = tokens_.back();
    if (in_directive_ && directive_tokens_ == 2 && last.kind == Kind::identifier &&
        (last.text == "include" || last.text == "include_next" || last.text == "import" ||
         last.text == "embed")) {
      expect_header_ = true;
    }
    if (last.kind == Kind::punct && last.text == "(" && tokens_.size() >= 2) {
      const Token& before = tokens_[tokens_.size() - 2];
      expect_header_ = before.kind == Kind::identifier &&
                       (before.text == "__has_include" || before.text == "__has_include_next" ||
                        before.text == "__has_embed");
    }
  }

  void step() {
    const char ch = c_[p_];
    if (ch == '\n') {
      end_directive();
      line_start_ = true;
      ++p_;
      return;
    }
    if (hspace(ch)) {
      ++p_;
      return;
    }
    if (ch == '/' && at(p_ + 1) == '/') {
      while (p_ < c_.size() && c_[p_] != '\n') ++p_;
      return;
    }
    if (ch == '/' && at(p_ + 1) == '*') {
      const std::size_t end = c_.find("*/", p_ + 2);
      const std::size_t stop = end == std::string::npos ? c_.size() : end + 2;
      // Outside a directive, a `#` after a comment that spans lines counts as the start of a
      // line: flagging a little more than the compiler would is the safe side.
      if (!in_directive_ && c_.find('\n', p_) < stop) line_start_ = true;
      p_ = stop;
      return;
    }
    const int line = src_.line_at(p_);
    if (expect_header_ && (ch == '<' || ch == '"')) {
      const char close = ch == '<' ? '>' : '"';
      std::size_t end = p_ + 1;
      while (end < c_.size() && c_[end] != close && c_[end] != '\n') ++end;
      std::string path = c_.substr(p_ + 1, end - p_ - 1);
      p_ = end < c_.size() && c_[end] == close ? end + 1 : end;
      push(ch == '<' ? Kind::header_angle : Kind::header_quote, std::move(path), line);
      return;
    }
    if (ident_start(ch) || (ch == '\\' && (at(p_ + 1) == 'u' || at(p_ + 1) == 'U'))) {
      identifier(line);
      return;
    }
    if (digit(ch) || (ch == '.' && digit(at(p_ + 1)))) {
      number(line);
      return;
    }
    if (ch == '"' || ch == '\'') {
      quoted(line, ch);
      return;
    }
    punct(line);
  }

  void identifier(int line) {
    const std::size_t start = p_;
    while (p_ < c_.size()) {
      if (ident_char(c_[p_])) {
        ++p_;
      } else if (c_[p_] == '\\' && (at(p_ + 1) == 'u' || at(p_ + 1) == 'U')) {
        p_ += 2;  // a universal character name stays part of the identifier
      } else {
        break;
      }
    }
    std::string name = c_.substr(start, p_ - start);
    const char next = at(p_);
    if (next == '"' &&
        (name == "R" || name == "u8R" || name == "uR" || name == "UR" || name == "LR")) {
      if (raw_string(line)) return;
    }
    if ((next == '"' || next == '\'') &&
        (name == "u8" || name == "u" || name == "U" || name == "L")) {
      quoted(line, next);
      return;
    }
    push(Kind::identifier, std::move(name), line);
  }

  void number(int line) {
    const std::size_t start = p_;
    ++p_;
    while (p_ < c_.size()) {
      const char ch = c_[p_];
      const char next = at(p_ + 1);
      if ((ch == 'e' || ch == 'E' || ch == 'p' || ch == 'P') && (next == '+' || next == '-')) {
        p_ += 2;
      } else if (ch == '\'' && ident_char(next)) {
        p_ += 2;  // a digit separator, not a character literal
      } else if (ident_char(ch) || ch == '.') {
        ++p_;
      } else {
        break;
      }
    }
    push(Kind::number, c_.substr(start, p_ - start), line);
  }

  // A string or character literal; ends at its quote or, unterminated, at the end of the line.
  void quoted(int line, char quote) {
    std::string contents;
    ++p_;
    while (p_ < c_.size() && c_[p_] != quote && c_[p_] != '\n') {
      if (c_[p_] == '\\' && p_ + 1 < c_.size() && c_[p_ + 1] != '\n') {
        contents += c_.substr(p_, 2);
        p_ += 2;
      } else {
        contents += c_[p_++];
      }
    }
    if (p_ < c_.size() && c_[p_] == quote) ++p_;
    push(quote == '"' ? Kind::string : Kind::character, std::move(contents), line);
  }

  // R"delim(...)delim": splices are undone inside a raw string, so its delimiter and end are
  // found in the original text. Returns false for an invalid delimiter (a compile error).
  bool raw_string(int line) {
    const std::size_t quote = src_.origin[p_];
    std::size_t open = quote + 1;
    while (open < text_.size() && open - quote <= 16 && text_[open] != '(') {
      const char ch = text_[open];
      if (ch == ' ' || ch == ')' || ch == '\\' || ch == '\t' || ch == '\v' || ch == '\f' ||
          ch == '\n' || ch == '\r' || ch == '"') {
        return false;
      }
      ++open;
    }
    if (open >= text_.size() || text_[open] != '(') return false;
    const std::string close = ")" + text_.substr(quote + 1, open - quote - 1) + "\"";
    const std::size_t found = text_.find(close, open + 1);
    const std::size_t end = found == std::string::npos ? text_.size() : found + close.size();
    std::string contents =
        text_.substr(open + 1, (found == std::string::npos ? text_.size() : found) - open - 1);
    p_ = static_cast<std::size_t>(std::lower_bound(src_.origin.begin(), src_.origin.end(), end) -
                                  src_.origin.begin());
    push(Kind::string, std::move(contents), line);
    return true;
  }

  void punct(int line) {
    const std::string_view rest = std::string_view(c_).substr(p_);
    // Digraphs are spelled out so that rules see one spelling: %: is #, <: is [, and so on.
    static constexpr std::pair<std::string_view, std::string_view> kMulti[] = {
        {"%:%:", "##"}, {"##", "##"}, {"%:", "#"},  {"<%", "{"},
        {"%>", "}"},    {":>", "]"},  {"::", "::"}, {"->", "->"}};
    // `<::` not followed by `:` or `>` is `<` then `::` (so that `std::vector<::x>` works).
    if (rest.starts_with("<:") &&
        !(rest.starts_with("<::") && at(p_ + 3) != ':' && at(p_ + 3) != '>')) {
      p_ += 2;
      push(Kind::punct, "[", line);
      return;
    }
    for (const auto& [spelling, meaning] : kMulti) {
      if (rest.starts_with(spelling)) {
        p_ += spelling.size();
        push(Kind::punct, std::string(meaning), line);
        return;
      }
    }
    push(Kind::punct, std::string(1, c_[p_++]), line);
  }

  const std::string& text_;
  Spliced src_;
  const std::string& c_;
  std::size_t p_ = 0;
  bool line_start_ = true;
  bool in_directive_ = false;
  bool expect_header_ = false;
  int directive_tokens_ = 0;
  std::vector<Token> tokens_;
};

// ---------------------------------------------------------------------------------------------
// Rules

// Text from the learner's file made safe for a one-line message.
std::string printable(std::string_view s) {
  std::string out;
  for (const char c : s.substr(0, 120)) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F || u >= 0x80) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", static_cast<unsigned>(u));
      out += buf;
    } else {
      out += c;
    }
  }
  if (s.size() > 120) out += "...";
  return out;
}

bool is_step_name(std::string_view s) {
  return s.size() >= 4 && digit(s[0]) && digit(s[1]) && s[2] == '-';
}

const std::set<std::string_view>& catch_macros() {
  static const std::set<std::string_view> names = {"TEST_CASE",
                                                   "TEST_CASE_METHOD",
                                                   "METHOD_AS_TEST_CASE",
                                                   "REGISTER_TEST_CASE",
                                                   "SECTION",
                                                   "DYNAMIC_SECTION",
                                                   "REQUIRE",
                                                   "REQUIRE_FALSE",
                                                   "REQUIRE_THROWS",
                                                   "REQUIRE_THROWS_AS",
                                                   "REQUIRE_THROWS_WITH",
                                                   "REQUIRE_THROWS_MATCHES",
                                                   "REQUIRE_NOTHROW",
                                                   "REQUIRE_THAT",
                                                   "CHECK",
                                                   "CHECK_FALSE",
                                                   "CHECKED_IF",
                                                   "CHECKED_ELSE",
                                                   "CHECK_NOFAIL",
                                                   "CHECK_THROWS",
                                                   "CHECK_THROWS_AS",
                                                   "CHECK_THROWS_WITH",
                                                   "CHECK_THROWS_MATCHES",
                                                   "CHECK_NOTHROW",
                                                   "CHECK_THAT",
                                                   "INFO",
                                                   "UNSCOPED_INFO",
                                                   "WARN",
                                                   "FAIL",
                                                   "FAIL_CHECK",
                                                   "SUCCEED",
                                                   "CAPTURE",
                                                   "STATIC_REQUIRE",
                                                   "STATIC_REQUIRE_FALSE",
                                                   "STATIC_CHECK",
                                                   "STATIC_CHECK_FALSE",
                                                   "SCENARIO",
                                                   "SCENARIO_METHOD",
                                                   "GIVEN",
                                                   "AND_GIVEN",
                                                   "WHEN",
                                                   "AND_WHEN",
                                                   "THEN",
                                                   "AND_THEN",
                                                   "ANON_TEST_CASE",
                                                   "BENCHMARK",
                                                   "BENCHMARK_ADVANCED"};
  return names;
}

bool is_catch_macro(std::string_view name) {
  return catch_macros().contains(name) || name.starts_with("CATCH_") ||
         name.starts_with("INTERNAL_CATCH") || name.starts_with("TEMPLATE_");
}

// Names a macro must not take over: the test program's exits, `std`, and every keyword (the
// learner's header is included by the tests, so `#define true false` would rewrite them).
bool is_protected_name(std::string_view name) {
  static const std::set<std::string_view> names = {"main",
                                                   "exit",
                                                   "_exit",
                                                   "_Exit",
                                                   "abort",
                                                   "quick_exit",
                                                   "std",
                                                   "assert",
                                                   "override",
                                                   "final",
                                                   "alignas",
                                                   "alignof",
                                                   "and",
                                                   "and_eq",
                                                   "asm",
                                                   "auto",
                                                   "bitand",
                                                   "bitor",
                                                   "bool",
                                                   "break",
                                                   "case",
                                                   "catch",
                                                   "char",
                                                   "char8_t",
                                                   "char16_t",
                                                   "char32_t",
                                                   "class",
                                                   "compl",
                                                   "concept",
                                                   "const",
                                                   "consteval",
                                                   "constexpr",
                                                   "constinit",
                                                   "const_cast",
                                                   "continue",
                                                   "co_await",
                                                   "co_return",
                                                   "co_yield",
                                                   "decltype",
                                                   "default",
                                                   "delete",
                                                   "do",
                                                   "double",
                                                   "dynamic_cast",
                                                   "else",
                                                   "enum",
                                                   "explicit",
                                                   "export",
                                                   "extern",
                                                   "false",
                                                   "float",
                                                   "for",
                                                   "friend",
                                                   "goto",
                                                   "if",
                                                   "inline",
                                                   "int",
                                                   "long",
                                                   "mutable",
                                                   "namespace",
                                                   "new",
                                                   "noexcept",
                                                   "not",
                                                   "not_eq",
                                                   "nullptr",
                                                   "operator",
                                                   "or",
                                                   "or_eq",
                                                   "private",
                                                   "protected",
                                                   "public",
                                                   "register",
                                                   "reinterpret_cast",
                                                   "requires",
                                                   "return",
                                                   "short",
                                                   "signed",
                                                   "sizeof",
                                                   "static",
                                                   "static_assert",
                                                   "static_cast",
                                                   "struct",
                                                   "switch",
                                                   "template",
                                                   "this",
                                                   "thread_local",
                                                   "throw",
                                                   "true",
                                                   "try",
                                                   "typedef",
                                                   "typeid",
                                                   "typename",
                                                   "union",
                                                   "unsigned",
                                                   "using",
                                                   "virtual",
                                                   "void",
                                                   "volatile",
                                                   "wchar_t",
                                                   "while",
                                                   "xor",
                                                   "xor_eq"};
  return names.contains(name);
}

// `__name__` and `name` are the same GNU attribute.
std::string_view attribute_name(std::string_view s) {
  if (s.size() > 4 && s.starts_with("__") && s.ends_with("__")) return s.substr(2, s.size() - 4);
  return s;
}

// Attributes that place code where the loader runs it, or bind a symbol to another name.
bool is_early_attribute(std::string_view s) {
  const std::string_view name = attribute_name(s);
  return name == "constructor" || name == "destructor" || name == "init_priority" ||
         name == "section" || name == "ifunc" || name == "alias" || name == "weakref";
}

// Words that only ever mean "run this before/after main": flagged wherever they appear, so that
// `#define CTOR constructor` then `__attribute__((CTOR))` is caught too.
bool is_early_word(std::string_view s) {
  const std::string_view name = attribute_name(s);
  return name == "constructor" || name == "destructor" || name == "init_priority" ||
         name == "ifunc";
}

// ".init_array", ".ctors.00101", ...: sections the loader runs functions from.
bool names_startup_section(std::string_view s) {
  for (const std::string_view section :
       {".init_array", ".preinit_array", ".fini_array", ".ctors", ".dtors", ".init", ".fini"}) {
    if (s.starts_with(section)) return true;
  }
  return false;
}

struct PathProblem {
  std::string rule;
  std::string message;
};

std::optional<PathProblem> include_problem(std::string_view path, bool angle) {
  const std::string shown = angle ? "<" + printable(path) + ">" : "\"" + printable(path) + "\"";
  const auto bad = [&](std::string why) {
    return PathProblem{"include-path", "#include " + shown + ": " + std::move(why)};
  };
  if (path.empty()) return bad("an empty file name: name the header to include");
  if (path.find('\\') != std::string_view::npos) {
    return bad("backslashes are not allowed in #include: use '/' and a plain header name");
  }
  if (path.front() == '/') {
    return bad("an absolute path reads files outside your submission: include headers by name");
  }
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t slash = std::min(path.find('/', start), path.size());
    const std::string_view part = path.substr(start, slash - start);
    if (part == "..") {
      return bad("'..' reaches outside your submission: include your own headers by file name");
    }
    if (!part.empty() && part != ".") parts.push_back(part);
    start = slash + 1;
  }
  if (parts.empty()) return bad("not a header name");
  const std::string_view first = parts.front();
  const std::string_view file = parts.back();
  if (first == "catch2" || first == "catch" || file == "catch.hpp" ||
      file == "catch_amalgamated.hpp") {
    return PathProblem{"include-catch", "#include " + shown +
                                            ": your code must not use Catch2 (the grader's "
                                            "tests do): remove the include"};
  }
  const std::size_t dot = file.rfind('.');
  const std::string_view ext = dot == std::string_view::npos ? "" : file.substr(dot);
  if (ext == ".cpp" || ext == ".cc" || ext == ".cxx" || ext == ".c" || ext == ".c++" ||
      ext == ".C") {
    return bad("a source file is compiled on its own, not included: include its header");
  }
  if (angle && (first == "solutions" || first == "exercises" || first == "grader" ||
                first == "tests" || is_step_name(first))) {
    return bad(
        "the course's own folders are not for including: include your own headers as "
        "\"file.hpp\" and course headers as \"dartloop/...\"");
  }
  if (!angle && parts.size() > 1 && first != "dartloop") {
    return bad("your own headers sit next to your file (\"" + printable(file) +
               "\") and course headers are \"dartloop/...\"");
  }
  return std::nullopt;
}

class Checker {
 public:
  Checker(const fs::path& file, const std::vector<Token>& tokens) : file_(file), t_(tokens) {}

  std::vector<Violation> run() {
    for (std::size_t i = 0; i < t_.size(); ++i) {
      if (t_[i].directive_start) {
        std::size_t end = i;
        while (end < t_.size() && t_[end].kind != Kind::eod) ++end;
        directive(i, end);
        i = end;
        continue;
      }
      token(i, false);
      scope(i);
    }
    return std::move(out_);
  }

 private:
  const Token* at(std::size_t i) const { return i < t_.size() ? &t_[i] : nullptr; }
  bool is(std::size_t i, std::string_view text) const {
    return i < t_.size() && t_[i].kind != Kind::string && t_[i].kind != Kind::character &&
           t_[i].kind != Kind::eod && t_[i].text == text;
  }
  bool is_ident(std::size_t i, std::string_view text) const {
    return i < t_.size() && t_[i].kind == Kind::identifier && t_[i].text == text;
  }

  void add(int line, std::string rule, std::string message) {
    if (!seen_.insert({line, rule}).second) return;  // one report per rule and line
    out_.push_back({file_, line, std::move(rule), std::move(message)});
  }

  void directive(std::size_t hash, std::size_t end) {
    const int line = t_[hash].line;
    const Token* name = at(hash + 1);
    const Token* arg = hash + 2 < end ? &t_[hash + 2] : nullptr;
    if (name != nullptr && name->kind == Kind::identifier && hash + 1 < end) {
      const std::string& d = name->text;
      if (d == "include") {
        if (arg != nullptr &&
            (arg->kind == Kind::header_angle || arg->kind == Kind::header_quote)) {
          if (auto problem = include_problem(arg->text, arg->kind == Kind::header_angle)) {
            add(line, problem->rule, problem->message);
          }
        } else {
          add(line, "computed-include",
              "#include needs a file name written out, <header> or \"file.hpp\", not a macro");
        }
      } else if (d == "include_next" || d == "import") {
        add(line, "computed-include",
            "#" + d + " is not allowed: use #include <header> or #include \"file.hpp\"");
      } else if (d == "embed") {
        add(line, "computed-include", "#embed reads a file into the program: remove it");
      } else if ((d == "define" || d == "undef") && arg != nullptr &&
                 arg->kind == Kind::identifier) {
        if (is_catch_macro(arg->text)) {
          add(line, "catch-macro",
              "#" + d + " " + arg->text +
                  ": Catch2's macros belong to the grader's tests; name your macro differently");
        } else if (d == "define" && is_protected_name(arg->text)) {
          add(line, "macro-override",
              "#define " + arg->text +
                  " would rewrite the grader's test program too: remove it (use a function or "
                  "a differently named macro)");
        }
      } else if (d == "pragma" && arg != nullptr) {
        if (arg->text == "push_macro" || arg->text == "pop_macro") {
          add(line, "pragma-macro",
              "#pragma " + arg->text + " can bring back macros the tests rely on: remove it");
        } else if (arg->text == "GCC" && is(hash + 3, "dependency")) {
          add(line, "include-path", "#pragma GCC dependency looks at another file: remove it");
        }
      }
    }
    const bool define_body = is_ident(hash + 1, "define");
    for (std::size_t i = hash + 1; i < end; ++i) token(i, define_body && i > hash + 2);
  }

  // Rules on one token, wherever it is. `in_define` is set in a #define's replacement list,
  // where names that would be harmless elsewhere may be spliced into an attribute or a
  // declaration later.
  void token(std::size_t i, bool in_define) {
    const Token& tok = t_[i];
    if (tok.kind == Kind::string && in_define && names_startup_section(tok.text)) {
      add(tok.line, "early-code",
          "a macro naming a startup section (\"" + printable(tok.text) +
              "\") would run code before the tests: remove it");
    }
    if (tok.kind == Kind::punct && tok.text == "##") {
      add(tok.line, "token-paste",
          "## builds names the grader cannot check: write the names out in full");
    }
    if (tok.kind == Kind::punct && tok.text == "[" && is(i + 1, "[")) attribute(i + 1, "[", "]");
    if (tok.kind != Kind::identifier) return;
    const std::string& s = tok.text;
    if (s == "asm" || s == "__asm__" || s == "__asm") {
      add(tok.line, "asm",
          "asm is not allowed (it can pull any file into the program): write "
          "plain C++");
    } else if (s == "__attribute__" || s == "__attribute") {
      if (is(i + 1, "(")) attribute(i + 1, "(", ")");
    } else if (s == "_Pragma") {
      const bool literal = is(i + 1, "(") && at(i + 2) != nullptr &&
                           t_[i + 2].kind == Kind::string && is(i + 3, ")");
      if (!literal || t_[i + 2].text.find("push_macro") != std::string::npos ||
          t_[i + 2].text.find("pop_macro") != std::string::npos) {
        add(tok.line, "pragma-macro",
            "_Pragma is only allowed with a plain string, and not for push_macro/pop_macro");
      }
    } else if (s == "__has_include" || s == "__has_include_next" || s == "__has_embed") {
      has_include(i);
    } else if (s == "Catch") {
      add(tok.line, "include-catch",
          "your code must not use Catch2 (the grader's tests do): remove what uses Catch");
    } else if (is_early_word(s)) {
      add(tok.line, "early-code", early_message(s));
    } else if (in_define && (s == "main")) {
      add(tok.line, "defines-main",
          "a macro that names main could define a second main(): remove it");
    } else if (in_define && is_early_attribute(s)) {
      add(tok.line, "early-code", early_message(s));
    }
  }

  static std::string early_message(std::string_view what) {
    return "'" + std::string(what) +
           "' makes code run before or after the tests (or under another name): do the work in "
           "your functions instead";
  }

  // The tokens of `__attribute__((...))` or `[[...]]` from the first opening bracket.
  void attribute(std::size_t open, std::string_view opening, std::string_view closing) {
    int depth = 0;
    for (std::size_t i = open; i < t_.size() && t_[i].kind != Kind::eod; ++i) {
      const Token& tok = t_[i];
      if (tok.kind == Kind::punct && tok.text == opening) ++depth;
      if (tok.kind == Kind::punct && tok.text == closing && --depth <= 0) return;
      if (tok.kind == Kind::identifier && is_early_attribute(tok.text)) {
        add(tok.line, "early-code", early_message(tok.text));
      }
      if (tok.kind == Kind::string && names_startup_section(tok.text)) {
        add(tok.line, "early-code", early_message(tok.text));
      }
    }
  }

  void has_include(std::size_t i) {
    const Token& tok = t_[i];
    const Token* arg = is(i + 1, "(") ? at(i + 2) : nullptr;
    if (tok.text != "__has_include") {
      add(tok.line, "computed-include", tok.text + " is not allowed: remove it");
    } else if (arg == nullptr ||
               (arg->kind != Kind::header_angle && arg->kind != Kind::header_quote)) {
      add(tok.line, "computed-include", "__has_include needs a file name written out, not a macro");
    } else if (const std::string& p = arg->text;
               p.empty() || p.front() == '/' || p.find('\\') != std::string::npos || p == ".." ||
               p.starts_with("../") || p.find("/../") != std::string::npos || p.ends_with("/..")) {
      add(tok.line, "computed-include",
          "__has_include(" + printable(p) +
              ") looks outside your submission: test for headers by name only");
    }
  }

  // Tracks whether tokens are at namespace scope, and looks for a definition of main there.
  void scope(std::size_t i) {
    const Token& tok = t_[i];
    if (tok.kind == Kind::identifier && tok.text == "namespace") {
      pending_namespace_ = true;
    } else if (tok.kind == Kind::punct && (tok.text == ";" || tok.text == "=")) {
      pending_namespace_ = false;
    } else if (tok.kind == Kind::punct && tok.text == "{") {
      const bool extern_block =
          i >= 2 && t_[i - 1].kind == Kind::string && is_ident(i - 2, "extern");
      braces_.push_back(pending_namespace_ || extern_block);
      pending_namespace_ = false;
    } else if (tok.kind == Kind::punct && tok.text == "}") {
      if (!braces_.empty()) braces_.pop_back();
    } else if (tok.kind == Kind::identifier && tok.text == "main" &&
               std::all_of(braces_.begin(), braces_.end(), [](bool ns) { return ns; }) &&
               !member(i) && defines_function(i)) {
      add(tok.line, "defines-main",
          "your file defines main(): the grader's test program has its own; remove it (keep "
          "experiments in a file you do not submit)");
    }
  }

  // `x.main`, `p->main`, `Type::main` name a member, not the program's main.
  bool member(std::size_t i) const {
    if (i == 0) return false;
    if (is(i - 1, ".") || is(i - 1, "->")) return true;
    if (!is(i - 1, "::") || i < 2) return false;
    const Token& before = t_[i - 2];
    if (before.kind == Kind::identifier) {
      return before.text != "int" && before.text != "auto" && before.text != "extern" &&
             before.text != "static" && before.text != "inline";
    }
    return before.kind == Kind::punct && before.text == ">";
  }

  // `main(...)` followed, after a return type, qualifiers or attributes, by a body.
  bool defines_function(std::size_t i) const {
    std::size_t k = i + 1;
    if (is(k, ")")) ++k;  // `int (main)() {`
    if (!is(k, "(")) return false;
    int depth = 0;
    for (; k < t_.size(); ++k) {
      if (t_[k].kind == Kind::eod || t_[k].directive_start) return false;
      if (is(k, "(")) ++depth;
      if (is(k, ")") && --depth == 0) break;
    }
    for (++k; k < t_.size(); ++k) {
      if (t_[k].directive_start || t_[k].kind == Kind::eod) continue;
      if (is(k, "{") || is_ident(k, "try")) return true;
      if (is(k, ";") || is(k, "=") || is(k, ",") || is(k, "}") || is(k, ")")) return false;
    }
    return false;
  }

  const fs::path& file_;
  const std::vector<Token>& t_;
  std::vector<Violation> out_;
  std::set<std::pair<int, std::string>> seen_;
  std::vector<bool> braces_;  // per open brace: true for namespace and extern "C" blocks
  bool pending_namespace_ = false;
};

}  // namespace

std::vector<Violation> check_source(const fs::path& file, const std::string& text) {
  const std::vector<Token> tokens = Lexer(text).run();
  std::vector<Violation> found = Checker(file, tokens).run();
  std::stable_sort(found.begin(), found.end(),
                   [](const Violation& a, const Violation& b) { return a.line < b.line; });
  return found;
}

std::vector<Violation> check_step_folder(const fs::path& folder) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(folder)) {
    const std::string ext = entry.path().extension().string();
    // symlink_status: the grader's own unpacked folder holds no links, and none is followed.
    if (fs::is_regular_file(entry.symlink_status()) &&
        (ext == ".hpp" || ext == ".h" || ext == ".cpp")) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<Violation> all;
  for (const fs::path& path : files) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
      throw fs::filesystem_error("cannot read", path, std::make_error_code(std::errc::io_error));
    // Through a stringstream: GCC 12 at -O3 reports a false null dereference inside
    // istreambuf_iterator (the release preset's warnings are errors).
    std::ostringstream buffer;
    buffer << in.rdbuf();
    const std::string text = std::move(buffer).str();
    std::vector<Violation> found = check_source(path, text);
    all.insert(all.end(), std::make_move_iterator(found.begin()),
               std::make_move_iterator(found.end()));
  }
  return all;
}

}  // namespace dartloop::grader
