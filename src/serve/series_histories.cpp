#include "serve/series_histories.h"

#include <algorithm>

#include "protocol/alarm_event.h"
#include "protocol/topics.h"

namespace edgeml::serve {

void SeriesHistories::observe(std::string_view topic, std::string_view payload) {
  AlarmEvent event;
  if (topic == kFinishTopic || !parse_series_topic(topic, event.series) || !parse_payload(payload, event)) return;
  add(event.series, {event.index, event.event_time});
}

void SeriesHistories::add(const SeriesId& series, PastEvent event) {
  std::lock_guard lock(mutex_);
  auto it = series_.find(series);
  if (it == series_.end()) {
    if (series_.size() >= max_series_) {
      ++refused_;
      return;
    }
    it = series_.emplace(series, SeriesHistory{}).first;
  }
  it->second.add(event);
  ++taken_;
}

std::span<const PastEvent> SeriesHistories::past(const SeriesId& series, double index, PastBuffer& out) const {
  std::lock_guard lock(mutex_);
  auto it = series_.find(series);
  if (it == series_.end()) return {};
  std::span<const PastEvent> kept = it->second.before(index);
  std::copy(kept.begin(), kept.end(), out.begin());
  return {out.data(), kept.size()};
}

}  // namespace edgeml::serve
