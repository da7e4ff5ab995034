// The parent side of the sandbox: starts the launcher in a new session (so that one kill
// reaches every process the program leaves behind), feeds and drains its pipes, and enforces
// what rlimits cannot: the wall-clock deadline and the output cap. Called from several
// grading threads at once, so it keeps no state outside the call and opens everything
// O_CLOEXEC: a program another thread starts meanwhile must not inherit our pipe ends (it
// would hold them open and our reads would never see end-of-file).
#include "sandbox.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <random>
#include <sstream>
#include <string_view>
#include <system_error>

extern char** environ;

namespace dartloop::grader {

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Program exit is seen first; a stray outside the process group (not possible when confined)
// could hold the pipes open forever, so reading stops this long after the program ended.
constexpr milliseconds kStrayGrace{200};
constexpr std::size_t kChannelCap = std::size_t{1} << 20;
constexpr std::size_t kReportCap = std::size_t{64} << 10;

[[noreturn]] void throw_errno(int err, const char* what) {
  throw std::system_error(err, std::system_category(), what);
}

struct Pipe {
  UniqueFd read;
  UniqueFd write;
};

Pipe make_pipe() {
  std::array<int, 2> fds{};
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) throw_errno(errno, "pipe2");
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// The child gets its descriptors by dup2 in sequence; sources numbered above every target
// cannot be overwritten by an earlier dup2.
UniqueFd renumber_above(const UniqueFd& fd, int minimum) {
  const int moved = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, minimum);
  if (moved < 0) throw_errno(errno, "fcntl(F_DUPFD_CLOEXEC)");
  return UniqueFd(moved);
}

void set_nonblocking(const UniqueFd& fd) {
  const int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags | O_NONBLOCK) != 0) {
    throw_errno(errno, "fcntl(O_NONBLOCK)");
  }
}

// A program may leave folders it made unreadable (mode 000): a non-root parent must open
// them up again before removing them. Never follows symbolic links.
void open_up(const std::filesystem::path& dir) noexcept {
  std::error_code ec;
  ::chmod(dir.c_str(), 0700);
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->symlink_status(ec).type() == std::filesystem::file_type::directory) open_up(it->path());
  }
}

// The confined program's HOME, TMPDIR and working folder, under /tmp (outside the kit's
// tree, which may be hidden), removed with whatever the program left in it.
class PrivateTmp {
 public:
  PrivateTmp() {
    std::string pattern = "/tmp/dartloop-sandbox.XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw_errno(errno, "mkdtemp");
    path_ = pattern;
  }
  PrivateTmp(const PrivateTmp&) = delete;
  PrivateTmp& operator=(const PrivateTmp&) = delete;
  ~PrivateTmp() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);  // does not follow symbolic links
    if (ec) {
      open_up(path_);
      std::filesystem::remove_all(path_, ec);
    }
  }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

class SpawnActions {
 public:
  SpawnActions() { check(::posix_spawn_file_actions_init(&actions_)); }
  SpawnActions(const SpawnActions&) = delete;
  SpawnActions& operator=(const SpawnActions&) = delete;
  ~SpawnActions() { ::posix_spawn_file_actions_destroy(&actions_); }
  void open_null(int target) {
    check(::posix_spawn_file_actions_addopen(&actions_, target, "/dev/null", O_RDONLY, 0));
  }
  void dup2(int source, int target) {
    check(::posix_spawn_file_actions_adddup2(&actions_, source, target));
  }
  void close(int fd) { check(::posix_spawn_file_actions_addclose(&actions_, fd)); }
  void close_from(int fd) { check(::posix_spawn_file_actions_addclosefrom_np(&actions_, fd)); }
  [[nodiscard]] const posix_spawn_file_actions_t* get() const { return &actions_; }

 private:
  static void check(int result) {
    if (result != 0) throw_errno(result, "posix_spawn_file_actions");
  }
  posix_spawn_file_actions_t actions_{};
};

class SpawnAttributes {
 public:
  SpawnAttributes() {
    check(::posix_spawnattr_init(&attributes_));
    // A new session and process group: kill(-pid) reaches all that the program starts and
    // nothing else. Default signal dispositions and an empty mask: the grader's own (an
    // ignored SIGPIPE, a blocked signal in this thread) must not be inherited.
    sigset_t none;
    sigset_t all;
    sigemptyset(&none);
    sigfillset(&all);
    check(::posix_spawnattr_setsigmask(&attributes_, &none));
    check(::posix_spawnattr_setsigdefault(&attributes_, &all));
    check(::posix_spawnattr_setflags(
        &attributes_, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF));
  }
  SpawnAttributes(const SpawnAttributes&) = delete;
  SpawnAttributes& operator=(const SpawnAttributes&) = delete;
  ~SpawnAttributes() { ::posix_spawnattr_destroy(&attributes_); }
  [[nodiscard]] const posix_spawnattr_t* get() const { return &attributes_; }

