// A child process: started with argv, stopped with a signal, waited on with a
// bound. Used to run the broker and, in tests, edgeml itself.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace edgeml {

class Process {
 public:
  enum class Input { inherit, pipe };  // the child's standard input: ours, or a pipe write_input() feeds

  // Starts argv[0] (searched in PATH) with the given arguments. Output goes to
  // `log_path` when set (stdout and stderr appended), else is inherited.
  // Throws Error when the program cannot be started. The child gets SIGTERM
  // when the thread that started it exits, so start long-lived children from
  // the main thread.
  explicit Process(std::vector<std::string> argv, const std::string& log_path = {}, Input input = Input::inherit);
  ~Process();  // SIGKILLs and reaps a child still running
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;

  int pid() const { return pid_; }
  // With Input::pipe: writes all of `text` to the child's input without
  // blocking. False, and nothing more is written, when the child has closed
  // its input or is not reading it (the pipe is full); never SIGPIPE.
  bool write_input(std::string_view text);
  // The child reads end-of-file once what was written is read.
  void close_input();
  bool running();
  void signal(int signo);
  // Exit status (as from a shell: 128+signal when killed), or nullopt on timeout.
  std::optional<int> wait_for(std::chrono::milliseconds timeout);
  // Sends `signo`, waits up to `grace`, then SIGKILL. Returns the exit status.
  int stop(int signo, std::chrono::milliseconds grace);

 private:
  bool reap(bool block);
  int pid_ = -1;
  int input_ = -1;  // the pipe's writing end, with Input::pipe
  std::optional<int> status_;
};

// Freezes `pid` and every process under it (from /proc's lists of
// children), waits `frozen_for`, then SIGKILLs them all at once: a machine
// losing power, with whatever was in its processes' hands. Returns how many
// processes it killed.
std::size_t kill_process_tree(int pid, std::chrono::milliseconds frozen_for);

// Finds a program in PATH, then in /usr/sbin and /sbin (where Debian puts
// daemons such as mosquitto). Returns empty when not found.
std::string find_program(const std::string& name);

}  // namespace edgeml
