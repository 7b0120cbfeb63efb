// The server's monitoring: online accuracy from the sensor stream, and the
// data quality of the requests it receives (server.h).
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "core/file_text.h"
#include "core/quality_report.h"
#include "serve/manifest.h"
#include "serve/server.h"

namespace edgeml::serve {

// The training statistics of the models served now: the manifest's, else
// those a deployed entry carries (deployment.h), the first in the file. The
// monitor is told only when they change, as that restarts its drift windows.
void Server::refresh_quality_reference() {
  std::filesystem::path manifest = options_.models_dir / "manifest.json";
  nlohmann::json statistics;
  std::error_code ec;
  try {
    if (std::filesystem::exists(manifest, ec)) {
      nlohmann::json m = read_json_file(manifest, kMaxManifestBytes);
      if (m.contains("data_statistics")) statistics = m["data_statistics"];
      else if (m.contains("models") && m["models"].is_array())
        for (const auto& entry : m["models"])
          if (entry.is_object() && entry.contains("data_statistics")) {
            statistics = entry["data_statistics"];
            break;
          }
    }
  } catch (const Error& e) {
    spdlog::warn("data quality: cannot read {}: {}", manifest.string(), e.what());
  }
  std::string text = statistics.is_null() ? "" : statistics.dump();
  if (text == quality_reference_) return;
  ReferenceStatistics reference;
  if (!statistics.is_null()) {
    try {
      reference = reference_statistics_from_json(statistics);
    } catch (const Error& e) {
      spdlog::warn("data quality: no range or drift checks: the training statistics in {} are wrong: {}",
                   manifest.string(), e.what());
    }
  } else {
    spdlog::info("data quality: {} has no training statistics, so no range or drift checks", manifest.string());
  }
  quality_reference_ = std::move(text);
  quality_->set_reference(std::move(reference));
}

bool Server::inspect_request(const Job& job, const Status& parsed, Scratch& scratch) {
  QualityRecord& record = scratch.quality_record;
  record.source = RecordSource::prediction_request;
  const Request& request = scratch.request;
  if (parsed) {
    record.series.station.assign(request.series.station);
    record.series.datapoint.assign(request.series.datapoint);
    record.series.alarm.assign(request.series.alarm);
    record.schema_error.clear();
    record.index = request.index;
    record.value = request.value;
    record.threshold = request.threshold;
  } else {
    if (!parse_series_topic(job.topic, record.series)) record.series = {};
    record.schema_error.assign(parsed.reason());
    record.index = record.value = record.threshold = std::nullopt;
  }
  record.event_time = std::nullopt;
  quality_->inspect(record, scratch.verdict);
  if (scratch.verdict.action == QualityAction::keep) return true;
  if (std::uint64_t suppressed = 0; report_gate_.admit(record.series, std::chrono::steady_clock::now(), suppressed)) {
    try {
      client_->publish(quality_topic(record.series),
                       quality_report_json("serve", options_.node, record, scratch.verdict, suppressed), 0);
    } catch (const Error& e) {
      spdlog::debug("data-quality report not sent: {}", e.what());
    }
  }
  return scratch.verdict.action != QualityAction::drop || !parsed;  // an unread request gets its error reply
}

// A sensor event: the truth for the requests answered for its series and index.
void Server::score(const Job& job, Scratch& scratch) {
  if (!parse_series_topic(job.topic, scratch.event.series) || !parse_payload(job.payload, scratch.event)) {
    ++counts_.events_unreadable;
    return;
  }
  scratch.alerts.clear();
  accuracy_.observe(scratch.event.series, scratch.event.index, scratch.event.event_time, scratch.alerts);
  for (const AccuracyAlert& alert : scratch.alerts) publish_alert(alert);
}

void Server::publish_alert(const AccuracyAlert& alert) {
  const ModelAccuracy& f = alert.figures;
  if (alert.raised) ++counts_.accuracy_alerts;
  spdlog::warn("accuracy alert {}: model {} version {} on {}: MAE {:.4g} over the last {} against a bound of {:.4g} "
               "({} x test MAE {:.4g})",
               alert.raised ? "raised" : "cleared", f.model, f.version, f.series.path(), f.window_mae, f.window_count,
               alert.bound, options_.accuracy.alert_multiple, f.test_mae.value_or(0));
  nlohmann::json message = {{"node", options_.node},        {"kind", "online_accuracy"},
                            {"state", alert.raised ? "raised" : "cleared"},
                            {"model", f.model},             {"version", f.version},
                            {"series", f.series.path()},    {"online_mae", f.window_mae},
                            {"window", f.window_count},     {"bound", alert.bound},
                            {"test_mae", f.test_mae.value_or(0)}, {"multiple", options_.accuracy.alert_multiple}};
  try {
    client_->publish(node_alerts_topic(options_.node), message.dump(), 1);
  } catch (const Error& e) {
    spdlog::warn("accuracy alert not sent: {}", e.what());
  }
}

}  // namespace edgeml::serve
