#include "core/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "core/error.h"

namespace edgeml {

std::string find_program(const std::string& name) {
  namespace fs = std::filesystem;
  if (name.find('/') != std::string::npos) return fs::exists(name) ? name : std::string();
  std::string path = getenv("PATH") ? getenv("PATH") : "";
  path += ":/usr/sbin:/sbin:/usr/bin";
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t colon = path.find(':', start);
    std::string dir = path.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    if (!dir.empty()) {
      fs::path candidate = fs::path(dir) / name;
      if (access(candidate.c_str(), X_OK) == 0) return candidate.string();
    }
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return {};
}

namespace {

// Runs in the forked child: only async-signal-safe calls until exec.
[[noreturn]] void exec_child(const char* program, char* const* args, const char* log_path, int input, int error_pipe,
                             pid_t parent) {
  // The child goes when we go, even when we are killed: no broker is left
  // behind by a crashed test or a killed `edgeml broker`.
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != parent) _exit(127);
  if (input >= 0 && dup2(input, 0) < 0) {
    int err = errno;
    (void)!write(error_pipe, &err, sizeof err);
    _exit(127);
  }
  if (log_path) {
    int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0) {
      int err = errno;
      (void)!write(error_pipe, &err, sizeof err);
      _exit(127);
    }
  }
  // Default signal handling and an empty mask, whatever the parent set.
  struct sigaction sa {};
  sa.sa_handler = SIG_DFL;
  for (int signo = 1; signo < NSIG; ++signo) sigaction(signo, &sa, nullptr);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  execv(program, args);
  int err = errno;
  (void)!write(error_pipe, &err, sizeof err);
  _exit(127);
}

}  // namespace

Process::Process(std::vector<std::string> argv, const std::string& log_path, Input input) {
  if (argv.empty()) throw Error("cannot start a process without a program name");
  std::string program = find_program(argv[0]);
  if (program.empty()) throw Error(fmt::format("program '{}' was not found in PATH or /usr/sbin", argv[0]));
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);

  // The child's input, read end for it and a non-blocking write end for us.
  int input_fds[2] = {-1, -1};
  if (input == Input::pipe && pipe2(input_fds, O_CLOEXEC) != 0)
    throw Error(fmt::format("cannot start '{}': {}", program, std::strerror(errno)));
  // The child reports a failed exec through this pipe; a successful exec closes it.
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    int err = errno;
    for (int fd : input_fds)
      if (fd >= 0) close(fd);
    throw Error(fmt::format("cannot start '{}': {}", program, std::strerror(err)));
  }
  pid_t parent = getpid();
  pid_ = fork();
  if (pid_ == 0)
    exec_child(program.c_str(), args.data(), log_path.empty() ? nullptr : log_path.c_str(), input_fds[0], pipe_fds[1],
               parent);
  int fork_errno = errno;
  close(pipe_fds[1]);
  if (input_fds[0] >= 0) {
    close(input_fds[0]);
    input_ = input_fds[1];
    fcntl(input_, F_SETFL, fcntl(input_, F_GETFL) | O_NONBLOCK);
  }
  if (pid_ < 0) {
    close_input();
    close(pipe_fds[0]);
    throw Error(fmt::format("cannot start '{}': {}", program, std::strerror(fork_errno)));
  }
  int child_errno = 0;
  ssize_t n;
  do {
    n = read(pipe_fds[0], &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  close(pipe_fds[0]);
  if (n == sizeof child_errno) {
    close_input();
    reap(true);
    pid_ = -1;
    throw Error(fmt::format("cannot start '{}'{}: {}", program, log_path.empty() ? "" : " logging to " + log_path,
                            std::strerror(child_errno)));
  }
}

Process::~Process() {
  close_input();
  if (pid_ > 0 && !status_) {
    ::kill(pid_, SIGKILL);
    reap(true);
  }
}

Process::Process(Process&& other) noexcept : pid_(other.pid_), input_(other.input_), status_(other.status_) {
  other.pid_ = -1;
  other.input_ = -1;
}

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    if (pid_ > 0 && !status_) {
      ::kill(pid_, SIGKILL);
      reap(true);
    }
    close_input();
    pid_ = other.pid_;
    input_ = other.input_;
    status_ = other.status_;
    other.pid_ = -1;
    other.input_ = -1;
  }
  return *this;
}

