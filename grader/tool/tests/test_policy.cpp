// The source policy: each rule caught, and never triggered by comments, strings or the kit's
// own exercise and solution files.
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "policy.hpp"

namespace fs = std::filesystem;
using dartloop::grader::check_source;
using dartloop::grader::check_step_folder;
using dartloop::grader::Violation;

namespace {

std::vector<Violation> check(const std::string& text) { return check_source("x.hpp", text); }

// The rules broken, one entry per violation, as "rule@line".
std::vector<std::string> rules(const std::string& text) {
  std::vector<std::string> out;
  for (const Violation& v : check(text)) out.push_back(v.rule + "@" + std::to_string(v.line));
  return out;
}

bool breaks(const std::string& text, const std::string& rule) {
  const auto found = check(text);
  return std::any_of(found.begin(), found.end(),
                     [&](const Violation& v) { return v.rule == rule; });
}

std::string describe(const std::vector<Violation>& found) {
  std::string out;
  for (const Violation& v : found) {
    out += v.file.string() + ":" + std::to_string(v.line) + " [" + v.rule + "] " + v.message + "\n";
  }
  return out;
}

}  // namespace

TEST_CASE("clean code has no violations") {
  const std::string text = R"cpp(#pragma once
#include <vector>
#include <boost/asio/thread_pool.hpp>
#include <dartloop/event_loop.hpp>
#include "dartloop/event_loop.hpp"
#include "dartloop/detail/thing.hpp"
#include "future.hpp"
#include "./timer.hpp"
#if __has_include(<version>)
#include <version>
#endif
#define MY_CHECK(x)         \
                                   do {                      \
                                     if (!(x)) std::abort(); \
                                   } while (false)
                                 namespace dartloop {
                                 struct Runner {
                                   int main() { return 0; }
                                 };
                                 inline int domain(int x) { return x; }
                                 inline int remain(int x) { return domain(x); }
                                 inline void use(Runner& r, Runner* p) {
                                   r.main();
                                   p->main();
                                 }
                                 int Runner2::main() { return 1; }
                                 [[nodiscard]] inline int f() { return 1'000'000; }
                                 __attribute__((noinline)) inline void g() {}
                                 }  // namespace dartloop
                                 int main();
  )cpp";
  CHECK(describe(check(text)).empty());
}

TEST_CASE("comments and string literals are not code") {
  CHECK(rules("// #define REQUIRE(x)\n/* asm(\"x\") */\n").empty());
  CHECK(
      rules("const char* s = \"#define REQUIRE(x) asm __attribute__((constructor))\";\n").empty());
  CHECK(
      rules("const char* s = R\"(\n#define REQUIRE(x)\n#include \"/etc/passwd\"\n)\";\n").empty());
  CHECK(rules("const char* s = R\"xy(\n)\"\n#define CHECK(x)\n)xy\";\n").empty());
  CHECK(rules("auto s = u8R\"(asm)\"; auto t = LR\"(asm)\"; auto u = U\"asm\";\n").empty());
  CHECK(rules("char c = '\"'; const char* s = \"\\\" asm \\\"\";\n").empty());
  CHECK(rules("char q = '\\''; // asm\n").empty());
  CHECK(rules("int n = 1'000; // don't asm\n").empty());
  // A splice continues a // comment onto the next line: that line is comment too.
  CHECK(rules("// note \\\n#define REQUIRE(x)\n").empty());
}

