#include <array>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

#include "core/csv.h"
#include "quality/data_quality_record.h"

namespace edgeml {

namespace {

// Whether `text` is a whole NaN or infinity as strtod spells them ("nan", "-inf", ...).
std::optional<double> non_finite_number(std::string_view text) {
  std::array<char, 32> buffer{};
  if (text.size() >= buffer.size()) return std::nullopt;
  std::copy(text.begin(), text.end(), buffer.begin());
  char* end = nullptr;
  double v = std::strtod(buffer.data(), &end);
  if (end != buffer.data() + text.size() || std::isfinite(v)) return std::nullopt;
  return v;
}

// Empty: absent. A number, NaN or infinity: kept. Anything else: a schema error.
void read_field(std::string_view text, const char* name, std::optional<double>& out, std::string& error) {
  text = trim_blanks(text);
  if (text.empty()) return;
  double v = 0;
  Status parsed = parse_number(text, name, v);
  if (parsed) out = v;
  else if (auto special = non_finite_number(text)) out = special;
  else if (error.empty()) error = parsed.reason();
}

}  // namespace

QualityRecord QualityRecord::from_event(const AlarmEvent& event) {
  QualityRecord r;
  r.series = event.series;
  r.index = event.index;
  r.event_time = event.event_time;
  r.value = event.value;
  r.threshold = event.threshold;
  return r;
}

std::optional<double> QualityRecord::feature(RecordFeature f) const {
  switch (f) {
    case RecordFeature::index: return index;
    case RecordFeature::value: return value;
    case RecordFeature::threshold: return threshold;
  }
  return std::nullopt;
}

QualityRecord read_alarm_record(std::string_view topic, std::string_view payload) {
  QualityRecord r;
  if (Status s = parse_series_topic(topic, r.series); !s) {
    r.series = {};
    r.schema_error = "topic: " + s.reason();
    return r;
  }
  if (payload.size() > kMaxPayloadBytes) {
    r.schema_error = fmt::format("payload is {} bytes, more than {}", payload.size(), kMaxPayloadBytes);
    return r;
  }
  if (!payload.empty() && payload.back() == '\n') payload.remove_suffix(1);
  std::array<std::string_view, 5> f;
  std::size_t n = split_csv(payload, f);
  if (n != f.size()) {
    r.schema_error =
        fmt::format("payload has {} fields, expected 5 (index,event_time,value,valueThreshold,isActive)", n);
    return r;
  }
  read_field(f[0], "index", r.index, r.schema_error);
  read_field(f[1], "event_time", r.event_time, r.schema_error);
  read_field(f[2], "value", r.value, r.schema_error);
  read_field(f[3], "valueThreshold", r.threshold, r.schema_error);
  bool active = false;
  if (Status s = parse_bool(f[4], "isActive", active); !s && r.schema_error.empty()) r.schema_error = s.reason();
  return r;
}

}  // namespace edgeml
