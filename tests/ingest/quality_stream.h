// The alarm messages the collector's data-quality tests send: one series, a
// clean event a minute, with three bad records injected.
#pragma once

#include <string>
#include <vector>

#include <fmt/format.h>

namespace edgeml::test {

struct AlarmMessage {
  std::string topic, payload;
};

inline const std::string kQualitySeries = "1160629000/121/308";

// Index 0..29 a minute apart, except that index 10's value is nan (not_finite:
// dropped) and index 20's is empty (missing: dropped); then index 30 with the
// event_time of index 5 (time_backwards: flagged, stored). 29 events to store.
inline std::vector<AlarmMessage> quality_test_stream() {
  constexpr double kStart = 1487441883;
  const std::string topic = "alarm/" + kQualitySeries;
  std::vector<AlarmMessage> messages;
  for (int i = 0; i < 30; ++i) {
    std::string value = i == 10 ? "nan" : i == 20 ? "" : std::to_string(225 + i % 7);
    messages.push_back({topic, fmt::format("{}.0,{}.0,{},230,True", i, kStart + 60 * i, value)});
  }
  messages.push_back({topic, fmt::format("30.0,{}.0,231,230,True", kStart + 60 * 5)});
  return messages;
}

}  // namespace edgeml::test
