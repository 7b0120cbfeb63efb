#include "ingest/synthetic.h"

#include <cmath>
#include <string>

namespace edgeml::ingest {

namespace {
// The tutorial's series starts here (Unix seconds) and fires every ~90 s.
constexpr double kStartTime = 1487441883;
constexpr double kMeanGapSeconds = 90;
}  // namespace

SyntheticSource::SyntheticSource(std::int64_t count, int series, std::uint64_t seed, std::int64_t first_station)
    : count_(count < 0 ? 0 : count), rng_(seed) {
  if (series < 1) series = 1;
  for (int k = 0; k < series; ++k) {
    SeriesState s;
    s.id = SeriesId{std::to_string(first_station + k), std::to_string(121 + k % 7), std::to_string(308 + k / 7)};
    s.time = kStartTime + k * 17;
    series_.push_back(std::move(s));
  }
}

// Our own mapping from the engine's bits, so every platform gives the same events.
double SyntheticSource::uniform() { return (static_cast<double>(rng_() >> 11) + 0.5) * 0x1.0p-53; }

bool SyntheticSource::next(AlarmEvent& e) {
  if (produced_ >= count_) return false;
  SeriesState& s = series_[static_cast<std::size_t>(produced_ % static_cast<std::int64_t>(series_.size()))];
  ++produced_;
  // Alarms come in bursts: mostly seconds apart, sometimes many minutes.
  double gap = uniform() < 0.6 ? 1 + std::floor(uniform() * 30) : std::ceil(-std::log(uniform()) * kMeanGapSeconds * 2);
  s.time += gap;
  e.series = s.id;
  e.index = s.index;
  e.event_time = s.time;
  double r = uniform();
  e.value = r < 0.8 ? 231 : (r < 0.9 ? 232 : 229);
  e.threshold = 230;
  e.active = uniform() < 0.95;
  s.index += 1;
  return true;
}

}  // namespace edgeml::ingest
