#include "protocol/past_features.h"

#include <algorithm>
#include <array>
#include <charconv>

#include <fmt/format.h>

namespace edgeml {

namespace {

constexpr int kMaxGap = 16;
constexpr int kMaxWindow = static_cast<int>(kMaxPastEvents) - 1;

// "gap_12" with prefix "gap_": 12, if it is a whole number in [low, high].
std::optional<int> numbered(std::string_view name, std::string_view prefix, int low, int high) {
  if (!name.starts_with(prefix)) return std::nullopt;
  std::string_view digits = name.substr(prefix.size());
  int k = 0;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), k);
  if (error != std::errc() || end != digits.data() + digits.size() || digits.starts_with('0') || k < low || k > high)
    return std::nullopt;
  return k;
}

// The most recent `k` gaps in label units, in a buffer of its own: serving
// computes features for every request and allocates nothing doing so.
using Gaps = std::array<double, kMaxPastEvents>;
std::span<double> recent_gaps(std::span<const PastEvent> past, int k, double scale, Gaps& gaps) {
  const std::size_t first = past.size() - static_cast<std::size_t>(k);
  for (std::size_t i = first; i < past.size(); ++i) gaps[i - first] = (past[i].event_time - past[i - 1].event_time) / scale;
  return {gaps.data(), static_cast<std::size_t>(k)};
}

}  // namespace

double median(std::span<double> values) {
  if (values.empty()) return 0;
  auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
  std::nth_element(values.begin(), middle, values.end());
  double upper = *middle;
  if (values.size() % 2 == 1) return upper;
  return (*std::max_element(values.begin(), middle) + upper) / 2;
}

std::span<const PastEvent> recent_past(std::span<const PastEvent> ascending, double index) {
  auto end = std::lower_bound(ascending.begin(), ascending.end(), index,
                              [](const PastEvent& e, double i) { return e.index < i; });
  const auto kept = std::min<std::ptrdiff_t>(end - ascending.begin(), static_cast<std::ptrdiff_t>(kMaxPastEvents));
  return {end - kept, end};
}

std::size_t PastFeature::events_needed() const {
  return kind == PastFeatureKind::prev_time || kind == PastFeatureKind::index_step ? 1 : static_cast<std::size_t>(k) + 1;
}

std::optional<PastFeature> parse_past_feature(std::string_view name) {
  if (name == "prev_time") return PastFeature{PastFeatureKind::prev_time, 0};
  if (name == "index_step") return PastFeature{PastFeatureKind::index_step, 0};
  if (auto k = numbered(name, "gap_", 1, kMaxGap)) return PastFeature{PastFeatureKind::gap, *k};
  if (auto k = numbered(name, "mean_gap_", 2, kMaxWindow)) return PastFeature{PastFeatureKind::mean_gap, *k};
  if (auto k = numbered(name, "median_gap_", 2, kMaxWindow)) return PastFeature{PastFeatureKind::median_gap, *k};
  return std::nullopt;
}

std::string past_feature_name(const PastFeature& feature) {
  switch (feature.kind) {
    case PastFeatureKind::prev_time: return "prev_time";
    case PastFeatureKind::index_step: return "index_step";
    case PastFeatureKind::gap: return fmt::format("gap_{}", feature.k);
    case PastFeatureKind::mean_gap: return fmt::format("mean_gap_{}", feature.k);
    case PastFeatureKind::median_gap: return fmt::format("median_gap_{}", feature.k);
  }
  return "?";
}

std::string past_feature_names() {
  return fmt::format("prev_time, index_step, gap_K (K 1-{}), mean_gap_K and median_gap_K (K 2-{})", kMaxGap, kMaxWindow);
}

std::optional<double> past_feature_value(const PastFeature& feature, std::span<const PastEvent> past, double index,
                                         LabelScale label) {
  if (past.size() < feature.events_needed()) return std::nullopt;
  const PastEvent& last = past.back();
  Gaps buffer;
  switch (feature.kind) {
    case PastFeatureKind::prev_time: return (last.event_time - label.offset) / label.scale;
    case PastFeatureKind::index_step: return index - last.index;
    case PastFeatureKind::gap: return recent_gaps(past, feature.k, label.scale, buffer).front();
    case PastFeatureKind::mean_gap: {
      double sum = 0;
      for (double g : recent_gaps(past, feature.k, label.scale, buffer)) sum += g;
      return sum / feature.k;
    }
    case PastFeatureKind::median_gap: return median(recent_gaps(past, feature.k, label.scale, buffer));
  }
  return std::nullopt;
}

void SeriesHistory::add(PastEvent event) {
  auto at = std::lower_bound(events_.begin(), events_.end(), event.index,
                             [](const PastEvent& e, double index) { return e.index < index; });
  if (at != events_.end() && at->index == event.index) {
    *at = event;
    return;
  }
  // Older than every kept event of a full history: it would be forgotten at once.
  if (events_.size() == kMaxPastEvents && at == events_.begin()) return;
  events_.insert(at, event);
  if (events_.size() > kMaxPastEvents) events_.erase(events_.begin());
}

std::span<const PastEvent> SeriesHistory::before(double index) const { return recent_past(events_, index); }

}  // namespace edgeml