TEST_CASE("what GCC ignores cannot hide a directive") {
  // A byte-order mark, NUL bytes, form feeds and vertical tabs before the `#`.
  CHECK(rules("\xEF\xBB\xBF#define REQUIRE(x)\n") == std::vector<std::string>{"catch-macro@1"});
  CHECK(rules(std::string("int a;\n\0#define REQUIRE(x)\n", 27)) ==
        std::vector<std::string>{"catch-macro@2"});
  CHECK(rules("\f\v #define REQUIRE(x)\n") == std::vector<std::string>{"catch-macro@1"});
  // A lone carriage return ends a line for GCC; \r\n counts once.
  CHECK(rules("int a;\r#define REQUIRE(x)\r") == std::vector<std::string>{"catch-macro@2"});
  CHECK(rules("int a;\r\n\r\n#define REQUIRE(x)\r\n") == std::vector<std::string>{"catch-macro@3"});
  CHECK(rules("#define X 1 \\\r\n#define REQUIRE(x)\r\n").empty());  // spliced into X
  // A raw string ends at its own delimiter, also when a splice would fake one.
  CHECK(rules("auto s = R\"d()d\\\n\"\n#define REQUIRE(x)\n)d\";\n").empty());
  CHECK(rules("auto s = R\"d(x)d\";\n#define REQUIRE(x)\n") ==
        std::vector<std::string>{"catch-macro@2"});
  // A comment in a directive does not end it.
  CHECK(rules("#define X /* a\n b */ asm\n") == std::vector<std::string>{"asm@2"});
}

TEST_CASE("include-path") {
  CHECK(rules("#include \"/etc/passwd\"\n") == std::vector<std::string>{"include-path@1"});
  CHECK(breaks("#include </dev/random>\n", "include-path"));
  CHECK(breaks("#include </proc/self/environ>\n", "include-path"));
  CHECK(breaks("#include \"../../solutions/04-futures/future.hpp\"\n", "include-path"));
  CHECK(breaks("#include <dartloop/../../grader/secret.hpp>\n", "include-path"));
  CHECK(breaks("#include \"tests\\\\test_x.cpp\"\n", "include-path"));
  CHECK(breaks("#include \"tests/test_future.cpp\"\n", "include-path"));
  CHECK(breaks("#include \"microtask_queue.cpp\"\n", "include-path"));
  CHECK(breaks("#include \"tests/support.hpp\"\n", "include-path"));
  CHECK(breaks("#include <solutions/01-microtask-queue/microtask_queue.hpp>\n", "include-path"));
  CHECK(breaks("#pragma GCC dependency \"/etc/shadow\"\n", "include-path"));
  CHECK_FALSE(breaks("#include \"future.hpp\"\n#include <dartloop/io/file.hpp>\n", "include-path"));
}

TEST_CASE("include-catch") {
  CHECK(rules("#include <catch2/catch.hpp>\n") == std::vector<std::string>{"include-catch@1"});
  CHECK(breaks("#include \"catch.hpp\"\n", "include-catch"));
  CHECK(breaks("namespace Catch { struct X; }\n", "include-catch"));
  CHECK_FALSE(breaks("void catch_error();\n// Catch\n", "include-catch"));
}

TEST_CASE("the line of a spliced directive is where it starts") {
  const auto found = check("int a;\n\n#inc\\\nlude \"/etc/passwd\"\n");
  REQUIRE(found.size() == 1);
  CHECK(found[0].rule == "include-path");
  CHECK(found[0].line == 3);
  CHECK(found[0].file == fs::path("x.hpp"));
  // Whitespace between the backslash and the newline still splices (GCC).
  CHECK(rules("#  def\\  \r\nine REQUIRE(x)\n") == std::vector<std::string>{"catch-macro@1"});
  CHECK(rules("\n# \\\n include </etc/passwd>\n") == std::vector<std::string>{"include-path@2"});
}

TEST_CASE("computed-include") {
  CHECK(rules("#define H </etc/passwd>\n#include H\n") ==
        std::vector<std::string>{"computed-include@2"});
  CHECK(breaks("#include_next <vector>\n", "computed-include"));
  CHECK(breaks("#import \"x.hpp\"\n", "computed-include"));
  CHECK(breaks("#embed \"/etc/passwd\"\n", "computed-include"));
  CHECK(breaks("#if __has_include(\"/etc/passwd\")\n#endif\n", "computed-include"));
  CHECK(breaks("#if __has_include(<../../solutions/x.hpp>)\n#endif\n", "computed-include"));
  CHECK(breaks("#if __has_include(SECRET)\n#endif\n", "computed-include"));
  CHECK_FALSE(breaks("#if __has_include(<version>)\n#endif\n", "computed-include"));
}

