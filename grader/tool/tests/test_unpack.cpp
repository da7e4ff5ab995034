// Taking submissions in: the layouts accepted, what is ignored and refused, the limits, and
// that nothing is ever written outside the destination. Archives are built here with
// libarchive's write API, which happily writes the hostile entries a real tool would refuse.
#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "unpack.hpp"

namespace fs = std::filesystem;
using dartloop::grader::Skipped;
using dartloop::grader::unpack_submission;
using dartloop::grader::Unpacked;
using dartloop::grader::UnpackError;
using dartloop::grader::UnpackLimits;

namespace {

const std::string kStep1 = "01-microtask-queue";
const std::string kStep4 = "04-futures";
const std::string kHeader = "#pragma once\n// queue \xE2\x9C\x93\nint f();\n";
const std::string kSource = "#include \"microtask_queue.hpp\"\nint f() { return 1; }\n";

// A fresh folder under /tmp, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "dartloop-unpack-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;  // not istreambuf_iterator: GCC 12 -O3 warns falsely in it
  buffer << in.rdbuf();
  return std::move(buffer).str();
}

void write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

std::set<std::string> listing(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    names.insert(e.path().lexically_relative(dir).generic_string());
  }
  return names;
}

std::set<std::string> taken(const Unpacked& u) {
  std::set<std::string> out;
  for (const auto& p : u.taken) out.insert(p.generic_string());
  return out;
}

// The reason given for `path`, or "" when it is not in the list.
std::string reason(const std::vector<Skipped>& list, const std::string& path) {
  for (const Skipped& s : list) {
    if (s.path == path) return s.reason;
  }
  return "";
}

std::string describe(const Unpacked& u) {
  std::string out;
  for (const auto& p : u.taken) out += "taken " + p.generic_string() + "\n";
  for (const Skipped& s : u.refused) out += "refused " + s.path + ": " + s.reason + "\n";
  for (const Skipped& s : u.ignored) out += "ignored " + s.path + ": " + s.reason + "\n";
  return out;
}

struct WriteFree {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryFree {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

// Builds an archive entry by entry.
class ArchiveBuilder {
 public:
  enum class Format { zip, tar, tar_gz };

  ArchiveBuilder(const fs::path& path, Format format) : a_(archive_write_new()) {
    REQUIRE(a_);
    if (format == Format::zip) {
      REQUIRE(archive_write_set_format_zip(a_.get()) == ARCHIVE_OK);
    } else {
      REQUIRE(archive_write_set_format_pax_restricted(a_.get()) == ARCHIVE_OK);
      if (format == Format::tar_gz) REQUIRE(archive_write_add_filter_gzip(a_.get()) == ARCHIVE_OK);
    }
    REQUIRE(archive_write_open_filename(a_.get(), path.c_str()) == ARCHIVE_OK);
  }
  ArchiveBuilder(const ArchiveBuilder&) = delete;
  ArchiveBuilder& operator=(const ArchiveBuilder&) = delete;
  ~ArchiveBuilder() { close(); }

  ArchiveBuilder& file(const std::string& name, const std::string& data) {
    auto e = entry(name, AE_IFREG, 0644);
    archive_entry_set_size(e.get(), static_cast<la_int64_t>(data.size()));
    header(e.get());
    if (!data.empty()) {
      REQUIRE(archive_write_data(a_.get(), data.data(), data.size()) ==
              static_cast<la_ssize_t>(data.size()));
    }
    return *this;
  }
  // `size` zero bytes, written in chunks (compresses to about 1/1000 of the size).
  ArchiveBuilder& zeros(const std::string& name, std::size_t size) {
    auto e = entry(name, AE_IFREG, 0644);
    archive_entry_set_size(e.get(), static_cast<la_int64_t>(size));
    header(e.get());
    const std::string chunk(1 << 20, '\0');
    for (std::size_t done = 0; done < size; done += chunk.size()) {
      const std::size_t n = std::min(chunk.size(), size - done);
      REQUIRE(archive_write_data(a_.get(), chunk.data(), n) == static_cast<la_ssize_t>(n));
    }
    return *this;
  }
  ArchiveBuilder& dir(const std::string& name) {
    header(entry(name, AE_IFDIR, 0755).get());
    return *this;
  }
  ArchiveBuilder& symlink(const std::string& name, const std::string& target) {
    auto e = entry(name, AE_IFLNK, 0777);
    archive_entry_set_symlink(e.get(), target.c_str());
    header(e.get());
    return *this;
  }
  ArchiveBuilder& hardlink(const std::string& name, const std::string& target) {
    auto e = entry(name, AE_IFREG, 0644);
    archive_entry_set_hardlink(e.get(), target.c_str());
    header(e.get());
    return *this;
  }
  ArchiveBuilder& special(const std::string& name, unsigned type) {
    auto e = entry(name, type, 0644);
    archive_entry_set_rdevmajor(e.get(), 1);
    archive_entry_set_rdevminor(e.get(), 3);
    header(e.get());
    return *this;
  }
  void close() {
    if (a_ && !closed_) REQUIRE(archive_write_close(a_.get()) == ARCHIVE_OK);
    closed_ = true;
  }

