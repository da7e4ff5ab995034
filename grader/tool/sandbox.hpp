// Running untrusted programs (a learner's test program, a compiler on a learner's source)
// under limits, and reading back what they did. The parent side lives here; the child side is
// the single-threaded launcher `dartloop-sandbox` (sandbox_main.cpp), which the parent starts
// with the program to run as its arguments: setting up namespaces, rlimits and a seccomp
// filter between fork and exec is not async-signal-safe in a multithreaded parent, and a
// separate launcher is also usable by hand and as CMake's compiler launcher.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace dartloop::grader {

/// How far a sandboxed program may go, and which protections it runs under.
struct Limits {
  /// Wall-clock deadline; the whole process group is killed when it passes.
  std::chrono::milliseconds wall{10'000};
  /// CPU seconds (RLIMIT_CPU); 0 = none.
  unsigned cpu_seconds = 10;
  /// Address-space bytes (RLIMIT_AS); 0 = none (sanitizer-built programs need none).
  std::uint64_t memory_bytes = std::uint64_t{1} << 30;
  /// Largest file the program may write (RLIMIT_FSIZE); 0 = none.
  std::uint64_t file_size_bytes = std::uint64_t{16} << 20;
  /// Open descriptors (RLIMIT_NOFILE); 0 = none.
  unsigned open_files = 64;
  /// stdout + stderr bytes kept; past `output_kill_bytes` the program is killed.
  std::size_t output_keep_bytes = 64 * 1024;
  /// Output past which the program is killed for flooding.
  std::size_t output_kill_bytes = std::size_t{8} << 20;
  /// Untrusted code: no network, no new processes (threads allowed), no ptrace, a cleared
  /// environment, descriptors closed, an unprivileged user when started as root, `hidden`
  /// paths covered by an empty read-only tmpfs, a private temporary folder as cwd/TMPDIR/HOME.
  /// false = only rlimits, deadline and output capture (the compiler: it forks cc1plus).
  bool confine = true;
  /// Paths made invisible to a confined program (the kit's own tree).
  std::vector<std::filesystem::path> hidden;
  /// Variables set after clearing the environment (confined) or added to it ("K=V").
  std::vector<std::string> env;
  /// Working folder when not confined (empty = the caller's).
  std::filesystem::path cwd;
  /// Bytes the program can read once from descriptor 3 (empty = no descriptor 3).
  std::string control_bytes;
  /// Descriptor number, >= 4, on which the program can write a results channel (0 = none).
  int channel_fd = 0;
};

/// How a sandboxed run ended.
enum class Ending {
  exited,        ///< returned from main or called exit: see `exit_code`
  signaled,      ///< killed by a signal it raised or received: see `signal`
  wall_timeout,  ///< still running at the wall deadline
  cpu_timeout,   ///< used up its CPU seconds
  output_flood,  ///< wrote more than `output_kill_bytes`
  not_started,   ///< the launcher could not start it: see `launch_error`
};

/// What a sandboxed run did.
struct Outcome {
  Ending ending = Ending::not_started;  ///< how it ended
  int exit_code = -1;                   ///< exit status when `ending == exited`
  int signal = 0;                       ///< signal number when `ending == signaled`
  std::string out;                      ///< stdout, at most `output_keep_bytes`
  std::string err;                      ///< stderr, at most `output_keep_bytes`
  bool output_truncated = false;        ///< more output was written than was kept
  std::string channel;                  ///< everything written to `channel_fd`
  std::chrono::milliseconds wall{0};    ///< wall time used
  std::chrono::milliseconds cpu{0};     ///< user + system CPU time used
  std::uint64_t max_rss_bytes = 0;      ///< peak resident memory
  std::string launch_error;             ///< why it did not start, when it did not
  /// Protections asked for but not available on this machine (e.g. "no network namespace:
  /// unshare(CLONE_NEWNET) failed: Operation not permitted").
  std::vector<std::string> weakened;
  /// The limits the run had, so that describe() can name the one that ended it.
  std::chrono::milliseconds wall_limit{0};
  /// CPU seconds the run had (0 = none), for describe().
  unsigned cpu_limit_seconds = 0;
  /// Output bytes past which the run was to be killed, for describe().
  std::size_t output_limit_bytes = 0;
};

/// Owns one file descriptor: every early return and exception closes it, and descriptors
/// never leak into programs that other threads start.
class UniqueFd {
 public:
  /// No descriptor.
  UniqueFd() = default;
  /// Takes ownership of `fd` (-1 = none).
  explicit UniqueFd(int fd) : fd_(fd) {}
  /// One owner per descriptor, so that it is closed exactly once.
  UniqueFd(const UniqueFd&) = delete;
  /// One owner per descriptor, so that it is closed exactly once.
  UniqueFd& operator=(const UniqueFd&) = delete;
  /// Moves ownership; the source is left empty.
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  /// Closes the current descriptor, then takes the other's.
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(std::exchange(other.fd_, -1));
    return *this;
  }
  /// Closes the descriptor held, if any.
  ~UniqueFd() { reset(); }
  /// The descriptor, still owned (-1 = none).
  [[nodiscard]] int get() const { return fd_; }
  /// Whether a descriptor is held.
  explicit operator bool() const { return fd_ >= 0; }
  /// Closes the held descriptor (if any) and holds `fd` instead.
  void reset(int fd = -1);
  /// Gives up ownership without closing.
  [[nodiscard]] int release() { return std::exchange(fd_, -1); }

 private:
  int fd_ = -1;
};

/// A fresh random secret for one run's results channel (`Limits::control_bytes`): the program
/// prefixes every channel line with it, so lines that learner code guesses are void.
std::string random_secret();

/// One line naming how a run ended ("exited with code 1", "killed by signal 11 (SIGSEGV)",
/// "still running after 10 s (wall-clock limit)", "could not start: ...").
std::string describe(const Outcome& outcome);

/// Runs `argv` (argv[0] an absolute path or a name looked up in PATH) through the launcher
/// `launcher` (the `dartloop-sandbox` executable) under `limits`. Never throws for anything
/// the program does; throws std::system_error when the parent cannot make pipes or fork.
Outcome run_sandboxed(const std::filesystem::path& launcher, const std::vector<std::string>& argv,
                      const Limits& limits);

}  // namespace dartloop::grader
