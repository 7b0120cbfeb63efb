// libFuzzer target: alarm events as collectors and `edgeml serve` get them
// (core/alarm_event.h): the topic alarm/{station}/{datapoint}/{alarm} and the
// payload "index,event_time,value,valueThreshold,isActive", and the sensor's
// raw line. The input is the topic, a newline, then the payload, which is
// also read as a raw line.
//
// Checked besides "never throws, never crashes": a taken event writes
// (format_payload, format_raw_line, alarm_topic) as text that reads back as
// the same event.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "protocol/alarm_event.h"
#include "fuzz/serve_fuzzing.h"

namespace {

using edgeml::AlarmEvent;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_alarm_payload: %s\n", what);
  std::abort();
}

bool same_measurements(const AlarmEvent& a, const AlarmEvent& b) {
  return a.index == b.index && a.event_time == b.event_time && a.value == b.value && a.threshold == b.threshold &&
         a.active == b.active;
}

void check_finite(const AlarmEvent& e) {
  if (!std::isfinite(e.index) || !std::isfinite(e.event_time) || !std::isfinite(e.value) || !std::isfinite(e.threshold))
    fail("a taken event holds a number that is not finite");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto [topic, payload] = edgeml::fuzz::split_first_line({reinterpret_cast<const char*>(data), size});

  edgeml::SeriesId series;
  if (edgeml::parse_series_topic(topic, series)) {
    if (series.station.empty() || series.datapoint.empty() || series.alarm.empty())
      fail("a taken topic has an empty series level");
    edgeml::SeriesId again;
    if (!edgeml::parse_series_topic(edgeml::alarm_topic(series), again) || again != series)
      fail("alarm_topic of a taken series reads back as another series");
  }

  AlarmEvent event;
  if (edgeml::parse_payload(payload, event)) {
    check_finite(event);
    AlarmEvent again;
    if (!edgeml::parse_payload(edgeml::format_payload(event), again) || !same_measurements(event, again))
      fail("format_payload of a taken payload reads back as another event");
  }

  AlarmEvent raw;
  if (edgeml::parse_raw_line(payload, raw)) {
    check_finite(raw);
    AlarmEvent again;
    if (!edgeml::parse_raw_line(edgeml::format_raw_line(raw, 7), again) || !same_measurements(raw, again) ||
        again.series != raw.series)
      fail("format_raw_line of a taken raw line reads back as another event");
  }
  return 0;
}
