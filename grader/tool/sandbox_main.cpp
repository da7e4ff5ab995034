// dartloop-sandbox: starts one program under limits. It is single-threaded and does all of its
// setup in its own process, then replaces itself with the program (same pid, so the caller's
// wait4 and process-group kill reach the program). Failures before exec exit with 125 and say
// why on the report descriptor, which O_CLOEXEC closes on a successful exec: a caller reading it
// to end-of-file tells "could not start" from any exit code the program itself chooses.
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "find_program.hpp"

extern char** environ;

namespace {

// Distinct from what shells use for "not found" (127) and "not executable" (126).
constexpr int kSetupFailed = 125;
constexpr uid_t kNobody = 65534;
// Generous: seccomp already forbids new processes; this only fences a filter that is missing.
constexpr rlim_t kConfinedProcesses = 512;

constexpr std::string_view kUsage =
    R"(usage: dartloop-sandbox [options] -- program [arguments...]

Runs `program` under limits, without core dumps. Without --confine (a compiler): only
rlimits; the environment, working folder and descriptors are kept, and the program may
start processes.

  --cpu SECONDS        CPU time (RLIMIT_CPU; SIGXCPU at SECONDS, SIGKILL one second later)
  --memory BYTES       address space (RLIMIT_AS), applied last, right before exec
  --file-size BYTES    largest file the program may write (RLIMIT_FSIZE)
  --open-files N       open descriptors (RLIMIT_NOFILE)
  --env K=V            set a variable (repeatable; with --confine, after clearing the rest)
  --cwd DIR            working folder (not with --confine, which runs in --tmp)
  --hide PATH          cover PATH with an empty read-only tmpfs in a private mount
                       namespace (repeatable; without --confine too)
  --confine            untrusted code: namespaces (mount, network, IPC; a user namespace when
                       not root), uid/gid 65534 when root, seccomp (no new processes, no
                       network sockets, no ptrace, signals only to itself), a cleared
                       environment (PATH, HOME, TMPDIR, LANG), descriptors other than 0-2 and
                       --keep-fd closed
  --tmp DIR            (--confine, required) private folder: working folder, HOME and TMPDIR;
                       given to uid 65534 when root
  --keep-fd N          (--confine) leave descriptor N open for the program (repeatable)
  --report-fd N        write "weakened TEXT" and "error TEXT" lines to descriptor N instead of
                       stderr; it is closed when the program starts
  --help               this text

Exit status: the program's own, or 125 when the sandbox could not start it.
)";

struct Options {
  std::optional<std::uint64_t> cpu;
  std::optional<std::uint64_t> memory;
  std::optional<std::uint64_t> file_size;
  std::optional<std::uint64_t> open_files;
  bool confine = false;
  std::vector<std::string> hide;
  std::string tmp;
  std::vector<std::string> env;
  std::vector<int> keep_fds;
  std::string cwd;
  int report_fd = -1;
  std::vector<char*> program;  // null-terminated
};

void write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::string errno_text(int err) {
  const char* text = strerrordesc_np(err);
  return text != nullptr ? text : "error " + std::to_string(err);
}

// Where the launcher's own messages go: the caller's report descriptor, or stderr by hand.
int g_report_fd = -1;  // the process is single-threaded and short-lived

void report(std::string_view kind, std::string_view text) {
  std::string line;
  if (g_report_fd >= 0) {
    line.append(kind).append(" ").append(text).append("\n");
    write_all(g_report_fd, line);
  } else {
    line.append("dartloop-sandbox: ").append(kind).append(": ").append(text).append("\n");
    write_all(STDERR_FILENO, line);
  }
}

[[noreturn]] void fail(std::string_view text) {
  report("error", text);
  // _exit: no atexit handlers (a sanitizer's leak check cannot run under the filter).
  ::_exit(kSetupFailed);
}

[[noreturn]] void fail_errno(std::string_view what, int err) {
  fail(std::string(what) + ": " + errno_text(err));
}

void weakened(std::string_view text) { report("weakened", text); }