 private:
  static std::unique_ptr<archive_entry, EntryFree> entry(const std::string& name, unsigned type,
                                                         unsigned mode) {
    std::unique_ptr<archive_entry, EntryFree> e(archive_entry_new());
    archive_entry_set_pathname(e.get(), name.c_str());
    archive_entry_set_filetype(e.get(), type);
    archive_entry_set_perm(e.get(), mode);
    archive_entry_set_mtime(e.get(), 1700000000, 0);
    return e;
  }
  void header(archive_entry* e) {
    INFO(archive_error_string(a_.get()));
    REQUIRE(archive_write_header(a_.get(), e) == ARCHIVE_OK);
  }

  std::unique_ptr<archive, WriteFree> a_;
  bool closed_ = false;
};

using Format = ArchiveBuilder::Format;

// A submission folder `work/sub.*` and a destination `work/box/out`, with a sentinel next to
// the destination: unpacking must leave `box` holding exactly `out` and the sentinel.
struct Scene {
  TempDir work;
  fs::path box = work / "box";
  fs::path dest = box / "out";
  fs::path sentinel = box / "sentinel.txt";

  Scene() { write(sentinel, "untouched"); }

  void check_box() const {
    CHECK(read(sentinel) == "untouched");
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(box)) names.insert(e.path().filename().string());
    const std::set<std::string> allowed{"out", "sentinel.txt"};
    CHECK(std::includes(allowed.begin(), allowed.end(), names.begin(), names.end()));
    CHECK(listing(work.path()).count("evil.hpp") == 0);
  }
};

}  // namespace

TEST_CASE("the normal layout: exercise files of the graded steps only") {
  Scene s;
  const fs::path tgz = s.work / "sub.tar.gz";
  ArchiveBuilder(tgz, Format::tar_gz)
      .file("README.md", "# me\n")
      .dir("exercises/")
      .dir("exercises/01-microtask-queue/")
      .file("exercises/01-microtask-queue/microtask_queue.hpp", kHeader)
      .file("exercises/01-microtask-queue/microtask_queue.cpp", kSource)
      .file("exercises/01-microtask-queue/README.md", "read me\n")
      .file("exercises/01-microtask-queue/hints.md", "hint\n")
      .file("exercises/01-microtask-queue/tests/test_microtask_queue.cpp", "x\n")
      .file("exercises/01-microtask-queue/tests/more/deep.hpp", "x\n")
      .file("exercises/01-microtask-queue/.clang-format", "x\n")
      .file("exercises/02-event-queue-and-timers/timer.hpp", "x\n")
      .file("exercises/notes.txt", "x\n")
      .file("build/CMakeCache.txt", "x\n")
      .file(".git/config", "x\n")
      .file("./solutions/01-microtask-queue/microtask_queue.hpp", "stolen\n");
  const Unpacked u = unpack_submission(tgz, s.dest, {kStep1});
  INFO(describe(u));
  CHECK(taken(u) ==
        std::set<std::string>{kStep1 + "/microtask_queue.hpp", kStep1 + "/microtask_queue.cpp"});
  CHECK(u.refused.empty());
  CHECK(read(s.dest / kStep1 / "microtask_queue.hpp") == kHeader);
  CHECK(read(s.dest / kStep1 / "microtask_queue.cpp") == kSource);
  CHECK((fs::status(s.dest / kStep1 / "microtask_queue.hpp").permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
         fs::perms::others_read));
  CHECK(listing(s.dest) == std::set<std::string>{kStep1, kStep1 + "/microtask_queue.hpp",
                                                 kStep1 + "/microtask_queue.cpp"});
  CHECK_THAT(reason(u.ignored, "README.md"), Catch::Contains("not an exercise file"));
  CHECK_THAT(reason(u.ignored, "exercises/02-event-queue-and-timers/"),
             Catch::Contains("not graded"));
  CHECK_THAT(reason(u.ignored, "exercises/01-microtask-queue/tests/"),
             Catch::Contains("folders inside a step"));
  CHECK_THAT(reason(u.ignored, "exercises/01-microtask-queue/README.md"),
             Catch::Contains("not a source file"));
  CHECK_THAT(reason(u.ignored, "exercises/01-microtask-queue/.clang-format"),
             Catch::Contains("hidden"));
  CHECK_THAT(reason(u.ignored, "exercises/notes.txt"), Catch::Contains("not in a step folder"));
  CHECK(!reason(u.ignored, "build/").empty());
  CHECK(!reason(u.ignored, ".git/").empty());
  CHECK(!reason(u.ignored, "solutions/").empty());
  // A folder is reported once, not once per file in it.
  CHECK(std::count_if(u.ignored.begin(), u.ignored.end(), [](const Skipped& k) {
          return k.path.starts_with("exercises/01-microtask-queue/tests");
        }) == 1);
  s.check_box();
}

