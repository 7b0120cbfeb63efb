// The server's monitoring: online accuracy from the sensor stream, the data
// quality of the requests it receives, and its service contract (server.h).
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "core/file_text.h"
#include "quality/quality_report.h"
#include "serve/contract_readings.h"
#include "serve/manifest.h"
#include "serve/node_stats.h"
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

bool Server::inspect_request(const Job& job, const Status& parsed, const Request& request, Scratch& scratch) {
  QualityRecord& record = scratch.quality_record;
  record.source = RecordSource::prediction_request;
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

ServiceContract Server::read_contract() const {
  ServiceContract contract = read_service_contract(options_.contract);
  for (const ContractBound& b : contract.bounds)
    if (!options_.monitoring && b.metric != ContractMetric::p99_latency_ms && b.metric != ContractMetric::error_rate)
      throw Error(fmt::format("service contract '{}': {} is measured by the monitoring, which is off",
                              options_.contract.string(), contract_metric_name(b.metric)));
  return contract;
}

void Server::judge_contract(NodeStats& now) {
  std::error_code ec;
  auto written = std::filesystem::last_write_time(options_.contract, ec);
  if (!ec && written != contract_written_) {
    contract_written_ = written;
    try {
      contract_->set_contract(read_contract());
      spdlog::info("service contract {} read again", options_.contract.string());
    } catch (const Error& e) {
      spdlog::error("{}; the contract read before still holds", e.what());
    }
  }
  std::vector<ContractChange> changes;
  contract_->evaluate(read_contract_metrics(now, *contract_interval_start_, *models()), changes);
  *contract_interval_start_ = now;
  for (const ContractChange& change : changes) publish_violation(change);
  now.contracts = contract_->snapshot();
}

void Server::publish_violation(const ContractChange& change) {
  const ContractState& s = change.state;
  const char* metric = contract_metric_name(s.metric);
  std::string subject = s.model.empty() ? "the node" : "model " + s.model;
  const double value = s.value.value_or(0);
  const std::string contract = contract_->name();
  if (change.raised)
    spdlog::warn("contract {} violated: {} of {} is {:.4g}, beyond its bound {:.4g}{}", contract, metric,
                 subject, value, s.bound, s.detail.empty() ? "" : " (" + s.detail + ")");
  else
    spdlog::info("contract {} met again: {} of {} is {:.4g}, bound {:.4g}", contract, metric, subject,
                 value, s.bound);
  nlohmann::json message = {{"node", options_.node},   {"contract", contract},
                            {"state", change.raised ? "raised" : "cleared"},
                            {"metric", metric},        {"value", value},
                            {"bound", s.bound},        {"violations", s.violations}};
  if (!s.model.empty()) message["model"] = s.model;
  if (!s.detail.empty()) message["detail"] = s.detail;
  try {
    client_->publish(contract_violations_topic(options_.node), message.dump(), 1);
  } catch (const Error& e) {
    spdlog::warn("contract violation not sent: {}", e.what());
  }
}

}  // namespace edgeml::serve
