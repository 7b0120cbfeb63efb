#include "serve/online_accuracy.h"

#include <array>
#include <bit>
#include <cmath>
#include <map>
#include <tuple>
#include <unordered_map>

#include <fmt/format.h>

#include "core/error.h"
#include "serve/accuracy_tracker.h"

namespace edgeml::serve {

namespace {

using Tracker = AccuracyTracker;

auto as_tuple(std::string_view model, const SeriesId& s) {
  return std::tuple<std::string_view, std::string_view, std::string_view, std::string_view>(model, s.station,
                                                                                            s.datapoint, s.alarm);
}

std::uint64_t pending_key(const SeriesId& s, double index) {
  std::uint64_t hash = 1469598103934665603ull;
  auto mix = [&](std::string_view text) {
    for (char c : text) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    hash = (hash ^ 0xff) * 1099511628211ull;  // no two splits of the same characters hash alike
  };
  mix(s.station);
  mix(s.datapoint);
  mix(s.alarm);
  return (hash ^ std::bit_cast<std::uint64_t>(index == 0 ? 0.0 : index)) * 1099511628211ull;
}

struct TrackerKey {
  std::string model;
  SeriesId series;
};

struct KeyLess {
  using is_transparent = void;
  struct View {
    std::string_view model;
    const SeriesId& series;
  };
  static auto tie(const TrackerKey& k) { return as_tuple(k.model, k.series); }
  static auto tie(const View& v) { return as_tuple(v.model, v.series); }
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    return tie(a) < tie(b);
  }
};

struct Pending {
  struct Output {  // small: the ring holds thousands of requests' outputs
    Tracker* tracker = nullptr;
    std::uint32_t serial = 0;  // of the model version, in the tracker
    float output = 0;
  };
  SeriesId series;
  double index = 0;
  std::uint64_t key = 0;  // pending_key(series, index)
  bool live = false;
  std::vector<Output> outputs;  // reused: a slot's storage is kept
  std::size_t count = 0;        // outputs in use
};

}  // namespace

struct OnlineAccuracy::State {
  std::map<TrackerKey, std::unique_ptr<Tracker>, KeyLess> trackers;
  // Reserved whole and filled as requests come, so that memory follows use
  // up to the bound and never reallocates (slots keep their storage).
  std::vector<Pending> ring;
  std::size_t next_slot = 0;
  using PendingIndex = std::unordered_map<std::uint64_t, std::size_t>;
  PendingIndex pending_by_key;  // hash of (series, index) -> slot
  // Nodes taken out of the index, put back for the next key: remembering
  // allocates nothing once the ring has filled.
  std::vector<PendingIndex::node_type> spare_nodes;
  OnlineAccuracyCounts counts;

  // Adds `key`, which the index does not hold.
  void index(std::uint64_t key, std::size_t slot);
  void unindex(PendingIndex::iterator it) { spare_nodes.push_back(pending_by_key.extract(it)); }
  // Whether `slot` waits for this very request (keys may collide).
  bool waits_for(std::size_t slot, const SeriesId& series, double index) const {
    const Pending& p = ring[slot];
    return p.live && p.index == index && p.series == series;
  }

  Tracker* tracker_for(std::string_view model, const SeriesId& series, const OnlineAccuracyOptions& options);
};

OnlineAccuracy::OnlineAccuracy(OnlineAccuracyOptions options) : options_(options), state_(std::make_unique<State>()) {
  const auto& o = options_;
  if (o.remembered == 0) throw Error("online accuracy must remember at least one request");
  if (o.window == 0) throw Error("the online accuracy window must hold at least one prediction");
  if (!(o.ewma_weight > 0 && o.ewma_weight <= 1))
    throw Error(fmt::format("the weight of the newest error must be in (0, 1], not {}", o.ewma_weight));
  if (!(o.alert_multiple > 0) || !std::isfinite(o.alert_multiple))
    throw Error(fmt::format("the accuracy alert multiple must be a positive number, not {}", o.alert_multiple));
  state_->ring.reserve(o.remembered);
  state_->pending_by_key.reserve(o.remembered);
  state_->spare_nodes.reserve(o.remembered);
}

OnlineAccuracy::~OnlineAccuracy() = default;

Tracker* OnlineAccuracy::State::tracker_for(std::string_view model, const SeriesId& series,
                                            const OnlineAccuracyOptions& options) {
  if (auto it = trackers.find(KeyLess::View{model, series}); it != trackers.end()) return it->second.get();
  if (trackers.size() >= options.max_tracked) return nullptr;
  auto tracker = std::make_unique<Tracker>();
  tracker->model.assign(model);
  tracker->series = series;
  tracker->window.resize(options.window);
  Tracker* raw = tracker.get();
  trackers.emplace(TrackerKey{std::string(model), series}, std::move(tracker));
  return raw;
}

