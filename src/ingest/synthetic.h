// Synthetic BTS-like alarm events, for the demo and tests when no file is given.
// The same seed gives the same events.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "protocol/alarm_event.h"

namespace edgeml::ingest {

class SyntheticSource {
 public:
  // The tutorial's station; series k is of station first_station + k.
  static constexpr std::int64_t kTutorialStation = 1160629000;

  // `count` events in all, spread round-robin over `series` series.
  SyntheticSource(std::int64_t count, int series, std::uint64_t seed, std::int64_t first_station = kTutorialStation);

  bool next(AlarmEvent& event);
  std::int64_t total() const { return count_; }

 private:
  struct SeriesState {
    SeriesId id;
    double index = 0;
    double time = 0;
  };
  double uniform();

  std::int64_t count_;
  std::int64_t produced_ = 0;
  std::mt19937_64 rng_;
  std::vector<SeriesState> series_;
};

}  // namespace edgeml::ingest