std::optional<std::uint64_t> parse_number(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

std::optional<int> parse_fd(std::string_view text) {
  const auto value = parse_number(text);
  if (!value || *value > 1'000'000) return std::nullopt;
  return static_cast<int>(*value);
}

[[noreturn]] void usage_error(std::string_view text) {
  // By hand the usage is what helps; the caller of --report-fd gets the one line.
  if (g_report_fd >= 0) report("error", text);
  std::string message = "dartloop-sandbox: error: " + std::string(text) + "\n\n";
  message.append(kUsage);
  write_all(STDERR_FILENO, message);
  ::_exit(kSetupFailed);
}

Options parse(int argc, char** argv) {
  Options options;
  std::optional<std::string> error;
  int i = 1;
  for (; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--") {
      ++i;
      break;
    }
    if (arg == "--help") {
      write_all(STDOUT_FILENO, kUsage);
      std::exit(0);
    }
    if (arg == "--confine") {
      options.confine = true;
      continue;
    }
    const bool takes_value = arg == "--cpu" || arg == "--memory" || arg == "--file-size" ||
                             arg == "--open-files" || arg == "--env" || arg == "--cwd" ||
                             arg == "--hide" || arg == "--tmp" || arg == "--keep-fd" ||
                             arg == "--report-fd";
    if (!takes_value) {
      error = error.value_or("unknown option '" + std::string(arg) + "'");
      continue;
    }
    if (i + 1 >= argc) {
      error = error.value_or("option " + std::string(arg) + " needs a value");
      break;
    }
    const std::string_view value = argv[++i];
    auto number = [&](std::optional<std::uint64_t>& slot) {
      slot = parse_number(value);
      if (!slot) {
        error = error.value_or(std::string(arg) + " needs a whole number, not '" +
                               std::string(value) + "'");
      }
    };
    auto descriptor = [&]() {
      const auto fd = parse_fd(value);
      if (!fd) {
        error = error.value_or(std::string(arg) + " needs a descriptor number, not '" +
                               std::string(value) + "'");
      }
      return fd.value_or(-1);
    };
    if (arg == "--cpu") {
      number(options.cpu);
    } else if (arg == "--memory") {
      number(options.memory);
    } else if (arg == "--file-size") {
      number(options.file_size);
    } else if (arg == "--open-files") {
      number(options.open_files);
    } else if (arg == "--env") {
      if (value.find('=') == std::string_view::npos || value.front() == '=') {
        error = error.value_or("--env needs NAME=VALUE, not '" + std::string(value) + "'");
      }
      options.env.emplace_back(value);
    } else if (arg == "--cwd") {
      options.cwd = value;
    } else if (arg == "--hide") {
      if (value.empty() || value.front() != '/') {
        error = error.value_or("--hide needs an absolute path, not '" + std::string(value) + "'");
      }
      options.hide.emplace_back(value);
    } else if (arg == "--tmp") {
      options.tmp = value;
    } else if (arg == "--keep-fd") {
      options.keep_fds.push_back(descriptor());
    } else {  // --report-fd
      const int fd = descriptor();
      if (fd >= 0 && ::fcntl(fd, F_SETFD, FD_CLOEXEC) == 0) {
        options.report_fd = fd;
        g_report_fd = fd;
      } else if (fd >= 0) {
        error = error.value_or("--report-fd " + std::string(value) + " is not an open descriptor");
      }
    }
  }
  for (; i < argc; ++i) options.program.push_back(argv[i]);
  options.program.push_back(nullptr);

  if (!error && options.program.size() == 1) error = "no program given after '--'";
  if (!error && options.confine && options.tmp.empty()) error = "--confine needs --tmp DIR";
  if (!error && options.confine && !options.cwd.empty()) {
    error = "--cwd is for unconfined runs; a confined program runs in --tmp";
  }
  if (!error && !options.confine && (!options.tmp.empty() || !options.keep_fds.empty())) {
    error = "--tmp and --keep-fd only mean something with --confine";
  }
  if (error) usage_error(*error);
  return options;
}

struct Program {
  int fd = -1;
  std::string path;
};