TEST_CASE("the wrapped layout, as GitHub and zip tools produce it") {
  Scene s;
  const fs::path zip = s.work / "sub.zip";
  ArchiveBuilder(zip, Format::zip)
      .file("alice-dartloop/README.md", "x\n")
      .file("alice-dartloop/exercises/01-microtask-queue/microtask_queue.hpp", kHeader)
      .file("alice-dartloop/exercises/04-futures/future.hpp", "template <class T> class F;\n")
      .file("__MACOSX/alice-dartloop/exercises/01-microtask-queue/._microtask_queue.hpp",
            std::string("\0\5\26\7", 4))
      .file("notes.txt", "x\n");
  const Unpacked u = unpack_submission(zip, s.dest, {kStep1, kStep4});
  INFO(describe(u));
  CHECK(taken(u) == std::set<std::string>{kStep1 + "/microtask_queue.hpp", kStep4 + "/future.hpp"});
  CHECK(u.refused.empty());
  CHECK_THAT(reason(u.ignored, "__MACOSX/"), Catch::Contains("outside the folder alice-dartloop/"));
  CHECK(!reason(u.ignored, "notes.txt").empty());
  CHECK(!reason(u.ignored, "alice-dartloop/README.md").empty());
  CHECK(read(s.dest / kStep4 / "future.hpp") == "template <class T> class F;\n");
  s.check_box();
}

TEST_CASE("the layout without exercises/, at the top or wrapped") {
  for (const std::string top : {"", "bob/"}) {
    Scene s;
    const fs::path zip = s.work / "sub.zip";
    ArchiveBuilder(zip, Format::zip)
        .file(top + "01-microtask-queue/microtask_queue.hpp", kHeader)
        .file(top + "01-microtask-queue/microtask_queue.cpp", kSource)
        .file(top + "04-futures/future.hpp", "x\n")
        .file(top + "CMakeLists.txt", "x\n");
    const Unpacked u = unpack_submission(zip, s.dest, {kStep1});
    INFO(top << "\n" << describe(u));
    CHECK(taken(u) ==
          std::set<std::string>{kStep1 + "/microtask_queue.hpp", kStep1 + "/microtask_queue.cpp"});
    CHECK_THAT(reason(u.ignored, top + "04-futures/"), Catch::Contains("not graded"));
    CHECK(!reason(u.ignored, top + "CMakeLists.txt").empty());
    s.check_box();
  }
}

TEST_CASE("a submission without step folders takes nothing and says why") {
  Scene s;
  const fs::path zip = s.work / "sub.zip";
  ArchiveBuilder(zip, Format::zip).file("src/queue.hpp", "x\n").file("main.cpp", "x\n");
  const Unpacked u = unpack_submission(zip, s.dest, {kStep1});
  CHECK(u.taken.empty());
  CHECK_THAT(reason(u.ignored, "src/"), Catch::Contains("no exercises/NN-topic/ folder"));
  CHECK(fs::is_empty(s.dest));

  Scene two;
  const fs::path both = two.work / "sub.zip";
  ArchiveBuilder(both, Format::zip)
      .file("a/exercises/01-microtask-queue/microtask_queue.hpp", "x\n")
      .file("b/exercises/01-microtask-queue/microtask_queue.hpp", "y\n");
  const Unpacked v = unpack_submission(both, two.dest, {kStep1});
  CHECK(v.taken.empty());
  CHECK_THAT(reason(v.ignored, "a/"), Catch::Contains("several folders"));
}

