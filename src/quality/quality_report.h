// How data-quality findings leave a process, the same from the collector and
// the server. A record that is flagged or dropped is published on its
// series' quality_topic() (protocol/topics.h; an unattributed one when its
// topic named no series) as one JSON object, quality_report_json(): its
// fields and an example in docs/examples.md (checked by tests/docs). Counts
// go out with the stats as quality_counts_json() (docs/node-stats.md).
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