// Opened before any --hide mount can cover the program's folder; exec goes through the
// descriptor. Looked up by the launcher itself so that "not found" is reported in words.
Program open_program(const char* name) {
  const std::optional<std::string> found = dartloop::grader::find_program(name);
  if (!found) fail(std::string("cannot run '") + name + "': not found in PATH");
  const std::string& path = *found;
  const int fd = ::open(path.c_str(), O_PATH | O_CLOEXEC);
  if (fd < 0) fail_errno("cannot run '" + path + "'", errno);
  return {fd, path};
}

void write_file(const char* path, std::string_view text) {
  const int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) fail_errno(std::string("cannot open ") + path, errno);
  const ssize_t n = ::write(fd, text.data(), text.size());
  const int err = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(text.size())) fail_errno(std::string("cannot write ") + path, err);
}

// Returns whether a private mount namespace is in place (so that --hide mounts stay private).
bool enter_namespaces(bool confine, bool want_mounts) {
  const bool root = ::geteuid() == 0;
  if (!root) {
    // Unprivileged: a user namespace owning the others, mapping only our own ids.
    const uid_t uid = ::geteuid();
    const gid_t gid = ::getegid();
    if (::unshare(CLONE_NEWUSER) == 0) {
      write_file("/proc/self/setgroups", "deny");
      write_file("/proc/self/uid_map", std::to_string(uid) + " " + std::to_string(uid) + " 1");
      write_file("/proc/self/gid_map", std::to_string(gid) + " " + std::to_string(gid) + " 1");
    } else {
      weakened("no user namespace: unshare(CLONE_NEWUSER) failed: " + errno_text(errno));
    }
  }
  bool mounts = false;
  if (want_mounts) {
    if (::unshare(CLONE_NEWNS) == 0) {
      // Private first: otherwise the covering mounts would propagate to the host.
      if (::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0) {
        mounts = true;
      } else {
        weakened("no private mounts: making / private failed: " + errno_text(errno));
      }
    } else {
      weakened("no mount namespace: unshare(CLONE_NEWNS) failed: " + errno_text(errno));
    }
  }
  if (confine) {
    if (::unshare(CLONE_NEWNET) != 0) {
      weakened("no network namespace: unshare(CLONE_NEWNET) failed: " + errno_text(errno));
    }
    if (::unshare(CLONE_NEWIPC) != 0) {
      weakened("no IPC namespace: unshare(CLONE_NEWIPC) failed: " + errno_text(errno));
    }
  }
  return mounts;
}

void hide(const std::vector<std::string>& paths, bool mounts) {
  constexpr unsigned long kFlags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
  for (const auto& path : paths) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) continue;  // nothing there to read
    if (!mounts) {
      weakened("not hidden: " + path + ": no private mount namespace");
      continue;
    }
    int result = 0;
    if (S_ISDIR(info.st_mode)) {
      result = ::mount("tmpfs", path.c_str(), "tmpfs", kFlags, "size=4k,nr_inodes=1,mode=0555");
    } else {
      // A tmpfs can only cover a folder; /dev/null covers a file (so MS_NODEV cannot apply:
      // it would turn reading the empty file into EACCES).
      result = ::mount("/dev/null", path.c_str(), nullptr, MS_BIND, nullptr);
      if (result == 0) {
        result = ::mount(nullptr, path.c_str(), nullptr,
                         MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NOEXEC, nullptr);
      }
    }
    if (result != 0) weakened("not hidden: " + path + ": " + errno_text(errno));
  }
}

