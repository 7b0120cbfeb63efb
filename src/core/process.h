// A child process: started with argv, stopped with a signal, waited on with a
// bound. Used to run the broker and, in tests, edgeml itself.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace edgeml {

class Process {
 public:
  // Starts argv[0] (searched in PATH) with the given arguments. Output goes to
  // `log_path` when set (stdout and stderr appended), else is inherited.
  // Throws Error when the program cannot be started. The child gets SIGTERM
  // when the thread that started it exits, so start long-lived children from
  // the main thread.
  explicit Process(std::vector<std::string> argv, const std::string& log_path = {});
  ~Process();  // SIGKILLs and reaps a child still running
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;

  int pid() const { return pid_; }
  bool running();
  void signal(int signo);
  // Exit status (as from a shell: 128+signal when killed), or nullopt on timeout.
  std::optional<int> wait_for(std::chrono::milliseconds timeout);
  // Sends `signo`, waits up to `grace`, then SIGKILL. Returns the exit status.
  int stop(int signo, std::chrono::milliseconds grace);

 private:
  bool reap(bool block);
  int pid_ = -1;
  std::optional<int> status_;
};

// Finds a program in PATH, then in /usr/sbin and /sbin (where Debian puts
// daemons such as mosquitto). Returns empty when not found.
std::string find_program(const std::string& name);

}  // namespace edgeml
