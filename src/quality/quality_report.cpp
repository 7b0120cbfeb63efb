#include "quality/quality_report.h"

#include <cmath>

#include <fmt/format.h>

namespace edgeml {

namespace {

using nlohmann::json;

json number_or_null(std::optional<double> v) { return v && std::isfinite(*v) ? json(*v) : json(nullptr); }

std::string_view source_name(RecordSource source) {
  return source == RecordSource::alarm_event ? "alarm_event" : "prediction_request";
}

}  // namespace

std::string quality_report_json(std::string_view component, std::string_view node, const QualityRecord& record,
                                const QualityVerdict& verdict, std::uint64_t suppressed) {
  json findings = json::array();
  for (const QualityFinding& f : verdict.findings) {
    json finding = {{"check", check_name(f.check)},
                    {"measured", number_or_null(f.measured)},
                    {"bound", number_or_null(f.bound)},
                    {"reason", f.reason}};
    if (f.feature) finding["feature"] = feature_name(*f.feature);
    findings.push_back(std::move(finding));
  }
  json report = {{"component", component},
                 {"node", node},
                 {"series", record.series.station.empty() ? "" : record.series.path()},
                 {"source", source_name(record.source)},
                 {"action", action_name(verdict.action)},
                 {"record",
                  {{"index", number_or_null(record.index)},
                   {"event_time", number_or_null(record.event_time)},
                   {"value", number_or_null(record.value)},
                   {"valueThreshold", number_or_null(record.threshold)}}},
                 {"findings", std::move(findings)}};
  if (!record.schema_error.empty()) report["schema_error"] = record.schema_error;
  if (suppressed > 0) report["suppressed"] = suppressed;
  // Bytes echoed from a client may be anything: invalid UTF-8 becomes U+FFFD.
  return report.dump(-1, ' ', false, json::error_handler_t::replace);
}

QualityReportGate::QualityReportGate(std::chrono::milliseconds interval, std::size_t max_series)
    : interval_(interval), max_series_(max_series) {}

bool QualityReportGate::admit(const SeriesId& series, std::chrono::steady_clock::time_point now,
                              std::uint64_t& suppressed) {
  auto it = gates_.find(series);
  if (it == gates_.end()) {
    if (gates_.size() >= max_series_) gates_.clear();
    gates_.emplace(series, Gate{now, 0});
    suppressed = 0;
    return true;
  }
  Gate& gate = it->second;
  if (now - gate.last < interval_) {
    ++gate.held;
    return false;
  }
  suppressed = gate.held;
  gate = {now, 0};
  return true;
}

json quality_counts_json(const QualityCounts& counts) {
  json findings = json::object();
  for (std::size_t i = 0; i < kQualityCheckCount; ++i)
    findings[std::string(check_name(static_cast<QualityCheck>(i)))] = counts.findings[i];
  return {{"records", counts.records},
          {"passed", counts.passed},
          {"dropped", counts.dropped},
          {"findings", std::move(findings)}};
}

json quality_counts_json(const QualitySnapshot& snapshot) {
  json out = quality_counts_json(snapshot.total);
  json series = json::object();
  for (const auto& [path, counts] : snapshot.series) series[path] = quality_counts_json(counts);
  out["series"] = std::move(series);
  out["evicted"] = quality_counts_json(snapshot.evicted);
  out["unattributed"] = quality_counts_json(snapshot.unattributed);
  return out;
}

}  // namespace edgeml