// The world-writable folders (/tmp, /var/tmp, /dev/shm) are shared with everything else on
// the machine: a confined program sees its own private folder at /tmp and /var/tmp instead,
// and an empty read-only /dev/shm, so that it can leave nothing behind and read nothing
// another program left. Returns whether /tmp is now the private folder.
// By path, not through the descriptor opened earlier: that one belongs to the old mount
// namespace, which a bind mount refuses (EINVAL). Done before --hide could cover the path.
bool privatize_shared_folders(const std::string& source, bool mounts) {
  if (!mounts) {
    weakened("no private /tmp: no private mount namespace");
    return false;
  }
  // /var/tmp first: once /tmp is covered, `source` (under /tmp) no longer names the folder.
  bool tmp_done = false;
  for (const char* shared : {"/var/tmp", "/tmp"}) {
    struct stat info {};
    if (::stat(shared, &info) != 0 || !S_ISDIR(info.st_mode)) continue;
    if (::mount(source.c_str(), shared, nullptr, MS_BIND, nullptr) != 0) {
      weakened(std::string("no private ") + shared + ": " + errno_text(errno));
      continue;
    }
    if (std::string_view(shared) == "/tmp") tmp_done = true;
  }
  struct stat info {};
  if (::stat("/dev/shm", &info) == 0 && S_ISDIR(info.st_mode) &&
      ::mount("tmpfs", "/dev/shm", "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
              "size=4k,nr_inodes=1,mode=0555") != 0) {
    weakened(std::string("no private /dev/shm: ") + errno_text(errno));
  }
  return tmp_done;
}

void set_limit(int resource, const char* name, rlim_t soft, rlim_t hard) {
  const rlimit wanted{soft, hard};
  if (::setrlimit(resource, &wanted) == 0) return;
  const int err = errno;
  // Unprivileged, a hard limit cannot be raised: keep the tighter one we have.
  rlimit current{};
  if (::getrlimit(resource, &current) == 0 && current.rlim_max != RLIM_INFINITY &&
      current.rlim_max < hard) {
    const rlimit clamped{std::min(soft, current.rlim_max), current.rlim_max};
    if (::setrlimit(resource, &clamped) == 0) return;
  }
  weakened(std::string("limit not applied: ") + name + ": " + errno_text(err));
}

void drop_privileges() {
  if (::setgroups(0, nullptr) != 0) fail_errno("setgroups", errno);
  if (::setresgid(kNobody, kNobody, kNobody) != 0) fail_errno("setresgid(65534)", errno);
  if (::setresuid(kNobody, kNobody, kNobody) != 0) fail_errno("setresuid(65534)", errno);
  if (::setuid(0) == 0 || ::geteuid() != kNobody || ::getegid() != kNobody) {
    fail("privileges are still there after dropping to uid 65534");
  }
}

// Everything but 0-2, the kept descriptors and our own (close-on-exec) ones.
void close_descriptors(std::vector<int> keep) {
  keep.insert(keep.end(), {0, 1, 2});
  std::sort(keep.begin(), keep.end());
  keep.erase(std::unique(keep.begin(), keep.end()), keep.end());
  unsigned next = 0;
  for (const int fd : keep) {
    const auto ufd = static_cast<unsigned>(fd);
    if (ufd > next && ::close_range(next, ufd - 1, 0) != 0) fail_errno("close_range", errno);
    next = ufd + 1;
  }
  if (::close_range(next, ~0U, 0) != 0) fail_errno("close_range", errno);
}

void add_rule(scmp_filter_ctx filter, int err, int syscall, unsigned count,
              const scmp_arg_cmp* compare, std::string_view name) {
  const int result = seccomp_rule_add_array(filter, SCMP_ACT_ERRNO(static_cast<std::uint32_t>(err)),
                                            syscall, count, compare);
  // -EDOM etc.: a system call this architecture does not have needs no rule.
  if (result != 0 && result != -EDOM) {
    fail_errno("seccomp rule for " + std::string(name), -result);
  }
}

