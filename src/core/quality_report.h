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
// when the payload could not be read). Counts go out with the stats as
// quality_counts_json(): {"records", "dropped", "findings": {"gap": 3, ...},
// "series": {"1160629000/121/308": {...the same...}}, "evicted": {...},
// "unattributed": {...}}.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/data_quality.h"

namespace edgeml {

inline constexpr std::string_view kQualityTopicPrefix = "edgeml/dq";

std::string quality_topic(const SeriesId& series);

std::string quality_report_json(std::string_view component, std::string_view node, const QualityRecord& record,
                                const QualityVerdict& verdict);

nlohmann::json quality_counts_json(const QualityCounts& counts);
nlohmann::json quality_counts_json(const QualitySnapshot& snapshot);

}  // namespace edgeml