TEST_CASE("a tar with links, devices, traversal and bad files: refused, the rest taken") {
  Scene s;
  const fs::path tar = s.work / "sub.tar";
  const std::string step = "exercises/01-microtask-queue/";
  const std::string solution = "../../solutions/01-microtask-queue/microtask_queue.hpp";
  ArchiveBuilder(tar, Format::tar)
      .file(step + "microtask_queue.hpp", kHeader)
      .symlink(step + "microtask_queue.cpp", solution)
      .hardlink(step + "hard.hpp", "/etc/passwd")
      .special(step + "dev.hpp", AE_IFCHR)
      .special(step + "block.hpp", AE_IFBLK)
      .special(step + "fifo.hpp", AE_IFIFO)
      .file("../evil.hpp", "x\n")
      .file(step + "../../../evil.hpp", "x\n")
      .file("/tmp/dartloop-abs-evil.hpp", "x\n")
      .file(step + "helper.o", "x\n")
      .file(step + "lib.so", "x\n")
      .file(step + "run.py", "x\n")
      .file(step + "Makefile", "x\n")
      .file(step + "nul.hpp", std::string("int x;\0", 7))
      .file(step + "latin1.hpp", "// caf\xE9\n")
      .file(step + "a b.hpp", "x\n")
      .file(step + "microtask_queue.hpp", "// second copy\n")
      .file("exercises\\01-microtask-queue\\win.hpp", "x\n");
  const Unpacked u = unpack_submission(tar, s.dest, {kStep1});
  INFO(describe(u));
  CHECK_THAT(reason(u.refused, "exercises\\01-microtask-queue\\win.hpp"),
             Catch::StartsWith("backslash"));
  CHECK(taken(u) == std::set<std::string>{kStep1 + "/microtask_queue.hpp"});
  CHECK(read(s.dest / kStep1 / "microtask_queue.hpp") == kHeader);
  CHECK(listing(s.dest) == std::set<std::string>{kStep1, kStep1 + "/microtask_queue.hpp"});
  CHECK_THAT(reason(u.refused, step + "microtask_queue.cpp"), Catch::StartsWith("symbolic link"));
  CHECK_THAT(reason(u.refused, step + "hard.hpp"), Catch::StartsWith("hard link"));
  CHECK_THAT(reason(u.refused, step + "dev.hpp"), Catch::StartsWith("device file"));
  CHECK_THAT(reason(u.refused, step + "block.hpp"), Catch::StartsWith("device file"));
  CHECK_THAT(reason(u.refused, step + "fifo.hpp"), Catch::StartsWith("FIFO"));
  CHECK_THAT(reason(u.refused, "../evil.hpp"), Catch::StartsWith("path traversal"));
  CHECK_THAT(reason(u.refused, step + "../../../evil.hpp"), Catch::StartsWith("path traversal"));
  CHECK_THAT(reason(u.refused, "/tmp/dartloop-abs-evil.hpp"), Catch::StartsWith("absolute path"));
  for (const char* name : {"helper.o", "lib.so", "run.py", "Makefile"}) {
    CHECK_THAT(reason(u.refused, step + name), Catch::StartsWith("unknown file type"));
  }
  CHECK_THAT(reason(u.refused, step + "nul.hpp"), Catch::Contains("NUL byte"));
  CHECK_THAT(reason(u.refused, step + "latin1.hpp"), Catch::Contains("not valid UTF-8"));
  CHECK_THAT(reason(u.refused, step + "a b.hpp"), Catch::StartsWith("unusual file name"));
  CHECK_THAT(reason(u.refused, step + "microtask_queue.hpp"), Catch::StartsWith("duplicate"));
  CHECK(!fs::exists("/tmp/dartloop-abs-evil.hpp"));
  s.check_box();
}

