// Model inputs derived from a series' past: what the events before a row say
// about when the row's event comes. A manifest names them among a model's
// inputs; `edgeml train` computes them for its rows and `edgeml serve` for
// its requests with this one code, from the events of the same series with
// a lower index (the tutorial's index counts a series' events in order).
//
//   prev_time       the last past event's time, in label units ((t - offset) / scale)
//   gap_K           the K-th most recent gap between past events (K = 1..16), in label units
//   mean_gap_K      the mean of the K most recent gaps (K = 2..63)
//   median_gap_K    their median
//   index_step      the row's index less the last past event's (1 when none is missing)
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace edgeml {

// The most past events any feature reads, and so the most a history keeps.
inline constexpr std::size_t kMaxPastEvents = 64;

struct PastEvent {
  double index = 0;
  double event_time = 0;  // Unix seconds
};

enum class PastFeatureKind { prev_time, gap, mean_gap, median_gap, index_step };

struct PastFeature {
  PastFeatureKind kind = PastFeatureKind::prev_time;
  int k = 0;  // gaps read by gap_K, mean_gap_K and median_gap_K

  // Past events the feature needs: prev_time and index_step 1, gap_K K + 1.
  std::size_t events_needed() const;
};

// The feature a name denotes; nullopt for any other name.
std::optional<PastFeature> parse_past_feature(std::string_view name);
// The feature's name, as parse_past_feature() reads it.
std::string past_feature_name(const PastFeature& feature);
// Names of every kind, for messages: "prev_time, gap_K (K 1-16), ...".
std::string past_feature_names();

struct LabelScale {
  double offset = 0, scale = 1;
};

// The feature's value for a row at `index` whose past events are `past`
// (ascending index, each below `index`, the most recent last); nullopt when
// there are fewer than it needs.
std::optional<double> past_feature_value(const PastFeature& feature, std::span<const PastEvent> past, double index,
                                         LabelScale label);

// The events of `ascending` (sorted by index) below `index`, the most recent
// kMaxPastEvents of them: a row's past in training, a request's in serving.
std::span<const PastEvent> recent_past(std::span<const PastEvent> ascending, double index);

// The median of `values`, which it reorders; 0 for none.
double median(std::span<double> values);

// The recent events of one series, kept in index order, at most
// kMaxPastEvents of them: adding beyond that forgets the oldest. An event of
// an index already kept replaces it (a replayed event is not a new one).
class SeriesHistory {
 public:
  void add(PastEvent event);
  // The kept events with an index below `index`, ascending.
  std::span<const PastEvent> before(double index) const;
  std::size_t size() const { return events_.size(); }

 private:
  std::vector<PastEvent> events_;
};

}  // namespace edgeml
