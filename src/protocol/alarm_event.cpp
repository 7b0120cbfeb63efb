#include "protocol/alarm_event.h"

#include <array>

#include <fmt/format.h>

#include "core/csv.h"

namespace edgeml {

std::string format_payload(const AlarmEvent& e) {
  return fmt::format("{},{},{},{},{}", format_python_float(e.index), format_python_float(e.event_time),
                     format_number(e.value), format_number(e.threshold), e.active ? "True" : "False");
}

static Status parse_measurements(std::string_view index, std::string_view time, std::string_view value,
                                 std::string_view threshold, std::string_view active, AlarmEvent& out) {
  if (Status s = parse_number(index, "index", out.index); !s) return s;
  if (Status s = parse_number(time, "event_time", out.event_time); !s) return s;
  if (Status s = parse_number(value, "value", out.value); !s) return s;
  if (Status s = parse_number(threshold, "valueThreshold", out.threshold); !s) return s;
  return parse_bool(active, "isActive", out.active);
}

Status parse_payload(std::string_view payload, AlarmEvent& out) {
  if (payload.empty()) return Status::error("payload is empty");
  if (payload.size() > kMaxPayloadBytes)
    return Status::error(fmt::format("payload is {} bytes, more than {}", payload.size(), kMaxPayloadBytes));
  if (!payload.empty() && payload.back() == '\n') payload.remove_suffix(1);
  std::array<std::string_view, 5> f;
  std::size_t n = split_csv(payload, f);
  if (n != f.size())
    return Status::error(fmt::format(
        "payload has {} fields, expected 5 (index,event_time,value,valueThreshold,isActive)", n));
  return parse_measurements(f[0], f[1], f[2], f[3], f[4], out);
}

Status parse_raw_line(std::string_view line, AlarmEvent& out) {
  std::array<std::string_view, 10> f;
  std::size_t n = split_csv(line, f);
  // Every raw line ends with a comma, giving an empty tenth field; accept it missing.
  if (n == 10 && !f[9].empty()) n = 11;
  if (n != 9 && n != 10)
    return Status::error(fmt::format("line has {} fields, expected 9 or 10 (index,old_idx,station_id,"
                                     "datapoint_id,alarm_id,event_time,value,valueThreshold,isActive,)",
                                     n));
  for (std::size_t i = 2; i < 5; ++i)
    if (f[i].empty()) return Status::error("a series id (station, datapoint or alarm) is empty");
  out.series = SeriesId{std::string(f[2]), std::string(f[3]), std::string(f[4])};
  return parse_measurements(f[0], f[5], f[6], f[7], f[8], out);
}

std::string format_raw_line(const AlarmEvent& e, long old_index) {
  return fmt::format("{},{},{},{},{},{},{},{},{},", format_number(e.index), old_index, e.series.station,
                     e.series.datapoint, e.series.alarm, format_number(e.event_time),
                     format_number(e.value), format_number(e.threshold), e.active ? "True" : "False");
}

}  // namespace edgeml
