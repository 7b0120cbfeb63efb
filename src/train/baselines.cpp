#include "train/baselines.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace edgeml::train {

namespace {

// Gaps between the training rows' consecutive events of each series, in seconds.
std::vector<double> training_gaps(const EventTable& train) {
  std::vector<double> gaps;
  for (const auto& [series, events] : series_events({&train}))
    for (std::size_t i = 1; i < events.size(); ++i) gaps.push_back(events[i].event_time - events[i - 1].event_time);
  return gaps;
}

}  // namespace

std::vector<Forecast> naive_forecasts(const TrainingData& data) {
  std::vector<double> gaps = training_gaps(data.train);
  const SeriesPast events = series_events({&data.train, &data.test});
  const Examples past = make_examples(data.test, {"prev_time", "gap_1"}, data.label, &events);
  if (gaps.empty() || past.rows.empty()) return {};
  const double median_gap = median(gaps) / data.label.scale;
  double last_sum = 0, median_sum = 0;
  for (Eigen::Index r = 0; r < past.x.rows(); ++r) {
    const double prev_time = past.x(r, 0), truth = past.y(r);
    last_sum += std::fabs(prev_time + past.x(r, 1) - truth);
    median_sum += std::fabs(prev_time + median_gap - truth);
  }
  const auto n = static_cast<double>(past.rows.size());
  return {{"last gap", "the last event's time plus the gap before it", past.rows.size(), last_sum / n},
          {"median gap", fmt::format("the last event's time plus the training rows' median gap, {:g} s",
                                     median_gap * data.label.scale),
           past.rows.size(), median_sum / n}};
}

}  // namespace edgeml::train