TEST_CASE("a zip with traversal, absolute and backslash names") {
  Scene s;
  const fs::path zip = s.work / "sub.zip";
  ArchiveBuilder(zip, Format::zip)
      .file("exercises/01-microtask-queue/microtask_queue.hpp", kHeader)
      .file("../evil.hpp", "x\n")
      .file("exercises/01-microtask-queue/../../../evil.hpp", "x\n")
      .file("/tmp/dartloop-abs-evil.hpp", "x\n")
      .file("exercises\\01-microtask-queue\\..\\..\\evil.hpp", "x\n")
      .symlink("exercises/01-microtask-queue/link.hpp", "/etc/passwd");
  const Unpacked u = unpack_submission(zip, s.dest, {kStep1});
  INFO(describe(u));
  CHECK(taken(u) == std::set<std::string>{kStep1 + "/microtask_queue.hpp"});
  CHECK_THAT(reason(u.refused, "../evil.hpp"), Catch::StartsWith("path traversal"));
  CHECK_THAT(reason(u.refused, "exercises/01-microtask-queue/../../../evil.hpp"),
             Catch::StartsWith("path traversal"));
  CHECK_THAT(reason(u.refused, "/tmp/dartloop-abs-evil.hpp"), Catch::StartsWith("absolute path"));
  // libarchive may turn the backslashes into slashes; either way the entry is refused.
  CHECK(u.refused.size() == 5);
  CHECK_THAT(reason(u.refused, "exercises/01-microtask-queue/link.hpp"),
             Catch::StartsWith("symbolic link"));
  CHECK(!fs::exists("/tmp/dartloop-abs-evil.hpp"));
  s.check_box();
}

TEST_CASE("a file over the size limit is refused with its size") {
  Scene s;
  const fs::path tgz = s.work / "sub.tgz";
  ArchiveBuilder(tgz, Format::tar_gz)
      .file("exercises/01-microtask-queue/microtask_queue.hpp", std::string(300 * 1024, 'x'))
      .file("exercises/01-microtask-queue/microtask_queue.cpp", kSource);
  const Unpacked u = unpack_submission(tgz, s.dest, {kStep1});
  INFO(describe(u));
  CHECK(taken(u) == std::set<std::string>{kStep1 + "/microtask_queue.cpp"});
  CHECK(reason(u.refused, "exercises/01-microtask-queue/microtask_queue.hpp") ==
        "file too large: 307200 bytes (the limit is 262144 bytes)");
  CHECK(!fs::exists(s.dest / kStep1 / "microtask_queue.hpp"));
}

namespace {

void put32(std::string& bytes, std::size_t at, std::uint32_t value) {
  for (int i = 0; i < 4; ++i)
    bytes[at + static_cast<std::size_t>(i)] = static_cast<char>(value >> (8 * i));
}
std::uint32_t get32(const std::string& bytes, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) {
    v = (v << 8) | static_cast<unsigned char>(bytes[at + static_cast<std::size_t>(i)]);
  }
  return v;
}

// Makes a one-entry zip claim `size` uncompressed bytes, in its local header and in its
// central directory.
void lie_about_size(const fs::path& zip, std::uint32_t size) {
  std::string bytes = read(zip);
  REQUIRE(bytes.compare(0, 4, "PK\3\4") == 0);
  put32(bytes, 22, size);
  const std::size_t end = bytes.rfind(std::string("PK\5\6", 4));
  REQUIRE(end != std::string::npos);
  const std::size_t central = get32(bytes, end + 16);
  REQUIRE(bytes.compare(central, 4, "PK\1\2") == 0);
  put32(bytes, central + 24, size);
  std::ofstream(zip, std::ios::binary | std::ios::trunc) << bytes;
}

}  // namespace

TEST_CASE("a zip bomb is refused without being written") {
  constexpr std::size_t kBomb = 100u << 20;
  const std::string name = "exercises/01-microtask-queue/microtask_queue.hpp";
  for (const bool lie : {false, true}) {
    Scene s;
    const fs::path zip = s.work / "bomb.zip";
    ArchiveBuilder(zip, Format::zip)
        .zeros(name, kBomb)
        .file("exercises/01-microtask-queue/ok.hpp", "x\n");
    CHECK(fs::file_size(zip) < (1u << 20));
    if (lie) lie_about_size(zip, 1000);
    const Unpacked u = unpack_submission(zip, s.dest, {kStep1});
    INFO("lie=" << lie << "\n" << describe(u));
    CHECK(taken(u) == std::set<std::string>{kStep1 + "/ok.hpp"});
    CHECK_THAT(reason(u.refused, name), lie ? Catch::Contains("more than 262144 bytes")
                                            : Catch::Contains("104857600 bytes"));
    CHECK(!fs::exists(s.dest / kStep1 / "microtask_queue.hpp"));
    s.check_box();
  }
}

