// Taking a submission in. Everything here treats the submission as hostile: names are split
// and checked component by component, the layout is decided from names alone, every written
// path is built from checked components under `dest`, and no link is ever followed.
#include "unpack.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string_view>
#include <system_error>
#include <utility>

namespace dartloop::grader {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kChunk = 64 * 1024;

// ---------------------------------------------------------------------------------------------
// Text helpers

// Length of the UTF-8 sequence starting at s[i], or 0 when it is not valid (overlong forms,
// surrogates and code points past U+10FFFF included: compilers and JSON writers reject them).
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  std::size_t n = 0;
  unsigned min = 0;
  unsigned cp = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2, min = 0x80, cp = c & 0x1Fu;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3, min = 0x800, cp = c & 0x0Fu;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4, min = 0x10000, cp = c & 0x07u;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xC0u) != 0x80u) return 0;
    cp = (cp << 6) | (b(k) & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = utf8_length(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

// A name from the submission made safe to print in a report (terminal, JSON): control
// characters and bytes that are not UTF-8 become \xNN.
std::string printable(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = utf8_length(s, i);
    const auto c = static_cast<unsigned char>(s[i]);
    if (n == 0 || c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", static_cast<unsigned>(c));
      out += buf;
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string join(const std::vector<std::string>& parts, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count && i < parts.size(); ++i) {
    if (i > 0) out += '/';
    out += parts[i];
  }
  return out;
}

std::string bytes_text(std::uint64_t n) { return std::to_string(n) + " bytes"; }

// ---------------------------------------------------------------------------------------------
// Names and layout

// An entry name split into components, or why it is refused.
struct Name {
  std::vector<std::string> parts;  // without "" and "." components
  std::string problem;             // non-empty: refused for this reason
};

Name split_name(std::string_view raw) {
  Name name;
  if (raw.empty()) {
    name.problem = "empty name";
    return name;
  }
  if (raw.front() == '/') {
    name.problem = "absolute path: a submission only holds paths relative to its top folder";
    return name;
  }
  if (raw.find('\\') != std::string_view::npos) {
    name.problem = "backslash in the name: use '/' between folders (backslashes can hide '..')";
    return name;
  }
  for (const char c : raw) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) {
      name.problem = "control character in the name";
      return name;
    }
  }
  std::size_t start = 0;
  while (start <= raw.size()) {
    const std::size_t slash = std::min(raw.find('/', start), raw.size());
    const std::string_view part = raw.substr(start, slash - start);
    if (part == "..") {
      name.problem = "path traversal: '..' in the name points outside the submission";
      name.parts.clear();
      return name;
    }
    if (!part.empty() && part != ".") name.parts.emplace_back(part);
    start = slash + 1;
  }
  return name;
}

bool is_step_name(std::string_view s) {
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  return s.size() >= 4 && digit(s[0]) && digit(s[1]) && s[2] == '-';
}

// Folders that archivers add at the top and that never hold a submission.
bool is_archiver_junk(std::string_view s) { return s == "__MACOSX"; }

// An entry as seen while deciding the layout.
struct Probe {
  std::vector<std::string> parts;
  bool is_dir = false;
};

// Whether component `i` of a probe is a folder (archives often list files without their
// folders, so a component followed by more is one).
bool dir_at(const Probe& p, std::size_t i) {
  return p.parts.size() > i + 1 || (p.parts.size() == i + 1 && p.is_dir);
}

// Where the step folders are: `base` is the path of their parent, e.g. {"alice", "exercises"}
// or {} (step folders at the top).
struct Layout {
  bool found = false;
  std::size_t wrapper = 0;  // 1 when the submission sits in one wrapping folder
  bool exercises = false;
  std::vector<std::string> base;
  std::string why_not;  // when not found: the reason given for every entry
};

Layout find_layout(const std::vector<Probe>& probes) {
  const auto at_level = [&](const std::string* wrapper) -> std::optional<Layout> {
    const std::size_t i = wrapper != nullptr ? 1 : 0;
    bool exercises = false;
    bool steps = false;
    for (const Probe& p : probes) {
      if (wrapper != nullptr && (p.parts.empty() || p.parts[0] != *wrapper)) continue;
      if (p.parts.size() <= i || !dir_at(p, i)) continue;
      exercises = exercises || p.parts[i] == "exercises";
      steps = steps || is_step_name(p.parts[i]);
    }
    if (!exercises && !steps) return std::nullopt;
    Layout layout;
    layout.found = true;
    layout.exercises = exercises;  // exercises/ wins over step folders beside it
    if (wrapper != nullptr) {
      layout.wrapper = 1;
      layout.base.push_back(*wrapper);
    }
    if (exercises) layout.base.emplace_back("exercises");
    return layout;
  };
  if (auto top = at_level(nullptr)) return *top;
  // One wrapping folder (GitHub's "Download ZIP", `tar czf x.tgz my-folder`): the top folder
  // that holds the exercises, when exactly one does.
  std::set<std::string> tops;
  for (const Probe& p : probes) {
    if (dir_at(p, 0) && !is_archiver_junk(p.parts[0])) tops.insert(p.parts[0]);
  }
  std::vector<Layout> found;
  std::string names;
  for (const std::string& top : tops) {
    if (auto wrapped = at_level(&top)) {
      found.push_back(*wrapped);
      names += (names.empty() ? "" : ", ") + printable(top) + "/";
    }
  }
  if (found.size() == 1) return found.front();
  Layout none;
  none.why_not = found.empty() ? "no exercises/NN-topic/ folder in the submission: nothing to grade"
                               : "several folders hold exercises (" + names + "): submit only one";
  return none;
}

// What to do with one entry.
struct Verdict {
  enum Kind { structure, ignore, take, refuse } kind = ignore;
  std::string shown;  // what to report: the entry, or the folder that covers it ("x/build/")
  std::string reason;
  std::string step;
  std::string file;
};

Verdict classify(const std::vector<std::string>& parts, bool is_dir, const Layout& layout,
                 const std::vector<std::string>& steps) {
  const Probe probe{parts, is_dir};
  const auto folder = [&](std::size_t count) {
    return join(parts, count) + (dir_at(probe, count - 1) ? "/" : "");
  };
  Verdict v;
  if (!layout.found) {
    v.shown = folder(1);
    v.reason = layout.why_not;
    return v;
  }
  const std::vector<std::string>& base = layout.base;
  std::size_t common = 0;
  while (common < base.size() && common < parts.size() && parts[common] == base[common]) ++common;
  if (common < base.size()) {
    if (common == parts.size() && is_dir) {
      v.kind = Verdict::structure;  // a folder on the way to the steps
      return v;
    }
    v.shown = folder(common + 1);
    v.reason = common < layout.wrapper
                   ? "outside the folder " + printable(base.front()) + "/ that holds the exercises"
                   : "not an exercise file: only exercises/NN-topic/*.hpp, *.h and *.cpp of the "
                     "graded steps are taken";
    return v;
  }
  const std::size_t k = base.size();
  if (parts.size() == k) {
    v.kind = Verdict::structure;
    return v;
  }
  const std::string& step = parts[k];
  if (parts.size() == k + 1 && !is_dir) {
    v.shown = folder(k + 1);
    v.reason = "not in a step folder: only files inside NN-topic/ folders are taken";
    return v;
  }
  if (!is_step_name(step)) {
    v.shown = folder(k + 1);
    v.reason = "not a step folder (NN-topic/): not taken";
    return v;
  }
  if (std::find(steps.begin(), steps.end(), step) == steps.end()) {
    v.shown = folder(k + 1);
    v.reason = "step " + printable(step) + " is not graded in this assignment";
    return v;
  }
  if (parts.size() == k + 1) {
    v.kind = Verdict::structure;
    return v;
  }
  if (parts.size() > k + 2 || is_dir) {
    v.shown = folder(k + 2);
    v.reason = "folders inside a step folder are not taken (the grader brings its own tests)";
    return v;
  }
  const std::string& file = parts[k + 1];
  v.shown = join(parts, parts.size());
  const std::string ext = fs::path(file).extension().string();
  if (file.front() == '.') {
    v.reason = "hidden file: not taken";
  } else if (ext == ".hpp" || ext == ".h" || ext == ".cpp") {
    v.kind = Verdict::take;
    v.step = step;
    v.file = file;
  } else if (ext == ".md" || ext == ".txt") {
    v.reason = "not a source file: not taken";
  } else {
    v.kind = Verdict::refuse;
    v.reason = "unknown file type in a step folder: only .hpp, .h and .cpp files are taken";
  }
  return v;
}

// A file name the grader will pass to compilers and print in reports.
bool plain_file_name(std::string_view name) {
  if (name.empty() || name.size() > 128 || name.front() == '.' || name.front() == '-') {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.' || c == '+';
  });
}

