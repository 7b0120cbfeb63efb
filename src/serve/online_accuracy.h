// How right the served models turn out to be, measured as the truth arrives.
// A request asks when the alarm event with its series and index will happen;
// that event later comes on the sensor stream (alarm/{series}). Each answered
// request is remembered, and when its event arrives every model's output is
// scored against the event's label, (event_time - offset) / scale, the unit
// the model was trained and tested in. Per model and series this keeps the
// mean absolute error over the last N scored predictions, an exponentially
// weighted one, and the mean since the model's version first scored; an
// alert is raised when the last-N mean exceeds a multiple of the model's
// test MAE from its manifest, and cleared when it falls back.
//
// The figures are those of the model's version scored last; a new version
// starts them afresh. A prediction by an older version whose event comes
// after a newer one has scored is not scored (superseded), as it is not when
// more than a few versions followed it before its event came.
//
// Bounded: the predictions waiting for their event are a fixed ring (the
// oldest forgotten first), and the (model, series) pairs tracked are capped.
// Every call takes one lock: remember() comes from the request worker,
// observe() from the sensor stream's thread, figures() from any.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "protocol/alarm_event.h"
#include "protocol/reply.h"
#include "serve/model_accuracy.h"

namespace edgeml::serve {

struct OnlineAccuracyOptions {
  std::size_t remembered = 10000;  // requests waiting for their event
  std::size_t window = 100;        // scored predictions in the rolling mean
  double ewma_weight = 0.05;       // of the newest error in the weighted mean
  double alert_multiple = 2.0;     // of the test MAE that the rolling mean may reach
  std::size_t alert_min_scored = 20;  // in the window before an alert can be raised
  std::size_t max_tracked = 1000;  // (model, series) pairs
};

// An alert raised or cleared by one observation.
struct AccuracyAlert {
  ModelAccuracy figures;  // as they were when it changed
  bool raised = false;    // false: cleared
  double bound = 0;       // alert_multiple * test MAE
};

struct OnlineAccuracyCounts {
  std::uint64_t remembered = 0;  // requests remembered
  std::uint64_t scored = 0;      // events that matched a remembered request
  std::uint64_t unmatched = 0;   // events that matched none
  std::uint64_t forgotten = 0;   // requests dropped from the ring before their event came
  std::uint64_t untracked = 0;   // predictions not scored: too many (model, series) pairs
  std::uint64_t superseded = 0;  // predictions not scored: a newer version of their model scored first
};

class OnlineAccuracy {
 public:
  // Throws Error on options out of range.
  explicit OnlineAccuracy(OnlineAccuracyOptions options = {});
  ~OnlineAccuracy();

  // After a reply: the answers that have an output are remembered. A request
  // for a series and index already waiting replaces it.
  void remember(const SeriesId& series, double index, std::span<const ModelAnswer> answers);
  // An alarm event: scores what was remembered for it, once; alerts raised or
  // cleared are appended to `alerts`. Returns the number of outputs scored.
  std::size_t observe(const SeriesId& series, double index, double event_time, std::vector<AccuracyAlert>& alerts);

  std::vector<ModelAccuracy> figures() const;
  OnlineAccuracyCounts counts() const;
  const OnlineAccuracyOptions& options() const { return options_; }

 private:
  struct State;  // the ring of requests and the trackers

  OnlineAccuracyOptions options_;
  mutable std::mutex mutex_;  // for figures() and counts() from other threads
  std::unique_ptr<State> state_;
};

}  // namespace edgeml::serve
