// A program that misbehaves on request, for test_sandbox: each command tries one thing a
// learner's program might do and prints what happened, so a test can tell "refused" from
// "done". Exit codes: 0 done, 2 usage, 3 refused or failed (the reason is printed).
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

extern char** environ;

namespace {

int refused(std::string_view what) {
  std::cout << what << " failed: " << std::strerror(errno) << '\n';
  return 3;
}

std::size_t number(const char* text) { return static_cast<std::size_t>(std::stoull(text)); }

int print_bytes(std::size_t count) {
  const std::string chunk(64 * 1024, 'x');
  while (count > 0) {
    const std::size_t n = std::min(count, chunk.size());
    if (std::fwrite(chunk.data(), 1, n, stdout) != n) return 3;
    count -= n;
  }
  return 0;
}

int write_file(const char* path, std::size_t bytes) {
  // EFBIG instead of death by SIGXFSZ: the test reads the reason.
  std::signal(SIGXFSZ, SIG_IGN);
  const int fd = ::open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return refused("open");
  const std::string chunk(64 * 1024, 'y');
  std::size_t written = 0;
  while (written < bytes) {
    const std::size_t n = std::min(bytes - written, chunk.size());
    const ssize_t done = ::write(fd, chunk.data(), n);
    if (done < 0) {
      const int result = refused("write");
      ::close(fd);
      return result;
    }
    written += static_cast<std::size_t>(done);
  }
  ::close(fd);
  std::cout << "wrote " << written << '\n';
  return 0;
}

int alloc(std::size_t megabytes) {
  const std::size_t bytes = megabytes << 20;
  void* block = std::malloc(bytes);
  if (block == nullptr) return refused("alloc");
  // Touch every page (resident, not only reserved) through a volatile pointer: an optimizer
  // may drop a memset of memory that is freed unread.
  volatile char* const pages = static_cast<char*>(block);
  for (std::size_t i = 0; i < bytes; i += 4096) pages[i] = 1;
  std::cout << "allocated " << megabytes << " MB\n";
  std::free(block);
  return 0;
}

int read_first_line(const char* path) {
  std::ifstream in(path);
  if (!in) return refused("read");
  std::string line;
  std::getline(in, line);
  std::cout << line << '\n';
  return 0;
}

int open_fds() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return refused("opendir");
  std::vector<int> fds;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    const int fd = std::atoi(entry->d_name);
    if (fd != ::dirfd(dir)) fds.push_back(fd);
  }
  ::closedir(dir);
  std::sort(fds.begin(), fds.end());
  for (std::size_t i = 0; i < fds.size(); ++i) std::cout << (i > 0 ? " " : "") << fds[i];
  std::cout << '\n';
  return 0;
}

int try_fork() {
  const pid_t pid = ::fork();
  if (pid < 0) return refused("fork");
  if (pid == 0) ::_exit(0);
  int status = 0;
  ::waitpid(pid, &status, 0);
  std::cout << "fork ok\n";
  return 0;
}

int fork_bomb() {
  // Bounded (2^8 processes) so that a broken sandbox still cannot take the machine down.
  for (int round = 0; round < 8; ++round) {
    if (::fork() < 0) return refused("fork");
  }
  ::pause();
  return 0;
}

int thread() {
  int result = 0;
  std::thread worker([&] { result = 42; });
  worker.join();
  std::cout << "thread ok " << result << '\n';
  return 0;
}

int socket_inet() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return refused("socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(53);
  address.sin_addr.s_addr = htonl(0x01010101);  // 1.1.1.1
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    return refused("connect");
  }
  std::cout << "connected\n";
  return 0;
}

int socket_unix() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) return refused("socketpair");
  std::cout << "unix ok\n";
  return 0;
}

int read_fd3() {
  std::string text;
  char buffer[4096];
  while (true) {
    const ssize_t n = ::read(3, buffer, sizeof buffer);
    if (n < 0) return refused("read fd 3");
    if (n == 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  std::cout << text << '\n';
  return 0;
}

int channel(int fd, std::string_view text) {
  if (::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    return refused("channel write");
  }
  return 0;
}

int print_env() {
  for (char** entry = environ; *entry != nullptr; ++entry) std::cout << *entry << '\n';
  return 0;
}

int whoami() {
  std::cout << ::getuid() << ' ' << ::geteuid() << ' ' << ::getgid() << '\n';
  return 0;
}

int cwd() {
  char buffer[4096];
  if (::getcwd(buffer, sizeof buffer) == nullptr) return refused("getcwd");
  std::cout << buffer << '\n';
  return 0;
}

int setsid_escape() {
  if (::setsid() < 0) std::cout << "setsid failed: " << std::strerror(errno) << '\n';
  return try_fork();
}

[[noreturn]] void spin() {
  volatile unsigned long counter = 0;
  while (true) counter = counter + 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  const auto need = [&](std::size_t count) {
    if (args.size() < count + 1) {
      std::cerr << "sandbox_probe: " << args.at(0) << " needs " << count << " argument(s)\n";
      std::exit(2);
    }
  };
  if (args.empty()) {
    std::cerr << "usage: sandbox_probe COMMAND [ARGS]\n";
    return 2;
  }
  const std::string_view command = args[0];
  std::cout.setf(std::ios::unitbuf);  // each line out before any crash the command causes
  if (command == "echo") {
    need(2);
    std::cout << args[1] << '\n';
    std::cerr << args[2] << '\n';
    return 0;
  }
  if (command == "print-bytes") return need(1), print_bytes(number(argv[2]));
  if (command == "exit") return need(1), std::atoi(argv[2]);
  if (command == "segv") return std::raise(SIGSEGV), 0;
  if (command == "abort") std::abort();
  if (command == "sleep") return ::sleep(600), 0;
  if (command == "spin") spin();
  if (command == "fork") return try_fork();
  if (command == "fork-bomb") return fork_bomb();
  if (command == "thread") return thread();
  if (command == "socket-inet") return socket_inet();
  if (command == "socket-unix") return socket_unix();
  if (command == "write-file") return need(2), write_file(argv[2], number(argv[3]));
  if (command == "alloc") return need(1), alloc(number(argv[2]));
  if (command == "read") return need(1), read_first_line(argv[2]);
  if (command == "read-fd3") return read_fd3();
  if (command == "channel") return need(2), channel(std::atoi(argv[2]), args[2]);
  if (command == "env") return print_env();
  if (command == "open-fds") return open_fds();
  if (command == "whoami") return whoami();
  if (command == "cwd") return cwd();
  if (command == "setsid-escape") return setsid_escape();
  if (command == "kill-all") {
    // Signal 0 only asks: a broken sandbox must not take the test machine down.
    if (::kill(-1, 0) != 0) return refused("kill(-1)");
    std::cout << "kill(-1) allowed\n";
    return 0;
  }
  if (command == "kill-parent") {
    if (::kill(::getppid(), 0) != 0) return refused("kill(parent)");
    std::cout << "kill(parent) allowed\n";
    return 0;
  }
  if (command == "ptrace") {
    if (::ptrace(PTRACE_TRACEME, 0, nullptr, nullptr) != 0) return refused("ptrace");
    std::cout << "ptrace allowed\n";
    return 0;
  }
  std::cerr << "sandbox_probe: unknown command " << command << '\n';
  return 2;
}