TEST_CASE("asm") {
  CHECK(rules("asm(\".incbin \\\"/etc/passwd\\\"\");\n") == std::vector<std::string>{"asm@1"});
  CHECK(breaks("void f() { __asm__ volatile(\"nop\"); }\n", "asm"));
  CHECK(breaks("void f() { __asm(\"nop\"); }\n", "asm"));
  CHECK(breaks("#define SNEAK asm\n", "asm"));
  CHECK_FALSE(breaks("int asmx = 0; int my_asm = 1; // asm\n", "asm"));
}

TEST_CASE("catch-macro and pragma-macro") {
  CHECK(rules("#define REQUIRE(x) (void)0\n") == std::vector<std::string>{"catch-macro@1"});
  CHECK(rules("#  /* c */ define REQUIRE(x)\n") == std::vector<std::string>{"catch-macro@1"});
  CHECK(rules("%:define CHECK(x)\n") == std::vector<std::string>{"catch-macro@1"});
  CHECK(rules("  %: undef SECTION\n") == std::vector<std::string>{"catch-macro@1"});
  CHECK(breaks("#undef TEST_CASE\n", "catch-macro"));
  CHECK(breaks("#define CATCH_CONFIG_DISABLE\n", "catch-macro"));
  CHECK(breaks("#define INTERNAL_CATCH_TEST(...)\n", "catch-macro"));
  CHECK(breaks("#define TEMPLATE_PRODUCT_TEST_CASE(...)\n", "catch-macro"));
  CHECK(breaks("#define THEN(x)\n", "catch-macro"));
  CHECK(breaks("/* x\n y */ #define REQUIRE(x)\n", "catch-macro"));
  CHECK(rules("#pragma push_macro(\"REQUIRE\")\n") == std::vector<std::string>{"pragma-macro@1"});
  CHECK(breaks("#pragma pop_macro(\"REQUIRE\")\n", "pragma-macro"));
  CHECK(breaks("_Pragma(\"push_macro(\\\"REQUIRE\\\")\")\n", "pragma-macro"));
  CHECK(breaks("#define P(x) _Pragma(#x)\n", "pragma-macro"));
  CHECK_FALSE(
      breaks("#define MY_REQUIRE(x) x\n#define CHECKER 1\nint REQUIRE_ok;\n", "catch-macro"));
  CHECK_FALSE(breaks("_Pragma(\"GCC diagnostic push\")\n", "pragma-macro"));
  // Not at the start of a line: not a directive (and a compile error anyway).
  CHECK_FALSE(breaks("#define STR(x) #x\n", "catch-macro"));
}

TEST_CASE("macro-override") {
  CHECK(rules("#define main my_main\n") == std::vector<std::string>{"macro-override@1"});
  CHECK(breaks("#define exit(x) (void)x\n", "macro-override"));
  CHECK(breaks("#define _exit(x)\n", "macro-override"));
  CHECK(breaks("#define abort()\n", "macro-override"));
  CHECK(breaks("#define quick_exit(x)\n", "macro-override"));
  CHECK(breaks("#define true false\n", "macro-override"));
  CHECK_FALSE(breaks("#define EXIT_LATER 1\nvoid f() { std::exit(0); }\n", "macro-override"));
}

