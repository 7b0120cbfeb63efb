#include "cluster/replicas.h"

#include <signal.h>

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "core/bounded_json.h"
#include "core/error.h"
#include "core/json_fields.h"

namespace edgeml::cluster {

namespace {

using namespace std::chrono_literals;

constexpr auto kStopGrace = 5s;

// Every model the application names is loaded, at the version it names.
bool serves_all(const ApplicationSpec& spec, const nlohmann::json& stats) {
  const nlohmann::json* models = json_at(stats, {"models"});
  if (!models || !models->is_array()) return false;
  for (const ModelRef& ref : spec.models) {
    bool found = false;
    for (const nlohmann::json& m : *models)
      found = found || (json_text(m, {"name"}) == ref.name && (ref.version.empty() || json_text(m, {"version"}) == ref.version));
    if (!found) return false;
  }
  return true;
}

}  // namespace

Replicas::Replicas(std::vector<std::string> serve_command) : serve_command_(std::move(serve_command)) {}

Replicas::~Replicas() { stop_all(kStopGrace); }

void Replicas::start(Replica& r, Clock::time_point now) {
  std::vector<std::string> argv = serve_command_;
  argv.insert(argv.end(), {"--replica-of", r.spec.name, "--replica-requests", r.spec.requests});
  for (const std::string& filter : r.leave_to_others) argv.insert(argv.end(), {"--replica-excludes", filter});
  r.load = {};
  r.load.state = "starting";
  r.last_cpu_s = r.last_uptime_s = -1;
  try {
    r.process = std::make_unique<Process>(argv);
  } catch (const Error& e) {
    r.load.state = "failed";
    r.load.reason = e.what();
    r.process.reset();
  }
  r.restart_at = now;
}

void Replicas::run(const std::vector<ReplicaPlan>& plans, Clock::time_point now) {
  for (auto it = replicas_.begin(); it != replicas_.end();) {
    auto wanted = std::find_if(plans.begin(), plans.end(),
                               [&](const ReplicaPlan& p) { return p.application.name == it->first; });
    bool keep = wanted != plans.end() && wanted->application.requests == it->second.spec.requests &&
                wanted->leave_to_others == it->second.leave_to_others;
    if (keep) {
      it->second.spec = wanted->application;  // new model versions arrive as deployments, without a restart
      ++it;
      continue;
    }
    spdlog::info("cluster: stopping the replica of {}", it->first);
    if (it->second.process) {
      it->second.process->signal(SIGTERM);
      stopping_.push_back({std::move(it->second.process), now + kStopGrace});
    }
    it = replicas_.erase(it);
  }
  for (const ReplicaPlan& plan : plans) {
    const ApplicationSpec& spec = plan.application;
    if (replicas_.count(spec.name)) continue;
    spdlog::info("cluster: starting a replica of {} on {}", spec.name, spec.requests);
    Replica& r = replicas_[spec.name];
    r.spec = spec;
    r.leave_to_others = plan.leave_to_others;
    start(r, now);
  }
}

void Replicas::poll(Clock::time_point now) {
  for (auto& [name, r] : replicas_) {
    if (r.process && r.process->running()) continue;
    if (r.process) {
      int status = r.process->wait_for(0ms).value_or(-1);
      r.process.reset();
      ++r.failures;
      r.load.state = "failed";
      r.load.reason = fmt::format("the replica's server exited with status {}", status);
      auto backoff = std::min<std::chrono::milliseconds>(30s, 1000ms * (1 << std::min(r.failures - 1, 5)));
      r.restart_at = now + backoff;
      spdlog::warn("cluster: {}; restarting it in {} ms", r.load.reason, backoff.count());
    }
    if (now >= r.restart_at) start(r, now);
  }
  for (auto it = stopping_.begin(); it != stopping_.end();) {
    if (!it->process->running()) {
      it = stopping_.erase(it);
      continue;
    }
    if (now >= it->kill_at) it->process->signal(SIGKILL);
    ++it;
  }
}

void Replicas::stop_all(std::chrono::milliseconds grace) {
  for (auto& [name, r] : replicas_)
    if (r.process) r.process->signal(SIGTERM);
  for (auto& s : stopping_) s.process->signal(SIGTERM);
  for (auto& [name, r] : replicas_)
    if (r.process) r.process->stop(SIGTERM, grace);
  for (auto& s : stopping_) s.process->stop(SIGTERM, grace);
  replicas_.clear();
  stopping_.clear();
}

void Replicas::on_stats(const std::string& application, std::string_view payload) {
  auto it = replicas_.find(application);
  if (it == replicas_.end() || !it->second.process) return;
  nlohmann::json stats;
  if (!parse_json_bounded(payload, stats, 16) || !stats.is_object()) return;
  ReplicaLoad& load = it->second.load;
  double interval = json_number(stats, {"interval_s"}).value_or(0);
  load.queue = json_number(stats, {"queue"}).value_or(0);
  load.p99_ms = json_number(stats, {"latency_ms_interval", "p99"}).value_or(0);
  double count = json_number(stats, {"latency_ms_interval", "count"}).value_or(0);
  load.requests_per_s = interval > 0 ? count / interval : 0;
  load.resident_mib = json_number(stats, {"process", "resident_bytes"}).value_or(0) / (1024.0 * 1024.0);
  double cpu = json_number(stats, {"process", "cpu_s"}).value_or(0), up = json_number(stats, {"uptime_s"}).value_or(0);
  Replica& r = it->second;
  if (r.last_uptime_s >= 0 && up > r.last_uptime_s) load.cpu_cores = std::max(0.0, (cpu - r.last_cpu_s) / (up - r.last_uptime_s));
  r.last_cpu_s = cpu;
  r.last_uptime_s = up;
  load.state = serves_all(it->second.spec, stats) ? "serving" : "starting";
  load.reason = load.state == "serving" ? "" : "waiting for its models";
  it->second.failures = 0;
}

std::map<std::string, ReplicaLoad> Replicas::loads() const {
  std::map<std::string, ReplicaLoad> out;
  for (const auto& [name, r] : replicas_) out[name] = r.load;
  return out;
}

}  // namespace edgeml::cluster