void install_filter() {
  scmp_filter_ctx filter = seccomp_init(SCMP_ACT_ALLOW);
  if (filter == nullptr) {
    weakened("no system-call filter: seccomp_init failed");
    return;
  }
  const auto me = static_cast<scmp_datum_t>(::getpid());
  auto deny = [&](const char* name, int err) {
    const int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR) return;  // not on this architecture
    add_rule(filter, err, nr, 0, nullptr, name);
  };
  auto deny_if = [&](const char* name, int err, scmp_arg_cmp compare) {
    const int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR) return;
    add_rule(filter, err, nr, 1, &compare, name);
  };
  // No new processes; threads (clone with CLONE_THREAD) stay. clone3 passes its flags in
  // memory the filter cannot read: ENOSYS makes glibc fall back to clone.
  deny("fork", EPERM);
  deny("vfork", EPERM);
  deny_if("clone", EPERM, SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0));
  deny("clone3", ENOSYS);
  // Network: only local (AF_UNIX) sockets. Compared on all 64 bits, so that junk in the
  // upper half can only make a call fail, never pass.
  deny_if("socket", EACCES, SCMP_A0(SCMP_CMP_NE, AF_UNIX));
  deny_if("socketpair", EACCES, SCMP_A0(SCMP_CMP_NE, AF_UNIX));
  // io_uring can open sockets and files without passing through this filter.
  deny("io_uring_setup", ENOSYS);
  deny("io_uring_enter", ENOSYS);
  deny("io_uring_register", ENOSYS);
  // Signals only to itself: kill(-1) or another pid would reach other graded programs that
  // run under the same uid. (libseccomp cannot AND two tests of one argument, so kill(0, ...)
  // and kill(-pgid, ...) are refused too; glibc's raise and abort use tgkill(getpid(), ...).)
  deny_if("kill", EPERM, SCMP_A0(SCMP_CMP_NE, me));
  deny_if("tkill", EPERM, SCMP_A0(SCMP_CMP_NE, me));
  deny_if("tgkill", EPERM, SCMP_A0(SCMP_CMP_NE, me));
  deny_if("rt_sigqueueinfo", EPERM, SCMP_A0(SCMP_CMP_NE, me));
  deny_if("rt_tgsigqueueinfo", EPERM, SCMP_A0(SCMP_CMP_NE, me));
  deny("pidfd_open", ENOSYS);
  deny("pidfd_send_signal", EPERM);
  deny("pidfd_getfd", EPERM);
  deny_if("prlimit64", EPERM, SCMP_A0(SCMP_CMP_NE, 0));
  // Reading or changing other processes.
  for (const char* name : {"ptrace", "process_vm_readv", "process_vm_writev", "process_madvise",
                           "kcmp", "move_pages", "migrate_pages"}) {
    deny(name, EPERM);
  }
  // Leaving the sandbox or attacking the kernel's less-used corners.
  for (const char* name : {"mount",
                           "umount2",
                           "unshare",
                           "setns",
                           "pivot_root",
                           "chroot",
                           "fsopen",
                           "fsmount",
                           "fsconfig",
                           "fspick",
                           "move_mount",
                           "open_tree",
                           "mount_setattr",
                           "open_by_handle_at",
                           "name_to_handle_at",
                           "keyctl",
                           "add_key",
                           "request_key",
                           "bpf",
                           "perf_event_open",
                           "userfaultfd",
                           "quotactl",
                           "acct",
                           "swapon",
                           "swapoff",
                           "syslog",
                           "iopl",
                           "ioperm"}) {
    deny(name, EPERM);
  }
  // personality(0xffffffff) only asks (sanitizer runtimes do); changing it could turn off
  // address randomization.
  deny_if("personality", EPERM, SCMP_A0(SCMP_CMP_NE, 0xffffffffU));

  const int result = seccomp_load(filter);
  seccomp_release(filter);
  if (result != 0) weakened("no system-call filter: seccomp_load failed: " + errno_text(-result));
}

}  // namespace