// ---------------------------------------------------------------------------------------------
// Writing into dest

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  // Closing reports write-back errors, which the destructor would lose.
  int release_and_close() { return ::close(std::exchange(fd_, -1)); }

 private:
  int fd_;
};

[[noreturn]] void throw_errno(const std::string& what, const fs::path& path) {
  throw fs::filesystem_error(what, path, std::error_code(errno, std::generic_category()));
}

// The destination folder; unless committed, removes everything written into it, so that a
// submission stopped half-way never looks like a valid one.
class Destination {
 public:
  explicit Destination(fs::path dest) : dest_(std::move(dest)) {
    std::error_code ec;
    const fs::file_status st = fs::symlink_status(dest_, ec);
    if (fs::exists(st)) {
      if (!fs::is_directory(st)) {
        throw fs::filesystem_error("the destination is not a folder", dest_,
                                   std::make_error_code(std::errc::not_a_directory));
      }
      if (!fs::is_empty(dest_)) {
        throw fs::filesystem_error("the destination is not empty", dest_,
                                   std::make_error_code(std::errc::directory_not_empty));
      }
    } else {
      fs::create_directories(dest_);
      created_ = true;
    }
  }
  Destination(const Destination&) = delete;
  Destination& operator=(const Destination&) = delete;
  ~Destination() {
    if (committed_) return;
    std::error_code ec;
    if (created_) {
      fs::remove_all(dest_, ec);
    } else {
      // It was empty when we started: everything in it is ours.
      for (const auto& entry : fs::directory_iterator(dest_, ec)) fs::remove_all(entry.path(), ec);
    }
  }