bool Process::write_input(std::string_view text) {
  if (input_ < 0) return false;
  // SIGPIPE held back for this thread while writing, and taken if it came:
  // a child that has gone is an answer (false), not a reason to die.
  sigset_t pipe_signal, before;
  sigemptyset(&pipe_signal);
  sigaddset(&pipe_signal, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_signal, &before);
  bool written = true;
  while (!text.empty()) {
    ssize_t n = ::write(input_, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      written = false;
      break;
    }
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  const timespec now{0, 0};
  while (sigtimedwait(&pipe_signal, nullptr, &now) == SIGPIPE) {
  }
  pthread_sigmask(SIG_SETMASK, &before, nullptr);
  if (!written) close_input();
  return written;
}

void Process::close_input() {
  if (input_ >= 0) ::close(input_);
  input_ = -1;
}

bool Process::reap(bool block) {
  if (pid_ <= 0 || status_) return true;
  int raw = 0;
  pid_t r;
  do {
    r = waitpid(pid_, &raw, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r != pid_) return false;
  status_ = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
  return true;
}

bool Process::running() { return pid_ > 0 && !reap(false); }

void Process::signal(int signo) {
  if (running()) ::kill(pid_, signo);
}

namespace {

// A descriptor that becomes readable when the process exits (Linux 5.3's
// pidfd), closed with the object; -1 where the kernel has none.
struct ExitNotice {
  int fd = -1;
  explicit ExitNotice(int pid) {
#if defined(SYS_pidfd_open)
    fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
    (void)pid;
#endif
  }
  ~ExitNotice() {
    if (fd >= 0) ::close(fd);
  }
  ExitNotice(const ExitNotice&) = delete;
  ExitNotice& operator=(const ExitNotice&) = delete;
};

}  // namespace

// Woken by the child's exit where the kernel can tell (a pidfd), else
// polling with pauses that double up to 50 ms, which may notice an exit that
// much late: for a child that runs half a second, a tenth of its time.
std::optional<int> Process::wait_for(std::chrono::milliseconds timeout) {
  using namespace std::chrono;
  const auto deadline = steady_clock::now() + timeout;
  const ExitNotice exit_notice(pid_);
  auto pause = milliseconds(1);
  while (!reap(false)) {
    const auto left = ceil<milliseconds>(deadline - steady_clock::now());
    if (left <= milliseconds(0)) return std::nullopt;
    if (exit_notice.fd >= 0) {
      pollfd readable{exit_notice.fd, POLLIN, 0};
      ::poll(&readable, 1, static_cast<int>(std::min<milliseconds::rep>(left.count(), 1'000'000'000)));
    } else {
      std::this_thread::sleep_for(std::min(pause, left));
      pause = std::min(pause * 2, milliseconds(50));
    }
  }
  return status_;
}

int Process::stop(int signo, std::chrono::milliseconds grace) {
  signal(signo);
  if (auto status = wait_for(grace)) return *status;
  ::kill(pid_, SIGKILL);
  reap(true);
  return *status_;
}

std::size_t kill_process_tree(int pid, std::chrono::milliseconds frozen_for) {
  std::vector<int> tree = {pid};
  for (std::size_t i = 0; i < tree.size(); ++i) {
    ::kill(tree[i], SIGSTOP);  // before its children are read, so that it starts no more
    std::error_code ec;
    for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(tree[i]) + "/task", ec)) {
      std::ifstream children(task.path() / "children");
      for (int child; children >> child;) tree.push_back(child);
    }
  }
  std::this_thread::sleep_for(frozen_for);
  for (int p : tree) ::kill(p, SIGKILL);
  return tree.size();
}

}  // namespace edgeml