void OnlineAccuracy::State::index(std::uint64_t key, std::size_t slot) {
  if (!spare_nodes.empty()) {
    PendingIndex::node_type node = std::move(spare_nodes.back());
    spare_nodes.pop_back();
    node.key() = key;
    node.mapped() = slot;
    pending_by_key.insert(std::move(node));
  } else {
    pending_by_key.emplace(key, slot);
  }
}

void OnlineAccuracy::remember(const SeriesId& series, double index, std::span<const ModelAnswer> answers) {
  std::lock_guard lock(mutex_);
  State& st = *state_;
  const std::uint64_t key = pending_key(series, index);
  // The key's entry, whichever slot it names: pointed at the new slot below.
  const auto entry = st.pending_by_key.find(key);
  const bool indexed = entry != st.pending_by_key.end();
  if (indexed && st.waits_for(entry->second, series, index)) st.ring[entry->second].live = false;  // asked again
  const std::size_t slot = st.next_slot;
  st.next_slot = (st.next_slot + 1) % options_.remembered;
  if (slot == st.ring.size()) st.ring.emplace_back();
  Pending& p = st.ring[slot];
  if (p.live) {
    ++st.counts.forgotten;
    if (p.key != key)  // a key of its own: drop it (extracting it leaves `entry` valid)
      if (auto old = st.pending_by_key.find(p.key); old != st.pending_by_key.end() && old->second == slot)
        st.unindex(old);
  }
  p.series.station.assign(series.station);
  p.series.datapoint.assign(series.datapoint);
  p.series.alarm.assign(series.alarm);
  p.index = index;
  p.key = key;
  p.count = 0;
  for (const ModelAnswer& a : answers) {
    if (!a.error.empty() || !a.label) continue;
    Tracker* tracker = st.tracker_for(a.model, series, options_);
    if (!tracker) {
      ++st.counts.untracked;
      continue;
    }
    if (p.count == p.outputs.size()) p.outputs.emplace_back();
    Pending::Output& out = p.outputs[p.count++];
    out.tracker = tracker;
    out.serial = tracker->serial_of(a);
    out.output = a.output;
  }
  p.live = true;
  if (indexed) entry->second = slot;
  else st.index(key, slot);
  ++st.counts.remembered;
}

std::size_t OnlineAccuracy::observe(const SeriesId& series, double index, double event_time,
                                    std::vector<AccuracyAlert>& alerts) {
  std::lock_guard lock(mutex_);
  State& st = *state_;
  const auto entry = st.pending_by_key.find(pending_key(series, index));
  if (entry == st.pending_by_key.end() || !st.waits_for(entry->second, series, index)) {
    ++st.counts.unmatched;
    return 0;
  }
  Pending& p = st.ring[entry->second];
  p.live = false;
  st.unindex(entry);
  ++st.counts.scored;
  std::size_t scored = 0;
  for (std::size_t i = 0; i < p.count; ++i) {
    const Pending::Output& out = p.outputs[i];
    Tracker& t = *out.tracker;
    const VersionFacts* facts = t.facts(out.serial);
    // An older version than the one scored now, or one no longer kept: the
    // model has moved on, and its figures are the new version's.
    if (!facts || (out.serial < t.scored_serial && facts->version != t.version)) {
      ++st.counts.superseded;
      continue;
    }
    if (out.serial > t.scored_serial) {
      if (facts->version != t.version) {
        if (t.alert) alerts.push_back({accuracy_figures(t), false, options_.alert_multiple * t.test_mae.value_or(0)});
        t.restart(facts->version);
      }
      t.scored_serial = out.serial;
    }
    ++scored;
    t.test_mae = facts->test_mae;
    double truth = (event_time - facts->offset) / facts->scale;
    t.add(std::abs(static_cast<double>(out.output) - truth), options_.ewma_weight);
    if (!t.test_mae) continue;
    double bound = options_.alert_multiple * *t.test_mae;
    bool over = t.window_mean() > bound;
    if (!t.alert && over && t.window_count >= options_.alert_min_scored) {
      t.alert = true;
      alerts.push_back({accuracy_figures(t), true, bound});
    } else if (t.alert && !over) {
      t.alert = false;
      alerts.push_back({accuracy_figures(t), false, bound});
    }
  }
  return scored;
}

std::vector<ModelAccuracy> OnlineAccuracy::figures() const {
  std::lock_guard lock(mutex_);
  std::vector<ModelAccuracy> out;
  out.reserve(state_->trackers.size());
  for (const auto& [key, tracker] : state_->trackers)
    if (tracker->scored > 0) out.push_back(accuracy_figures(*tracker));
  return out;
}

OnlineAccuracyCounts OnlineAccuracy::counts() const {
  std::lock_guard lock(mutex_);
  return state_->counts;
}

}  // namespace edgeml::serve