TEST_CASE("a .tar.gz that expands past the limit is rejected before it is decompressed") {
  Scene s;
  const fs::path tgz = s.work / "bomb.tar.gz";
  ArchiveBuilder(tgz, Format::tar_gz)
      .file("exercises/01-microtask-queue/microtask_queue.hpp", kHeader)
      .zeros("build/huge.bin", 64u << 20);
  UnpackLimits limits;
  limits.max_expanded_bytes = 8u << 20;
  CHECK_THROWS_WITH(unpack_submission(tgz, s.dest, {kStep1}, limits),
                    Catch::Contains("too large") && Catch::Contains("expands"));
  CHECK(!fs::exists(s.dest));
  // Within the default limit, the big file is just ignored.
  const Unpacked u = unpack_submission(tgz, s.dest, {kStep1});
  CHECK(taken(u) == std::set<std::string>{kStep1 + "/microtask_queue.hpp"});
  CHECK(!reason(u.ignored, "build/").empty());
}

TEST_CASE("too many entries, or too many bytes in total, reject the submission") {
  SECTION("entries") {
    Scene s;
    const fs::path tgz = s.work / "sub.tgz";
    {
      ArchiveBuilder b(tgz, Format::tar_gz);
      for (int i = 0; i < 50; ++i) {
        b.file("exercises/01-microtask-queue/f" + std::to_string(i) + ".hpp", "x\n");
      }
    }
    UnpackLimits limits;
    limits.max_entries = 20;
    CHECK_THROWS_AS(unpack_submission(tgz, s.dest, {kStep1}, limits), UnpackError);
    CHECK_THROWS_WITH(unpack_submission(tgz, s.dest, {kStep1}, limits),
                      Catch::StartsWith("the submission is too large: more than 20 entries"));
    CHECK(!fs::exists(s.dest));
    s.check_box();
  }
  SECTION("total bytes; a destination that existed is left empty") {
    Scene s;
    const fs::path zip = s.work / "sub.zip";
    ArchiveBuilder(zip, Format::zip)
        .file("exercises/01-microtask-queue/a.hpp", std::string(100 * 1024, 'a'))
        .file("exercises/01-microtask-queue/b.hpp", std::string(100 * 1024, 'b'))
        .file("exercises/01-microtask-queue/c.hpp", std::string(100 * 1024, 'c'));
    UnpackLimits limits;
    limits.max_total_bytes = 250 * 1024;
    fs::create_directory(s.dest);
    CHECK_THROWS_WITH(unpack_submission(zip, s.dest, {kStep1}, limits),
                      Catch::StartsWith("the submission is too large"));
    CHECK(fs::is_directory(s.dest));
    CHECK(fs::is_empty(s.dest));
    s.check_box();
  }
}

TEST_CASE("what cannot be read as a submission is an UnpackError") {
  Scene s;
  SECTION("missing") {
    CHECK_THROWS_WITH(unpack_submission(s.work / "nope.zip", s.dest, {kStep1}),
                      Catch::Contains("not found") && Catch::Contains("nope.zip"));
    CHECK(!fs::exists(s.dest));
  }
  SECTION("not an archive, whatever its name") {
    for (const std::string name : {"homework.zip", "homework.tar.gz", "homework.txt"}) {
      write(s.work / name, "#include <vector>\nint main() {}\n");
      CHECK_THROWS_AS(unpack_submission(s.work / name, s.dest, {kStep1}), UnpackError);
      CHECK_THROWS_WITH(unpack_submission(s.work / name, s.dest, {kStep1}),
                        Catch::Contains(name) && Catch::Contains("not a folder, a .zip"));
      CHECK(!fs::exists(s.dest));
    }
  }
  SECTION("empty") {
    write(s.work / "empty.zip", "");
    CHECK_THROWS_AS(unpack_submission(s.work / "empty.zip", s.dest, {kStep1}), UnpackError);
  }
  SECTION("an mtree 'archive' that names files on the grading machine") {
    write(s.work / "sub.tar",
          "#mtree\n./exercises/01-microtask-queue/microtask_queue.hpp type=file "
          "contents=/etc/passwd\n");
    CHECK_THROWS_AS(unpack_submission(s.work / "sub.tar", s.dest, {kStep1}), UnpackError);
    CHECK(!fs::exists(s.dest));
  }
  SECTION("a truncated archive") {
    const fs::path tgz = s.work / "sub.tar.gz";
    ArchiveBuilder(tgz, Format::tar_gz)
        .file("exercises/01-microtask-queue/a.hpp", std::string(200 * 1024, 'a'))
        .file("exercises/01-microtask-queue/b.hpp", "x\n");
    fs::resize_file(tgz, fs::file_size(tgz) / 2);
    CHECK_THROWS_AS(unpack_submission(tgz, s.dest, {kStep1}), UnpackError);
    CHECK(!fs::exists(s.dest));
  }
  s.check_box();
}

