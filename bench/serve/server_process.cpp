#include "server_process.h"

#include <signal.h>
#include <time.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "core/error.h"

namespace edgeml::bench {

namespace {

using namespace std::chrono_literals;

constexpr auto kStartWithin = 30s;
constexpr auto kStopWithin = 10s;

std::vector<std::string> serve_argv(const ServerSpec& spec, const LoadSetup& load) {
  std::vector<std::string> argv = {spec.edgeml,  "serve",         "--host", load.broker.host,
                                   "--port",     std::to_string(load.broker.port), "--models",
                                   spec.models.string(), "--node", spec.node};
  argv.insert(argv.end(), spec.extra_args.begin(), spec.extra_args.end());
  return argv;
}

}  // namespace

ServerProcess::ServerProcess(const ServerSpec& spec, const LoadSetup& load)
    : spec_(spec), process_(serve_argv(spec, load), spec.log.string()) {
  wait_until_answered(load, kStartWithin, [this] { check_running(); });
}

ServerProcess::~ServerProcess() {
  if (!stopped_) process_.stop(SIGKILL, 1s);
}

void ServerProcess::check_running() {
  if (!process_.running()) throw Error(fmt::format("edgeml serve ({}) exited; its log:\n{}", spec_.node, log_tail()));
}

long ServerProcess::status_kib(const std::string& field) const {
  std::ifstream status(fmt::format("/proc/{}/status", process_.pid()));
  std::string line;
  while (std::getline(status, line))
    if (line.starts_with(field)) return std::stol(line.substr(field.size()));
  throw Error(fmt::format("no {} in /proc/{}/status", field, process_.pid()));
}

double ServerProcess::cpu_seconds() const {
  // The process's CPU clock, in nanoseconds: /proc/PID/stat counts in clock
  // ticks (10 ms), too coarse for a block of a few thousand requests.
  clockid_t clock;
  if (int e = clock_getcpuclockid(process_.pid(), &clock); e != 0)
    throw Error(fmt::format("no CPU clock for process {}: {}", process_.pid(), std::strerror(e)));
  timespec t{};
  if (clock_gettime(clock, &t) != 0)
    throw Error(fmt::format("cannot read the CPU clock of process {}: {}", process_.pid(), std::strerror(errno)));
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

void ServerProcess::stop() {
  stopped_ = true;
  int status = process_.stop(SIGTERM, kStopWithin);
  if (status != 0)
    throw Error(fmt::format("edgeml serve ({}) ended with status {}; its log:\n{}", spec_.node, status, log_tail()));
}

std::string ServerProcess::log_tail() const {
  std::ifstream in(spec_.log);
  std::string all((std::istreambuf_iterator<char>(in)), {});
  return all.size() > 2000 ? "..." + all.substr(all.size() - 2000) : all;
}

}  // namespace edgeml::bench
