#include "serve/node_stats.h"

#include <chrono>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

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
          {"forgotten", c.forgotten},   {"untracked", c.untracked}, {"alert_multiple", s.accuracy_alert_multiple},
          {"models", std::move(models)}};
}

}  // namespace

std::string node_stats_topic(const std::string& node) { return fmt::format("edgeml/nodes/{}/stats", node); }

std::string node_stats_json(const NodeStats& s, const ModelSet& models) {
  json list = json::array();
  for (const auto& model : models.models()) list.push_back({{"name", model->info().name}, {"version", model->info().version}});
  auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  json stats = {{"node", s.node},
                {"time", fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", now)},
                {"uptime_s", s.uptime_s},
                {"requests", s.counts.requests},
                {"replies", s.counts.replies},
                {"errors", s.counts.errors},
                {"overloaded", s.counts.overloaded},
                {"reloads", s.counts.reloads},
                {"deployments", s.counts.deployments},
                {"queue", s.queue},
                {"latency_ms", latency_json(s.latency)},
                {"latency_ms_interval", latency_json(s.latency_interval)},
                {"models", list},
                {"events", s.counts.events},
                {"events_unreadable", s.counts.events_unreadable},
                {"events_dropped", s.counts.events_dropped},
                {"accuracy_alerts", s.counts.accuracy_alerts}};
  if (s.accuracy) stats["accuracy"] = accuracy_json(s);
  return stats.dump();
}

}  // namespace edgeml::serve