int main(int argc, char** argv) {
  Options options = parse(argc, argv);
  const bool root = ::geteuid() == 0;

  if (!options.confine) {
    // Before the PATH lookup, so that --env PATH=... chooses the program.
    for (auto& assignment : options.env) {
      if (::putenv(assignment.data()) != 0) fail_errno("putenv", errno);
    }
  }
  const Program program = open_program(options.program.front());
  int tmp_fd = -1;
  if (options.confine) {
    tmp_fd = ::open(options.tmp.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (tmp_fd < 0) fail_errno("cannot open --tmp " + options.tmp, errno);
    // Run as root, the folder is given to uid 65534: never a shared one like /tmp itself.
    struct stat info {};
    if (::fstat(tmp_fd, &info) != 0) fail_errno("cannot inspect --tmp " + options.tmp, errno);
    if ((info.st_mode & S_ISVTX) != 0 || (info.st_uid != ::geteuid() && info.st_uid != kNobody)) {
      fail("--tmp " + options.tmp + " must be a private folder of yours, not a shared one");
    }
  }

  bool private_tmp = false;
  if (options.confine || !options.hide.empty()) {
    const bool mounts = enter_namespaces(options.confine, options.confine || !options.hide.empty());
    if (options.confine) private_tmp = privatize_shared_folders(options.tmp, mounts);
    hide(options.hide, mounts);
  }

  if (options.cpu && *options.cpu > 0) {
    const rlim_t cpu = std::min<rlim_t>(*options.cpu, rlim_t{1} << 40);
    set_limit(RLIMIT_CPU, "RLIMIT_CPU", cpu, cpu + 1);
  }
  if (options.file_size) {
    set_limit(RLIMIT_FSIZE, "RLIMIT_FSIZE", *options.file_size, *options.file_size);
  }
  if (options.open_files) {
    set_limit(RLIMIT_NOFILE, "RLIMIT_NOFILE", *options.open_files, *options.open_files);
  }

  // Core files of a crashing program or compiler would only litter its folder.
  set_limit(RLIMIT_CORE, "RLIMIT_CORE", 0, 0);

  std::vector<std::string> env_storage;
  std::vector<char*> envp;
  if (options.confine) {
    set_limit(RLIMIT_NPROC, "RLIMIT_NPROC", kConfinedProcesses, kConfinedProcesses);
    const std::string home = private_tmp ? "/tmp" : options.tmp;
    env_storage = {"PATH=/usr/bin:/bin", "HOME=" + home, "TMPDIR=" + home, "LANG=C.UTF-8"};
    env_storage.insert(env_storage.end(), options.env.begin(), options.env.end());
    for (auto& entry : env_storage) envp.push_back(entry.data());
    envp.push_back(nullptr);
    // Also leaves a working folder inside a hidden path, still reachable through its inode.
    if (::fchdir(tmp_fd) != 0) fail_errno("cannot enter --tmp " + options.tmp, errno);
    if (root) {
      if (::fchownat(tmp_fd, "", kNobody, kNobody, AT_EMPTY_PATH) != 0) {
        fail_errno("cannot give --tmp to uid 65534", errno);
      }
      drop_privileges();
    }
    std::vector<int> keep = options.keep_fds;
    keep.insert(keep.end(), {program.fd, options.report_fd});
    keep.erase(std::remove(keep.begin(), keep.end(), -1), keep.end());
    close_descriptors(std::move(keep));
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail_errno("PR_SET_NO_NEW_PRIVS", errno);
    install_filter();
  } else if (!options.cwd.empty() && ::chdir(options.cwd.c_str()) != 0) {
    fail_errno("cannot enter --cwd " + options.cwd, errno);
  }
  char** const env = options.confine ? envp.data() : environ;

  // Last: a sanitizer-built launcher reserves far more address space than the program may.
  if (options.memory && *options.memory > 0) {
    set_limit(RLIMIT_AS, "RLIMIT_AS", *options.memory, *options.memory);
  }

  // Raw system calls from here on: under the address-space limit a sanitizer's interceptors
  // cannot allocate, and the launcher must still say why the exec failed.
  ::syscall(SYS_execveat, program.fd, "", options.program.data(), env, AT_EMPTY_PATH);
  // A "#!" script is read by its interpreter through /dev/fd/N, which O_CLOEXEC has closed
  // by then: scripts run by path (and so only when not hidden).
  if (errno == ENOENT) ::syscall(SYS_execve, program.path.c_str(), options.program.data(), env);
  const int err = errno;
  const char* reason = strerrordesc_np(err);
  const std::string_view parts[] = {g_report_fd >= 0 ? "error " : "dartloop-sandbox: error: ",
                                    "cannot run '",
                                    program.path,
                                    "': ",
                                    reason != nullptr ? reason : "exec failed",
                                    "\n"};
  const int fd = g_report_fd >= 0 ? g_report_fd : STDERR_FILENO;
  for (const auto part : parts) ::syscall(SYS_write, fd, part.data(), part.size());
  ::_exit(kSetupFailed);
}
