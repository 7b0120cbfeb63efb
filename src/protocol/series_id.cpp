#include "protocol/series_id.h"

#include <array>

#include <fmt/format.h>

#include "core/csv.h"

namespace edgeml {

std::string SeriesId::path() const { return fmt::format("{}/{}/{}", station, datapoint, alarm); }

Status parse_series_path(std::string_view path, SeriesId& out) {
  std::array<std::string_view, 3> levels;
  if (split_fields(path, '/', levels) != levels.size())
    return Status::error("expected {station}/{datapoint}/{alarm}");
  for (std::string_view level : levels)
    if (level.empty()) return Status::error("a series level is empty");
  out.station.assign(levels[0]);
  out.datapoint.assign(levels[1]);
  out.alarm.assign(levels[2]);
  return Status::ok();
}

std::optional<SeriesId> parse_series_feature(std::string_view name) {
  SeriesId id;
  if (!name.starts_with(kSeriesFeaturePrefix) || !parse_series_path(name.substr(kSeriesFeaturePrefix.size()), id))
    return std::nullopt;
  return id;
}

}  // namespace edgeml