  void commit() { committed_ = true; }

  // `step` and `file` are checked components, so the path stays inside dest by construction;
  // O_EXCL and O_NOFOLLOW make sure nothing already there is written through.
  void write(const std::string& step, const std::string& file, std::string_view data) {
    const fs::path folder = dest_ / step;
    if (steps_.insert(step).second) fs::create_directory(folder);
    const fs::path path = folder / file;
    FileDescriptor fd(
        ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (fd.get() < 0) throw_errno("cannot create", path);
    if (::fchmod(fd.get(), 0644) != 0) throw_errno("cannot set the mode of", path);
    while (!data.empty()) {
      const ssize_t n = ::write(fd.get(), data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        throw_errno("cannot write", path);
      }
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    if (fd.release_and_close() != 0) throw_errno("cannot write", path);
  }

  const fs::path& path() const { return dest_; }

 private:
  fs::path dest_;
  bool created_ = false;
  bool committed_ = false;
  std::set<std::string> steps_;
};

[[noreturn]] void throw_too_many_entries(const UnpackLimits& limits) {
  throw UnpackError("the submission is too large: more than " + std::to_string(limits.max_entries) +
                    " entries (the limit is " + std::to_string(limits.max_entries) + ")");
}

// ---------------------------------------------------------------------------------------------
// The pass that takes files, shared by folders and archives

// Reads at most `cap` bytes of the current entry; returns an error message instead of data
// when the entry cannot be read.
using Reader = std::function<std::string(std::uint64_t cap, std::string& error)>;

class Intake {
 public:
  Intake(const fs::path& dest, const std::vector<std::string>& steps, const UnpackLimits& limits)
      : dest_(dest), steps_(steps), limits_(limits) {}

  void count_entry() {
    if (++entries_ > limits_.max_entries) throw_too_many_entries(limits_);
  }

  void refuse(std::string_view shown, std::string reason) {
    result_.refused.push_back({printable(shown), std::move(reason)});
  }

  // Reports an ignored entry once per covering folder.
  void ignore(const std::string& shown, std::string reason) {
    if (ignored_.insert(shown).second) result_.ignored.push_back({shown, std::move(reason)});
  }

  // Handles a directory or regular file with a checked name; returns false when it is an
  // ignored folder (a folder walk need not go inside).
  bool entry(std::string_view raw, const std::vector<std::string>& parts, bool is_dir,
             std::optional<std::uint64_t> claimed_size, const Reader& read) {
    Verdict v = classify(parts, is_dir, layout_, steps_);
    switch (v.kind) {
      case Verdict::structure: return true;
      case Verdict::ignore: ignore(v.shown, std::move(v.reason)); return false;
      case Verdict::refuse: refuse(raw, std::move(v.reason)); return true;
      case Verdict::take: take(raw, v.step, v.file, claimed_size, read); return true;
    }
    return true;
  }

  void set_layout(Layout layout) { layout_ = std::move(layout); }
  Destination& dest() { return dest_; }
  Unpacked& result() { return result_; }

 private:
  void take(std::string_view raw, const std::string& step, const std::string& file,
            std::optional<std::uint64_t> claimed_size, const Reader& read) {
    if (!plain_file_name(file)) {
      refuse(raw, "unusual file name: use letters, digits, '_', '-', '+' and '.' only");
      return;
    }
    const std::string key = step + "/" + file;
    if (!seen_.insert(key).second) {
      refuse(raw, "duplicate entry: " + key + " appeared earlier in the submission");
      return;
    }
    const std::uint64_t limit = limits_.max_file_bytes;
    const std::string limit_text = " (the limit is " + bytes_text(limit) + ")";
    if (claimed_size && *claimed_size > limit) {
      refuse(raw, "file too large: " + bytes_text(*claimed_size) + limit_text);
      return;
    }
    std::string error;
    // One byte past the limit tells "too large" from "exactly at the limit".
    const std::uint64_t cap = limit == UINT64_MAX ? limit : limit + 1;
    const std::string data = read(cap, error);
    if (!error.empty()) {
      refuse(raw, "cannot be read: " + error);
      return;
    }
    if (data.size() > limit) {
      refuse(raw, "file too large: more than " + bytes_text(limit) + limit_text);
      return;
    }
    if (data.find('\0') != std::string::npos) {
      refuse(raw, "binary file (it contains a NUL byte): only C++ source text is taken");
      return;
    }
    if (!valid_utf8(data)) {
      refuse(raw, "binary file (not valid UTF-8 text): save it as UTF-8 source text");
      return;
    }
    if (total_ + data.size() > limits_.max_total_bytes) {
      throw UnpackError("the submission is too large: its exercise files exceed " +
                        bytes_text(limits_.max_total_bytes));
    }
    total_ += data.size();
    dest_.write(step, file, data);
    result_.taken.push_back(fs::path(step) / file);
  }

  Destination dest_;
  const std::vector<std::string>& steps_;
  UnpackLimits limits_;
  Layout layout_;
  Unpacked result_;
  std::set<std::string> seen_;
  std::set<std::string> ignored_;
  std::size_t entries_ = 0;
  std::uint64_t total_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Folders

// Reads a regular file without following a link and without blocking on a FIFO put in its
// place after the walk looked at it.
std::string read_file_capped(const fs::path& path, std::uint64_t cap, std::string& error) {
  FileDescriptor fd(
      ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
  struct stat st {};
  if (fd.get() < 0 || ::fstat(fd.get(), &st) != 0) {
    error = std::generic_category().message(errno);
    return {};
  }
  if (!S_ISREG(st.st_mode)) {
    error = "not a regular file";
    return {};
  }
  std::string data;
  std::string chunk(kChunk, '\0');
  while (data.size() <= cap) {
    const ssize_t n = ::read(fd.get(), chunk.data(), chunk.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = std::generic_category().message(errno);
      return {};
    }
    if (n == 0) break;
    data.append(chunk, 0, static_cast<std::size_t>(n));
  }
  return data;
}

std::string refusal_for_type(fs::file_type type) {
  switch (type) {
    case fs::file_type::symlink:
      return "symbolic link: links are never followed (submit the file itself)";
    case fs::file_type::block:
    case fs::file_type::character: return "device file: only regular files are taken";
    case fs::file_type::fifo: return "FIFO (named pipe): only regular files are taken";
    case fs::file_type::socket: return "socket: only regular files are taken";
    default: return "not a regular file: only regular files are taken";
  }
}

std::vector<Probe> probe_folder(const fs::path& source, std::size_t max_entries) {
  std::vector<Probe> probes;
  std::error_code ec;
  const auto is_real_dir = [](const fs::directory_entry& e) {
    std::error_code st_ec;
    return fs::is_directory(e.symlink_status(st_ec));
  };
  for (const auto& top : fs::directory_iterator(source, ec)) {
    if (probes.size() > max_entries) break;
    const std::string name = top.path().filename().string();
    probes.push_back({{name}, is_real_dir(top)});
    if (!probes.back().is_dir) continue;
    std::error_code sub_ec;
    for (const auto& child : fs::directory_iterator(top.path(), sub_ec)) {
      if (probes.size() > max_entries) break;
      probes.push_back({{name, child.path().filename().string()}, is_real_dir(child)});
    }
  }
  if (ec) throw UnpackError("cannot read the folder " + source.string() + ": " + ec.message());
  return probes;
}

void unpack_folder(const fs::path& source, Intake& intake, const UnpackLimits& limits) {
  intake.set_layout(find_layout(probe_folder(source, limits.max_entries)));
  std::error_code ec;
  // Without follow_directory_symlink the walk never enters a linked folder; links themselves
  // are refused below from symlink_status.
  fs::recursive_directory_iterator it(source, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    intake.count_entry();
    const fs::path& path = it->path();
    const std::string raw = path.lexically_relative(source).generic_string();
    const Name name = split_name(raw);
    if (!name.problem.empty()) {
      intake.refuse(raw, name.problem);
      it.disable_recursion_pending();
      continue;
    }
    std::error_code st_ec;
    const fs::file_status st = it->symlink_status(st_ec);
    const bool is_dir = fs::is_directory(st);
    if (!is_dir && !fs::is_regular_file(st)) {
      intake.refuse(raw, refusal_for_type(st.type()));
      continue;
    }
    std::optional<std::uint64_t> size;
    if (!is_dir) {
      std::error_code size_ec;
      if (const std::uint64_t n = it->file_size(size_ec); !size_ec) size = n;
    }
    const bool enter = intake.entry(
        raw, name.parts, is_dir, size,
        [&](std::uint64_t cap, std::string& error) { return read_file_capped(path, cap, error); });
    if (is_dir && !enter) it.disable_recursion_pending();
  }
  if (ec) throw UnpackError("cannot read the folder " + source.string() + ": " + ec.message());
}

// ---------------------------------------------------------------------------------------------
// Archives

struct ArchiveFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveFree>;

std::string archive_message(archive* a) {
  const char* text = archive_error_string(a);
  return text != nullptr ? printable(text) : "unknown error";
}

std::string not_an_archive(const fs::path& source, archive* a) {
  return source.filename().string() + " is not a folder, a .zip, a .tar or a .tar.gz archive (" +
         archive_message(a) + ")";
}

// Zip and tar (ustar, pax, GNU) with the usual compressions, detected from the content. Not
// archive_read_support_format_all(): it includes mtree, whose "archives" are text files that
// name files on the grading machine for libarchive to read (a submission could pull in the
// solutions), and formats nobody submits.
ArchivePtr open_archive(const fs::path& source) {
  ArchivePtr a(archive_read_new());
  if (!a) throw std::bad_alloc();
  archive_read_support_filter_gzip(a.get());
  archive_read_support_filter_bzip2(a.get());
  archive_read_support_filter_xz(a.get());
  archive_read_support_filter_zstd(a.get());
  archive_read_support_format_zip(a.get());
  archive_read_support_format_tar(a.get());
  if (archive_read_open_filename(a.get(), source.c_str(), kChunk) != ARCHIVE_OK) {
    // libarchive's "file format" errno is private; failing to read the file is not.
    const int e = archive_errno(a.get());
    throw UnpackError(e == EACCES || e == EPERM || e == EIO || e == ENOENT
                          ? "cannot read " + source.string() + ": " + archive_message(a.get())
                          : not_an_archive(source, a.get()));
  }
  return a;
}

// Walks the entries of an archive; `on_entry` sees each header. Throws UnpackError when the
// file is not an archive or is damaged, and when decompressing would go past the limit.
void walk_archive(const fs::path& source, const UnpackLimits& limits,
                  const std::function<void(archive*, archive_entry*)>& on_entry) {
  ArchivePtr a = open_archive(source);
  bool any = false;
  for (;;) {
    archive_entry* entry = nullptr;
    const int r = archive_read_next_header(a.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r == ARCHIVE_RETRY) continue;
    if (r < ARCHIVE_WARN) {  // a bad name is only a warning; the entry is still there
      throw UnpackError(any ? source.filename().string() +
                                  " is damaged: " + archive_message(a.get())
                            : not_an_archive(source, a.get()));
    }
    any = true;
    // Skipping an entry of a compressed stream means decompressing it: bound that work with
    // the sizes the headers announce before anything is skipped.
    if (archive_filter_code(a.get(), 0) != ARCHIVE_FILTER_NONE) {
      const auto done =
          static_cast<std::uint64_t>(std::max<la_int64_t>(0, archive_filter_bytes(a.get(), 0)));
      const auto size =
          archive_entry_size_is_set(entry) != 0
              ? static_cast<std::uint64_t>(std::max<la_int64_t>(0, archive_entry_size(entry)))
              : 0;
      if (done + size > limits.max_expanded_bytes) {
        throw UnpackError("the submission is too large: the archive expands to more than " +
                          bytes_text(limits.max_expanded_bytes));
      }
    }
    on_entry(a.get(), entry);
  }
  if (!any) {
    throw UnpackError(source.filename().string() + " is an empty archive");
  }
}

std::string entry_name(archive_entry* entry) {
  const char* name = archive_entry_pathname(entry);
  if (name == nullptr) name = archive_entry_pathname_utf8(entry);
  return name != nullptr ? name : "";
}

// Why an entry that is not a folder or a regular file is refused ("" when it is one).
std::string refusal_for_entry(archive_entry* entry) {
  if (archive_entry_hardlink(entry) != nullptr) {
    return "hard link: links are never followed (submit the file itself)";
  }
  switch (archive_entry_filetype(entry)) {
    case AE_IFREG:
    case AE_IFDIR: return "";
    case AE_IFLNK: return refusal_for_type(fs::file_type::symlink);
    case AE_IFCHR:
    case AE_IFBLK: return refusal_for_type(fs::file_type::character);
    case AE_IFIFO: return refusal_for_type(fs::file_type::fifo);
    case AE_IFSOCK: return refusal_for_type(fs::file_type::socket);
    default: return refusal_for_type(fs::file_type::unknown);
  }
}

std::string read_entry_capped(archive* a, std::uint64_t cap, std::string& error) {
  std::string data;
  std::string chunk(kChunk, '\0');
  while (data.size() <= cap) {
    const la_ssize_t n = archive_read_data(a, chunk.data(), chunk.size());
    if (n == 0) break;
    if (n == ARCHIVE_FATAL) throw UnpackError("the archive is damaged: " + archive_message(a));
    if (n < 0) {
      error = archive_message(a);
      return {};
    }
    data.append(chunk, 0, static_cast<std::size_t>(n));
  }
  return data;
}

void unpack_archive(const fs::path& source, Intake& intake, const UnpackLimits& limits) {
  // First pass: names only, to decide the layout before anything is taken.
  std::vector<Probe> probes;
  std::size_t entries = 0;
  walk_archive(source, limits, [&](archive*, archive_entry* entry) {
    if (++entries > limits.max_entries) throw_too_many_entries(limits);
    const Name name = split_name(entry_name(entry));
    const bool is_dir = archive_entry_filetype(entry) == AE_IFDIR;
    if (name.problem.empty() && !name.parts.empty() && refusal_for_entry(entry).empty()) {
      probes.push_back({name.parts, is_dir});
    }
  });
  intake.set_layout(find_layout(probes));

  walk_archive(source, limits, [&](archive* a, archive_entry* entry) {
    intake.count_entry();
    const std::string raw = entry_name(entry);
    const Name name = split_name(raw);
    if (!name.problem.empty()) {
      intake.refuse(raw, name.problem);
      return;
    }
    if (name.parts.empty()) return;  // "./": the archive's own top
    if (const std::string why = refusal_for_entry(entry); !why.empty()) {
      intake.refuse(raw, why);
      return;
    }
    const bool is_dir = archive_entry_filetype(entry) == AE_IFDIR;
    std::optional<std::uint64_t> size;
    if (archive_entry_size_is_set(entry) != 0 && archive_entry_size(entry) >= 0) {
      size = static_cast<std::uint64_t>(archive_entry_size(entry));
    }
    intake.entry(raw, name.parts, is_dir, size, [&](std::uint64_t cap, std::string& error) {
      if (archive_entry_is_encrypted(entry) != 0) {
        error = "encrypted: submit it without a password";
        return std::string();
      }
      return read_entry_capped(a, cap, error);
    });
  });
}

}  // namespace

Unpacked unpack_submission(const fs::path& source, const fs::path& dest,
                           const std::vector<std::string>& steps, const UnpackLimits& limits) {
  std::error_code ec;
  const fs::file_status st = fs::status(source, ec);  // the caller's path: it may be a link
  if (!fs::exists(st)) {
    throw UnpackError(ec && ec != std::errc::no_such_file_or_directory
                          ? "cannot read the submission " + source.string() + ": " + ec.message()
                          : "submission not found: " + source.string());
  }
  if (!fs::is_directory(st) && !fs::is_regular_file(st)) {
    throw UnpackError(source.string() + " is not a folder, a .zip, a .tar or a .tar.gz archive");
  }
  if (fs::is_directory(st)) {
    const fs::path from = fs::weakly_canonical(source);
    const fs::path to = fs::weakly_canonical(dest);
    if (std::mismatch(from.begin(), from.end(), to.begin(), to.end()).first == from.end()) {
      throw fs::filesystem_error("the destination is inside the submission", dest,
                                 std::make_error_code(std::errc::invalid_argument));
    }
  }
  Intake intake(dest, steps, limits);
  if (fs::is_directory(st)) {
    unpack_folder(source, intake, limits);
  } else {
    unpack_archive(source, intake, limits);
  }
  intake.dest().commit();
  return std::move(intake.result());
}

}  // namespace dartloop::grader
