#include "serve/contract_readings.h"

#include <chrono>

#include "serve/model_set.h"
#include "serve/node_stats.h"

namespace edgeml::serve {

namespace {

double milliseconds(LatencySummary::Duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

void read_node_metrics(const NodeStats& now, const NodeStats& before, ContractReadings& out) {
  auto set = [&](ContractMetric metric, double value) { out.values[{std::string(), metric}] = {value, {}}; };
  if (now.latency_interval.count > 0) set(ContractMetric::p99_latency_ms, milliseconds(now.latency_interval.p99));
  // Over the requests concluded in the interval, not those received: a
  // request received just before a tick is concluded just after it, and its
  // failure must not land in an interval that saw no request end.
  const ServerCounts& a = before.counts;
  const ServerCounts& b = now.counts;
  auto failed = [](const ServerCounts& c) { return c.errors + c.overloaded + c.quality_dropped + c.timed_out; };
  const std::uint64_t failed_now = failed(b) - failed(a);
  const std::uint64_t concluded = (b.replies - a.replies) + failed_now;
  if (concluded > 0)
    set(ContractMetric::error_rate, static_cast<double>(failed_now) / static_cast<double>(concluded));
  const QualityCounts qa = before.quality ? before.quality->total : QualityCounts{};
  if (now.quality && now.quality->total.records > qa.records) {
    const QualityCounts& qb = now.quality->total;
    set(ContractMetric::quality_pass_share,
        static_cast<double>(qb.passed - qa.passed) / static_cast<double>(qb.records - qa.records));
  }
  set(ContractMetric::freshness_s, now.seconds_since_event.value_or(now.uptime_s));
}

void read_model_metrics(const NodeStats& now, const ModelSet& served, ContractReadings& out) {
  for (const auto& model : served.models()) {
    const ModelInfo& info = model->info();
    out.models.push_back(info.name);
    for (const auto& [name, figures] : now.inference_interval)
      if (name == info.name && figures.count > 0)
        out.values[{info.name, ContractMetric::p99_latency_ms}] = {milliseconds(figures.p99), {}};
    if (!now.accuracy) continue;
    const ModelAccuracy* worst = nullptr;
    for (const ModelAccuracy& a : *now.accuracy)
      if (a.model == info.name && a.version == info.version && a.window_count > 0 &&
          (!worst || a.window_mae > worst->window_mae))
        worst = &a;
    if (worst) out.values[{info.name, ContractMetric::online_mae}] = {worst->window_mae, worst->series.path()};
  }
}

}  // namespace

ContractReadings read_contract_metrics(const NodeStats& now, const NodeStats& before, const ModelSet& served) {
  ContractReadings readings;
  read_node_metrics(now, before, readings);
  read_model_metrics(now, served, readings);
  return readings;
}

}  // namespace edgeml::serve