TEST_CASE("early-code") {
  CHECK(rules("__attribute__((constructor)) void f() {}\n") ==
        std::vector<std::string>{"early-code@1"});
  CHECK(breaks("__attribute__((destructor(101))) static void f() {}\n", "early-code"));
  CHECK(breaks("__attribute__((__constructor__)) void f() {}\n", "early-code"));
  CHECK(breaks("[[gnu::constructor]] void f() {}\n", "early-code"));
  CHECK(breaks("[[gnu::destructor]] void f() {}\n", "early-code"));
  CHECK(breaks("<:<:gnu::constructor:>:> void f() {}\n", "early-code"));
  CHECK(breaks("[[using gnu: constructor]] void f() {}\n", "early-code"));
  CHECK(breaks("S s __attribute__((init_priority(101)));\n", "early-code"));
  CHECK(breaks("__attribute__((section(\".init_array\"))) void (*p)() = f;\n", "early-code"));
  CHECK(breaks("__attribute__((section(\".data.mine\"))) int x;\n", "early-code"));
  CHECK(breaks("[[gnu::section(\".ctors\")]] void (*p)() = f;\n", "early-code"));
  CHECK(breaks("#define CTOR constructor\n__attribute__((CTOR)) void f() {}\n", "early-code"));
  CHECK(breaks("#define SEC __attribute__((S(\".fini_array\")))\n", "early-code"));
  CHECK(breaks("#define SEC_NAME \".init_array.101\"\n", "early-code"));
  CHECK_FALSE(breaks("#define HINT \"call x.init() first\"\n", "early-code"));
  CHECK(breaks("int r() __attribute__((ifunc(\"resolve\")));\n", "early-code"));
  CHECK_FALSE(
      breaks("// __attribute__((constructor))\n[[nodiscard]] int f();\n"
             "struct section { int alias; };\n",
             "early-code"));
}

TEST_CASE("token-paste") {
  CHECK(rules("#define CAT(a, b) a##b\n") == std::vector<std::string>{"token-paste@1"});
  CHECK(breaks("#define CAT(a, b) a %:%: b\n", "token-paste"));
  CHECK_FALSE(breaks("#define STR(a) #a\n", "token-paste"));
}

TEST_CASE("defines-main") {
  CHECK(rules("int main() { return 0; }\n") == std::vector<std::string>{"defines-main@1"});
  CHECK(breaks("int main(int argc, char** argv)\n{\n}\n", "defines-main"));
  CHECK(breaks("auto main() -> int { return 0; }\n", "defines-main"));
  CHECK(breaks("int main() try { return 0; } catch (...) { return 1; }\n", "defines-main"));
  CHECK(breaks("namespace a { }\nextern \"C\" { int main(void) { return 0; } }\n", "defines-main"));
  CHECK(breaks("int ::main() { return 0; }\n", "defines-main"));
  CHECK(breaks("int (main)() { return 0; }\n", "defines-main"));
  CHECK(breaks("#define M main\n", "defines-main"));
  CHECK(check("int main();\nint x = main();\n").empty());
  CHECK(check("struct A { int main() { return 0; } };\n").empty());
  CHECK(check("namespace n { class B { void main() {} }; }\n").empty());
  CHECK(check("void f() { obj.main(); ptr->main(); X::main(); }\nint A::main() { return 0; }\n")
            .empty());
  CHECK(check("int domain() { return 0; }\nint remain() { return 0; }\n").empty());
}

TEST_CASE("check_step_folder reads .hpp, .h and .cpp files in name order") {
  const fs::path dir =
      fs::temp_directory_path() / ("dartloop-policy-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "tests");
  const auto write = [&](const fs::path& p, const std::string& text) {
    std::ofstream(p, std::ios::binary) << text;
  };
  write(dir / "b.cpp", "asm(\"nop\");\n");
  write(dir / "a.hpp", "#define REQUIRE(x)\n");
  write(dir / "c.h", "int main() {}\n");
  write(dir / "notes.md", "asm\n");
  write(dir / "tests" / "t.cpp", "asm(\"nop\");\n");
  const auto found = check_step_folder(dir);
  REQUIRE(found.size() == 3);
  CHECK(found[0].file == dir / "a.hpp");
  CHECK(found[0].rule == "catch-macro");
  CHECK(found[1].file == dir / "b.cpp");
  CHECK(found[1].rule == "asm");
  CHECK(found[2].file == dir / "c.h");
  CHECK(found[2].rule == "defines-main");
  fs::remove_all(dir);
}

TEST_CASE("no violations in the kit's own exercises and solutions") {
  const fs::path root = DARTLOOP_ROOT;
  int folders = 0;
  for (const char* top : {"exercises", "solutions"}) {
    for (const auto& step : fs::directory_iterator(root / top)) {
      if (!step.is_directory()) continue;
      ++folders;
      INFO(step.path());
      CHECK(describe(check_step_folder(step.path())).empty());
    }
  }
  CHECK(folders >= 20);
}
