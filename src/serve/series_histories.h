// The recent events of every series a server sees on the sensor topics,
// for the models whose inputs read a series' past (protocol/past_features.h).
// Sensor events are added as they arrive; a request's past is copied out
// before its models run, so the two threads share only a short lock. At most
// `max_series` series are kept (1 KiB each): an event of another series once
// that many are kept is counted and left out, so a flood of made-up series
// cannot grow memory.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <span>
#include <string_view>

#include "protocol/past_features.h"
#include "protocol/series_id.h"

namespace edgeml::serve {

using PastBuffer = std::array<PastEvent, kMaxPastEvents>;

class SeriesHistories {
 public:
  static constexpr std::size_t kDefaultMaxSeries = 1024;

  explicit SeriesHistories(std::size_t max_series = kDefaultMaxSeries) : max_series_(max_series) {}

  // An alarm event's topic and payload; anything else is ignored (the
  // monitoring counts unreadable events).
  void observe(std::string_view topic, std::string_view payload);
  void add(const SeriesId& series, PastEvent event);
  // The kept events of `series` below `index`, ascending, copied into `out`:
  // the span of `out` they fill.
  std::span<const PastEvent> past(const SeriesId& series, double index, PastBuffer& out) const;

  std::uint64_t events_taken() const { return taken_.load(); }
  std::uint64_t events_refused() const { return refused_.load(); }  // of series beyond max_series

 private:
  const std::size_t max_series_;
  mutable std::mutex mutex_;
  std::map<SeriesId, SeriesHistory> series_;
  std::atomic<std::uint64_t> taken_{0}, refused_{0};
};

}  // namespace edgeml::serve
