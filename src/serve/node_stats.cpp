#include "serve/node_stats.h"

#include <sys/resource.h>

#include <chrono>
#include <fstream>
#include <limits>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "quality/quality_report.h"

namespace edgeml::serve {

namespace {

using nlohmann::json;

double ms(LatencySummary::Duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

json latency_json(const LatencySummary::Figures& f) {
  return {{"count", f.count}, {"p50", ms(f.p50)}, {"p90", ms(f.p90)}, {"p99", ms(f.p99)},
          {"max", ms(f.max)},  {"mean", ms(f.mean)}};
}

json accuracy_json(const NodeStats& s) {
  json models = json::array();
  for (const ModelAccuracy& a : *s.accuracy) {
    json entry = {{"model", a.model},         {"version", a.version},       {"series", a.series.path()},
                  {"scored", a.scored},       {"mae", a.mae},               {"window_mae", a.window_mae},
                  {"window", a.window_count}, {"ewma_mae", a.ewma_mae},     {"alert", a.alert}};
    if (a.test_mae) entry["test_mae"] = *a.test_mae;
    models.push_back(std::move(entry));
  }
  const OnlineAccuracyCounts& c = s.accuracy_counts;
  return {{"remembered", c.remembered}, {"scored", c.scored},       {"unmatched", c.unmatched},
          {"forgotten", c.forgotten},   {"untracked", c.untracked},
          {"superseded", c.superseded}, {"alert_multiple", s.accuracy_alert_multiple},
          {"models", std::move(models)}};
}

json contract_state_json(const ContractState& state) {
  json entry = {{"metric", contract_metric_name(state.metric)}, {"bound", state.bound},
                {"violated", state.violated}, {"violations", state.violations}};
  if (!state.model.empty()) entry["model"] = state.model;
  if (state.value) entry["value"] = *state.value;
  if (!state.detail.empty()) entry["detail"] = state.detail;
  return entry;
}

json contracts_json(const ContractSnapshot& c) {
  json bounds = json::array(), active = json::array();
  for (const ContractState& state : c.states) {
    bounds.push_back(contract_state_json(state));
    if (state.violated) active.push_back(bounds.back());
  }
  return {{"name", c.name}, {"violations", c.violations}, {"bounds", std::move(bounds)}, {"active", std::move(active)}};
}

}  // namespace


ProcessUsage read_process_usage() {
  ProcessUsage usage;
  rusage r{};
  if (getrusage(RUSAGE_SELF, &r) == 0) {
    auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6; };
    usage.cpu_seconds = seconds(r.ru_utime) + seconds(r.ru_stime);
  }
  // VmHWM, unlike getrusage's maximum, is never behind the current VmRSS.
  std::ifstream status("/proc/self/status");
  std::string field;
  std::uint64_t kib = 0;
  while (status >> field) {
    if (field == "VmRSS:" && status >> kib) usage.resident_bytes = kib * 1024;
    else if (field == "VmHWM:" && status >> kib) usage.peak_resident_bytes = kib * 1024;
    status.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  return usage;
}

std::string node_stats_json(const NodeStats& s, const ModelSet& models) {
  json list = json::array();
  for (const auto& model : models.models()) {
    const ModelInfo& info = model->info();
    json entry = {{"name", info.name}, {"version", info.version}, {"load_s", info.load_seconds}};
    for (const auto& [name, figures] : s.inference)
      if (name == info.name) entry["inference_ms"] = latency_json(figures);
    list.push_back(std::move(entry));
  }
  auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  json stats = {{"node", s.node},
                {"time", fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", now)},
                {"interval_s", s.interval_s},
                {"uptime_s", s.uptime_s},
                {"requests", s.counts.requests},
                {"replies", s.counts.replies},
                {"errors", s.counts.errors},
                {"overloaded", s.counts.overloaded},
                {"handed_off", s.counts.handed_off},
                {"timed_out", s.counts.timed_out},
                {"replies_refused", s.counts.replies_refused},
                {"reloads", s.counts.reloads},
                {"deployments", s.counts.deployments},
                {"queue", s.queue},
                {"latency_ms", latency_json(s.latency)},
                {"latency_ms_interval", latency_json(s.latency_interval)},
                {"models", list},
                {"last_reload_s", s.last_reload_seconds},
                {"process",
                 {{"cpu_s", s.process.cpu_seconds},
                  {"resident_bytes", s.process.resident_bytes},
                  {"peak_resident_bytes", s.process.peak_resident_bytes}}},
                {"events", s.counts.events},
                {"events_unreadable", s.counts.events_unreadable},
                {"events_dropped", s.counts.events_dropped},
                {"accuracy_alerts", s.counts.accuracy_alerts}};
  if (s.accuracy) stats["accuracy"] = accuracy_json(s);
  stats["quality_dropped"] = s.counts.quality_dropped;
  if (s.quality) stats["quality"] = quality_counts_json(*s.quality);
  if (s.contracts) stats["contracts"] = contracts_json(*s.contracts);
  return stats.dump();
}

}  // namespace edgeml::serve
