// How fast a server answers: each reply's latency from arrival to publish,
// and each model's inference time, since the start and since the last stats.
// The request worker records; the stats and /metrics read.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "core/latency_summary.h"
#include "serve/model_set.h"
#include "serve/node_stats.h"

namespace edgeml::serve {

class ServingFigures {
 public:
  // One reply: its latency, and per model of `set` (in its order) the time
  // its inference took. Takes one lock; allocates only on a set's first use.
  void record(const std::shared_ptr<const ModelSet>& set, LatencySummary::Duration latency,
              std::span<const LatencySummary::Duration> inference);
  // The last reload's duration (0: none yet).
  void set_last_reload(double seconds);

  // Fills the stats' latency, inference and reload figures.
  void fill(NodeStats& stats) const;
  // Starts a new interval: what was recorded since the last call joins the
  // figures since the start.
  void start_interval();

 private:
  struct Times {
    LatencySummary all, interval;  // up to the interval; since the last stats
  };
  void point_at(const std::shared_ptr<const ModelSet>& set);  // under mutex_

  mutable std::mutex mutex_;
  Times latency_;
  std::map<std::string, Times, std::less<>> inference_;  // by model name; entries stay
  double last_reload_seconds_ = 0;
  // Per model of timed_set_, where its times are kept. The set is held so
  // that its address cannot be reused by a later one.
  std::shared_ptr<const ModelSet> timed_set_;
  std::vector<Times*> times_;
};

}  // namespace edgeml::serve
