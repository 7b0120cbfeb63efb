// One `edgeml serve` for the benchmark: a child process on a model directory,
// ready once it answers a request, with its memory and CPU time read from
// /proc and a clean exit checked when it stops.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "core/process.h"
#include "load.h"

namespace edgeml::bench {

struct ServerSpec {
  std::string edgeml;  // the executable
  std::filesystem::path models;
  std::string node;
  std::vector<std::string> extra_args;  // after serve --models DIR --node NODE
  std::filesystem::path log;
};

class ServerProcess {
 public:
  // Starts it and returns once it answers requests from `load`'s broker.
  // Throws Error, with the end of its log, when it exits or does not answer.
  ServerProcess(const ServerSpec& spec, const LoadSetup& load);
  ~ServerProcess();  // kills a server still running
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Throws Error when it has exited.
  void check_running();
  // VmRSS and VmHWM (the peak) of /proc/PID/status, in KiB.
  long resident_kib() const { return status_kib("VmRSS:"); }
  long peak_resident_kib() const { return status_kib("VmHWM:"); }
  // User + system CPU time of all its threads so far, in seconds.
  double cpu_seconds() const;
  // SIGTERM; throws Error when it does not exit with status 0 within a while.
  void stop();

 private:
  long status_kib(const std::string& field) const;
  std::string log_tail() const;

  ServerSpec spec_;
  Process process_;
  bool stopped_ = false;
};

}  // namespace edgeml::bench