 private:
  static void check(int result) {
    if (result != 0) throw_errno(result, "posix_spawnattr");
  }
  posix_spawnattr_t attributes_{};
};

// One pipe read by the poll loop into a capped string.
struct Sink {
  UniqueFd fd;
  std::string* text = nullptr;
  std::size_t cap = 0;
  bool is_output = false;  // stdout/stderr: counted against the flood limit
  bool dropped = false;    // more arrived than `cap`
};

// Reads what is there; returns the bytes read (0 and the descriptor closed at end-of-file).
std::size_t drain(Sink& sink) {
  std::array<char, 64 * 1024> buffer{};
  const ssize_t n = ::read(sink.fd.get(), buffer.data(), buffer.size());
  if (n < 0) {
    if (errno == EINTR || errno == EAGAIN) return 0;
    sink.fd.reset();
    return 0;
  }
  if (n == 0) {
    sink.fd.reset();
    return 0;
  }
  const auto count = static_cast<std::size_t>(n);
  const std::size_t room = sink.cap - std::min(sink.cap, sink.text->size());
  sink.text->append(buffer.data(), std::min(room, count));
  if (count > room) sink.dropped = true;
  return count;
}

int remaining_ms(Clock::time_point until, Clock::time_point now) {
  if (until <= now) return 0;
  const auto left = std::chrono::ceil<milliseconds>(until - now).count();
  return static_cast<int>(std::min<decltype(left)>(left, 60'000));
}

std::vector<std::string> launcher_arguments(const std::filesystem::path& launcher,
                                            const std::vector<std::string>& argv,
                                            const Limits& limits, const PrivateTmp* tmp,
                                            int report_fd) {
  std::vector<std::string> args{launcher.string(), "--report-fd", std::to_string(report_fd)};
  const auto option = [&](const char* name, const std::string& value) {
    args.emplace_back(name);
    args.push_back(value);
  };
  if (limits.cpu_seconds > 0) option("--cpu", std::to_string(limits.cpu_seconds));
  if (limits.memory_bytes > 0) option("--memory", std::to_string(limits.memory_bytes));
  if (limits.file_size_bytes > 0) option("--file-size", std::to_string(limits.file_size_bytes));
  if (limits.open_files > 0) option("--open-files", std::to_string(limits.open_files));
  if (limits.confine) {
    args.emplace_back("--confine");
    option("--tmp", tmp->path().string());
    for (const auto& path : limits.hidden) {
      option("--hide", std::filesystem::absolute(path).lexically_normal().string());
    }
    if (!limits.control_bytes.empty()) option("--keep-fd", "3");
    if (limits.channel_fd > 0) option("--keep-fd", std::to_string(limits.channel_fd));
  } else if (!limits.cwd.empty()) {
    option("--cwd", limits.cwd.string());
  }
  for (const auto& assignment : limits.env) option("--env", assignment);
  args.emplace_back("--");
  args.insert(args.end(), argv.begin(), argv.end());
  return args;
}

void read_report(const std::string& report, Outcome& outcome) {
  std::string_view rest = report;
  while (!rest.empty()) {
    const auto end = rest.find('\n');
    const std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
    if (line.starts_with("error ") && outcome.launch_error.empty()) {
      outcome.launch_error = line.substr(6);
    } else if (line.starts_with("weakened ")) {
      outcome.weakened.emplace_back(line.substr(9));
    }
  }
}

std::string time_text(milliseconds time) {
  const auto ms = time.count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  if (ms < 1000) return std::to_string(ms) + " ms";
  return std::to_string(ms / 1000) + "." + std::to_string(ms % 1000 / 100) + " s";
}

std::string bytes_text(std::size_t bytes) {
  constexpr std::size_t kKiB = 1024;
  if (bytes >= kKiB * kKiB && bytes % (kKiB * kKiB) == 0) {
    return std::to_string(bytes / (kKiB * kKiB)) + " MiB";
  }
  if (bytes >= kKiB && bytes % kKiB == 0) return std::to_string(bytes / kKiB) + " KiB";
  return std::to_string(bytes) + " bytes";
}

}  // namespace

std::string random_secret() {
  std::random_device device;
  std::ostringstream out;
  for (int i = 0; i < 4; ++i) out << std::hex << device();
  return out.str();
}

std::string describe(const Outcome& outcome) {
  switch (outcome.ending) {
    case Ending::exited: return "exited with code " + std::to_string(outcome.exit_code);
    case Ending::signaled: {
      const char* name = sigabbrev_np(outcome.signal);
      return "killed by signal " + std::to_string(outcome.signal) +
             (name != nullptr ? std::string(" (SIG") + name + ")" : std::string());
    }
    case Ending::wall_timeout:
      return "still running after " +
             time_text(outcome.wall_limit.count() > 0 ? outcome.wall_limit : outcome.wall) +
             " (wall-clock limit)";
    case Ending::cpu_timeout:
      return outcome.cpu_limit_seconds > 0
                 ? "used its " + std::to_string(outcome.cpu_limit_seconds) + " s of CPU time"
                 : "used up its CPU time";
    case Ending::output_flood:
      return outcome.output_limit_bytes > 0
                 ? "wrote more than " + bytes_text(outcome.output_limit_bytes) + " of output"
                 : "wrote too much output";
    case Ending::not_started: return "could not start: " + outcome.launch_error;
  }
  return "ended in an unknown way";
}

Outcome run_sandboxed(const std::filesystem::path& launcher, const std::vector<std::string>& argv,
                      const Limits& limits) {
  Outcome outcome;
  outcome.wall_limit = limits.wall;
  outcome.cpu_limit_seconds = limits.cpu_seconds;
  outcome.output_limit_bytes = limits.output_kill_bytes;
  if (argv.empty()) {
    outcome.launch_error = "no program given";
    return outcome;
  }
  if (limits.channel_fd != 0 && limits.channel_fd < 4) {
    outcome.launch_error = "the channel descriptor must be 4 or more";
    return outcome;
  }

  std::optional<PrivateTmp> tmp;
  if (limits.confine) tmp.emplace();

  // The child's descriptors: 0 /dev/null, 1 and 2 output, 3 control bytes, the channel,
  // then the launcher's report pipe, numbered above everything else.
  const bool has_control = !limits.control_bytes.empty();
  const int report_target = std::max(3, limits.channel_fd) + 1;
  Pipe out = make_pipe();
  Pipe err = make_pipe();
  Pipe report = make_pipe();
  std::optional<Pipe> channel;
  std::optional<Pipe> control;
  if (limits.channel_fd > 0) channel = make_pipe();
  if (has_control) {
    control = make_pipe();
    // Written whole before the start, so no SIGPIPE can reach the grader if the program
    // never reads: the pipe must hold it all.
    const auto size = limits.control_bytes.size();
    if (size > 64 * 1024 && ::fcntl(control->write.get(), F_SETPIPE_SZ, size) < 0) {
      outcome.launch_error = "control bytes too large for a pipe";
      return outcome;
    }
    std::string_view rest = limits.control_bytes;
    while (!rest.empty()) {
      const ssize_t n = ::write(control->write.get(), rest.data(), rest.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw_errno(errno, "write control bytes");
      rest.remove_prefix(static_cast<std::size_t>(n));
    }
    control->write.reset();
  }

  SpawnActions actions;
  actions.open_null(STDIN_FILENO);
  std::vector<UniqueFd> sources;  // kept open until the child has been started
  const auto give = [&](const UniqueFd& fd, int target) {
    sources.push_back(renumber_above(fd, report_target + 1));
    actions.dup2(sources.back().get(), target);
  };
  give(out.write, STDOUT_FILENO);
  give(err.write, STDERR_FILENO);
  if (control) give(control->read, 3);
  if (channel) give(channel->write, limits.channel_fd);
  give(report.write, report_target);
  for (int fd = 3; fd < report_target; ++fd) {
    if (!(fd == 3 && has_control) && fd != limits.channel_fd) actions.close(fd);
  }
  actions.close_from(report_target + 1);
  SpawnAttributes attributes;

  const std::vector<std::string> args =
      launcher_arguments(launcher, argv, limits, tmp ? &*tmp : nullptr, report_target);
  std::vector<char*> arg_pointers;
  for (const auto& arg : args) arg_pointers.push_back(const_cast<char*>(arg.c_str()));
  arg_pointers.push_back(nullptr);

  const auto start = Clock::now();
  pid_t pid = -1;
  const int spawned = ::posix_spawn(&pid, arg_pointers.front(), actions.get(), attributes.get(),
                                    arg_pointers.data(), environ);
  sources.clear();
  out.write.reset();
  err.write.reset();
  report.write.reset();
  if (control) control->read.reset();
  if (channel) channel->write.reset();
  if (spawned != 0) {
    if (spawned == EAGAIN || spawned == ENOMEM) throw_errno(spawned, "posix_spawn");
    outcome.launch_error = "cannot run the sandbox launcher " + launcher.string() + ": " +
                           std::system_category().message(spawned);
    return outcome;
  }

  // A pollable "the child has ended" where the kernel has it; otherwise a short poll period.
  const UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));

  std::string report_text;
  std::array<Sink, 4> sinks{};
  sinks[0] = {std::move(out.read), &outcome.out, limits.output_keep_bytes, true};
  sinks[1] = {std::move(err.read), &outcome.err, limits.output_keep_bytes, true};
  sinks[2] = {std::move(report.read), &report_text, kReportCap, false};
  if (channel) sinks[3] = {std::move(channel->read), &outcome.channel, kChannelCap, false};
  for (auto& sink : sinks) {
    if (sink.fd) set_nonblocking(sink.fd);
  }

  const auto deadline = start + limits.wall;
  std::optional<Ending> forced;
  bool child_done = false;
  int status = 0;
  rusage usage{};
  Clock::time_point ended{};
  std::size_t output_total = 0;
  const auto kill_group = [&] { ::kill(-pid, SIGKILL); };

  while (true) {
    const auto now = Clock::now();
    if (child_done && now >= ended + kStrayGrace) break;
    std::vector<pollfd> polled;
    std::vector<Sink*> polled_sinks;
    for (auto& sink : sinks) {
      if (!sink.fd) continue;
      polled.push_back({sink.fd.get(), POLLIN, 0});
      polled_sinks.push_back(&sink);
    }
    if (child_done && polled.empty()) break;
    int timeout = 0;
    if (child_done) {
      timeout = remaining_ms(ended + kStrayGrace, now);
    } else {
      timeout = forced ? 50 : remaining_ms(deadline, now);
      if (pidfd) {
        polled.push_back({pidfd.get(), POLLIN, 0});
      } else {
        timeout = std::min(timeout, 10);
      }
    }
    const int ready = ::poll(polled.data(), polled.size(), timeout);
    if (ready < 0 && errno != EINTR) throw_errno(errno, "poll");

    for (std::size_t i = 0; i < polled_sinks.size(); ++i) {
      if (polled[i].revents == 0) continue;
      Sink& sink = *polled_sinks[i];
      const std::size_t count = drain(sink);
      if (sink.is_output) output_total += count;
    }
    if (!child_done && !forced && output_total > limits.output_kill_bytes) {
      kill_group();
      forced = Ending::output_flood;
    }

    if (!child_done) {
      // The child is a zombie until wait4: its pid (the group's id) cannot be reused yet, so
      // killing the group now reaches only what it left behind.
      siginfo_t info{};
      const bool exited = pidfd ? (polled.back().revents & POLLIN) != 0
                                : ::waitid(P_PID, static_cast<id_t>(pid), &info,
                                           WEXITED | WNOHANG | WNOWAIT) == 0 &&
                                      info.si_pid == pid;
      if (exited) {
        kill_group();
        while (::wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
        }
        child_done = true;
        ended = Clock::now();
      } else if (!forced && Clock::now() >= deadline) {
        kill_group();
        forced = Ending::wall_timeout;
      }
    }
  }

  outcome.wall = std::chrono::duration_cast<milliseconds>(ended - start);
  const auto micros = [](const timeval& t) {
    return std::chrono::seconds(t.tv_sec) + std::chrono::microseconds(t.tv_usec);
  };
  outcome.cpu =
      std::chrono::duration_cast<milliseconds>(micros(usage.ru_utime) + micros(usage.ru_stime));
  outcome.max_rss_bytes = static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;
  outcome.output_truncated = sinks[0].dropped || sinks[1].dropped;
  read_report(report_text, outcome);

  const bool killed = WIFSIGNALED(status);
  const int signal = killed ? WTERMSIG(status) : 0;
  if (!outcome.launch_error.empty()) {
    outcome.ending = Ending::not_started;
  } else if (forced == Ending::output_flood) {
    outcome.ending = Ending::output_flood;
  } else if (forced == Ending::wall_timeout && signal == SIGKILL) {
    outcome.ending = Ending::wall_timeout;
  } else if (signal == SIGXCPU ||
             (signal == SIGKILL && limits.cpu_seconds > 0 &&
              outcome.cpu * 10 >= std::chrono::seconds(limits.cpu_seconds) * 9)) {
    // SIGKILL: the hard limit, for a program that ignores SIGXCPU. The kernel checks the
    // limit on sampled time and rusage reports exact time: they differ by a few percent.
    outcome.ending = Ending::cpu_timeout;
  } else if (killed) {
    outcome.ending = Ending::signaled;
    outcome.signal = signal;
  } else {
    outcome.ending = Ending::exited;
    outcome.exit_code = WEXITSTATUS(status);
  }
  return outcome;
}

}  // namespace dartloop::grader
