#include "server_process.h"

#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

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
  std::ifstream stat(fmt::format("/proc/{}/stat", process_.pid()));
  std::string text((std::istreambuf_iterator<char>(stat)), {});
  // Fields after the command's closing parenthesis; utime and stime are the
  // 14th and 15th of the whole line, the 12th and 13th after it.
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::string field;
  long ticks = 0;
  for (int i = 1; i <= 13 && fields >> field; ++i)
    if (i >= 12) ticks += std::stol(field);
  return static_cast<double>(ticks) / static_cast<double>(sysconf(_SC_CLK_TCK));
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
