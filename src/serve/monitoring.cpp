#include "serve/monitoring.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "protocol/manifest.h"
#include "protocol/topics.h"

namespace edgeml::serve {

namespace {

QualityConfig quality_config(const ServerOptions& options) {
  return options.quality_config.empty() ? QualityConfig{} : read_quality_config(options.quality_config);
}

// The training statistics of the manifest in `dir`; null when it has none.
nlohmann::json training_statistics(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::exists(dir / kManifestFileName, ec)) return nullptr;
  return manifest_statistics(read_manifest_file(dir));
}

}  // namespace

Monitoring::Monitoring(const ServerOptions& options, mq::Client& client, ServerCounters& counts)
    : node_(options.node),
      alert_multiple_(options.accuracy.alert_multiple),
      client_(client),
      counts_(counts),
      accuracy_(options.accuracy),
      quality_(std::make_unique<DataQualityMonitor>(quality_config(options))) {
  refresh_reference(options.models_dir);
}

Monitoring::~Monitoring() = default;

void Monitoring::record(const RequestOutcome& outcome) {
  if (outcome.result == RequestOutcome::Result::answered && !outcome.answers.empty())
    accuracy_.remember(outcome.request.series, outcome.request.index, outcome.answers);
  if (outcome.quality_checked && outcome.verdict.action != QualityAction::keep) publish_quality_report(outcome);
}

void Monitoring::publish_quality_report(const RequestOutcome& outcome) {
  const QualityRecord& record = outcome.quality_record;
  std::uint64_t suppressed = 0;
  if (!report_gate_.admit(record.series, std::chrono::steady_clock::now(), suppressed)) return;
  try {
    client_.publish(quality_topic(record.series), quality_report_json("serve", node_, record, outcome.verdict, suppressed),
                    0);
  } catch (const Error& e) {
    spdlog::debug("data-quality report not sent: {}", e.what());
  }
}

void Monitoring::observe_event(std::string_view topic, std::string_view payload) {
  ++counts_.events;
  last_event_ns_ = std::chrono::steady_clock::now().time_since_epoch().count();
  if (!parse_series_topic(topic, event_.series) || !parse_payload(payload, event_)) {
    ++counts_.events_unreadable;
    return;
  }
  alerts_.clear();
  accuracy_.observe(event_.series, event_.index, event_.event_time, alerts_);
  for (const AccuracyAlert& alert : alerts_) publish_alert(alert);
}

void Monitoring::publish_alert(const AccuracyAlert& alert) {
  const ModelAccuracy& f = alert.figures;
  if (alert.raised) ++counts_.accuracy_alerts;
  spdlog::warn("accuracy alert {}: model {} version {} on {}: MAE {:.4g} over the last {} against a bound of {:.4g} "
               "({} x test MAE {:.4g})",
               alert.raised ? "raised" : "cleared", f.model, f.version, f.series.path(), f.window_mae, f.window_count,
               alert.bound, alert_multiple_, f.test_mae.value_or(0));
  nlohmann::json message = {{"node", node_},                 {"kind", "online_accuracy"},
                            {"state", alert.raised ? "raised" : "cleared"},
                            {"model", f.model},              {"version", f.version},
                            {"series", f.series.path()},     {"online_mae", f.window_mae},
                            {"window", f.window_count},      {"bound", alert.bound},
                            {"test_mae", f.test_mae.value_or(0)}, {"multiple", alert_multiple_}};
  try {
    client_.publish(node_alerts_topic(node_), message.dump(), 1);
  } catch (const Error& e) {
    spdlog::warn("accuracy alert not sent: {}", e.what());
  }
}

// A change of statistics restarts the check's drift windows, so it is told
// only when they change.
void Monitoring::refresh_reference(const std::filesystem::path& models_dir) {
  const std::filesystem::path manifest = models_dir / kManifestFileName;
  nlohmann::json statistics;
  try {
    statistics = training_statistics(models_dir);
  } catch (const Error& e) {
    spdlog::warn("data quality: cannot read {}: {}", manifest.string(), e.what());
  }
  std::string text = statistics.is_null() ? "" : statistics.dump();
  if (text == reference_) return;
  ReferenceStatistics reference;
  if (statistics.is_null()) {
    spdlog::info("data quality: {} has no training statistics, so no range or drift checks", manifest.string());
  } else {
    try {
      reference = reference_statistics_from_json(statistics);
    } catch (const Error& e) {
      spdlog::warn("data quality: no range or drift checks: the training statistics in {} are wrong: {}",
                   manifest.string(), e.what());
    }
  }
  reference_ = std::move(text);
  quality_->set_reference(std::move(reference));
}

void Monitoring::fill(NodeStats& stats) const {
  stats.accuracy = accuracy_.figures();
  stats.accuracy_counts = accuracy_.counts();
  stats.accuracy_alert_multiple = alert_multiple_;
  stats.quality = quality_->counts();
  if (std::int64_t ns = last_event_ns_; ns >= 0)
    stats.seconds_since_event =
        std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch() - std::chrono::nanoseconds(ns))
            .count();
}

}  // namespace edgeml::serve