TEST_CASE("the destination must be a new or empty folder") {
  Scene s;
  const fs::path zip = s.work / "sub.zip";
  ArchiveBuilder(zip, Format::zip).file("exercises/01-microtask-queue/a.hpp", "x\n");
  write(s.dest / "old.txt", "old");
  CHECK_THROWS_AS(unpack_submission(zip, s.dest, {kStep1}), fs::filesystem_error);
  CHECK(read(s.dest / "old.txt") == "old");
  fs::remove(s.dest / "old.txt");
  CHECK(taken(unpack_submission(zip, s.dest, {kStep1})) ==
        std::set<std::string>{kStep1 + "/a.hpp"});
  const fs::path file = s.work / "file";
  write(file, "x");
  CHECK_THROWS_AS(unpack_submission(zip, file, {kStep1}), fs::filesystem_error);
}

TEST_CASE("a folder submission: links are refused, never followed") {
  Scene s;
  const fs::path sub = s.work / "sub";
  const fs::path secret = s.work / "secret.hpp";
  write(secret, "// the solution\n");
  write(sub / "exercises/01-microtask-queue/microtask_queue.hpp", kHeader);
  write(sub / "exercises/01-microtask-queue/tests/test.cpp", "x\n");
  write(sub / "exercises/01-microtask-queue/README.md", "x\n");
  write(sub / "build/CMakeCache.txt", "x\n");
  write(s.work / "elsewhere/future.hpp", "// not mine\n");
  fs::create_symlink(secret, sub / "exercises/01-microtask-queue/microtask_queue.cpp");
  fs::create_directory_symlink(s.work / "elsewhere", sub / "exercises/04-futures");
  REQUIRE(::mkfifo((sub / "exercises/01-microtask-queue/pipe.hpp").c_str(), 0644) == 0);
  write(sub / "exercises/01-microtask-queue/big.cpp", std::string(300 * 1024, 'x'));
  write(sub / "exercises/01-microtask-queue/bin.hpp", std::string("\x7F"
                                                                  "ELF\0\0",
                                                                  6));
  write(sub / "exercises/01-microtask-queue/tool.exe", "MZ");

  const Unpacked u = unpack_submission(sub, s.dest, {kStep1, kStep4});
  INFO(describe(u));
  const std::string step = "exercises/01-microtask-queue/";
  CHECK(taken(u) == std::set<std::string>{kStep1 + "/microtask_queue.hpp"});
  CHECK(listing(s.dest) == std::set<std::string>{kStep1, kStep1 + "/microtask_queue.hpp"});
  CHECK_THAT(reason(u.refused, step + "microtask_queue.cpp"), Catch::StartsWith("symbolic link"));
  CHECK_THAT(reason(u.refused, "exercises/04-futures"), Catch::StartsWith("symbolic link"));
  CHECK_THAT(reason(u.refused, step + "pipe.hpp"), Catch::StartsWith("FIFO"));
  CHECK(reason(u.refused, step + "big.cpp") ==
        "file too large: 307200 bytes (the limit is 262144 bytes)");
  CHECK_THAT(reason(u.refused, step + "bin.hpp"), Catch::StartsWith("binary file"));
  CHECK_THAT(reason(u.refused, step + "tool.exe"), Catch::StartsWith("unknown file type"));
  CHECK(!reason(u.ignored, step + "tests/").empty());
  CHECK(!reason(u.ignored, "build/").empty());
  CHECK(read(secret) == "// the solution\n");
  s.check_box();

  // The destination inside the submission would be walked while written.
  CHECK_THROWS_AS(unpack_submission(sub, sub / "out", {kStep1}), fs::filesystem_error);
}
