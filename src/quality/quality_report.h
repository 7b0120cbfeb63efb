// How data-quality findings leave a process, the same from the collector and
// the server. A record that is flagged or dropped is published on
// edgeml/dq/{station}/{datapoint}/{alarm} (edgeml/dq/unattributed when its
// topic named no series) as one JSON object:
//
//   {"component": "collector", "node": "edge-1", "series": "1160629000/121/308",
//    "source": "alarm_event", "action": "drop",
//    "record": {"index": 12, "event_time": 1487441883, "value": null, "valueThreshold": 230},
//    "findings": [{"check": "not_finite", "feature": "value", "measured": null, "bound": 0,
//                  "reason": "value is nan"}]}
//
// (null stands for an absent or non-finite number; "schema_error" is added
// when the payload could not be read; "suppressed": N when N flagged or
// dropped records of the series went unreported before it, see
// QualityReportGate). Counts go out with the stats as
// quality_counts_json(): {"records", "passed", "dropped", "findings": {"gap": 3, ...},
// "series": {"1160629000/121/308": {...the same...}}, "evicted": {...},
// "unattributed": {...}}.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "protocol/topics.h"
#include "quality/data_quality.h"

namespace edgeml {

std::string quality_report_json(std::string_view component, std::string_view node, const QualityRecord& record,
                                const QualityVerdict& verdict, std::uint64_t suppressed = 0);

// At most one report per series per interval: a stream that stays out of
// range would otherwise double the messages it causes. The counts (stats,
// /metrics) still see every finding; a report says how many it stood for.
class QualityReportGate {
 public:
  explicit QualityReportGate(std::chrono::milliseconds interval = std::chrono::seconds(1),
                             std::size_t max_series = 10000);
  // True when a report for `series` may go at `now`; `suppressed` is then
  // the number held back since the series' last report.
  bool admit(const SeriesId& series, std::chrono::steady_clock::time_point now, std::uint64_t& suppressed);

 private:
  struct Gate {
    std::chrono::steady_clock::time_point last;
    std::uint64_t held = 0;
  };
  std::chrono::milliseconds interval_;
  std::size_t max_series_;
  std::map<SeriesId, Gate> gates_;  // forgotten all at once past max_series
};

nlohmann::json quality_counts_json(const QualityCounts& counts);
nlohmann::json quality_counts_json(const QualitySnapshot& snapshot);

}  // namespace edgeml
