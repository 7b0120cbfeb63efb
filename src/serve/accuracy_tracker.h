// The running scores of online accuracy (online_accuracy.h), one tracker per
// model and series. For one thread at a time: OnlineAccuracy's lock covers it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/alarm_event.h"
#include "protocol/reply.h"
#include "serve/model_accuracy.h"

namespace edgeml::serve {

// What a model version's predictions are scored with.
struct VersionFacts {
  std::string version;
  double offset = 0, scale = 1;
  std::optional<double> test_mae;
  std::uint32_t serial = 0;  // 0: none yet
};

// Predictions wait for their event by the serial of their version, not a
// copy of its facts; those of the last few versions can still be scored.
constexpr std::size_t kVersionsKept = 4;

// The scores of one model on one series: its versions' facts, the rolling
// window of its last errors, the running and weighted means, and its alert.
struct AccuracyTracker {
  std::string model, version;  // version: the one being scored
  SeriesId series;
  std::optional<double> test_mae;
  std::uint32_t scored_serial = 0;
  std::array<VersionFacts, kVersionsKept> versions;  // by serial % kVersionsKept
  std::uint32_t newest = 0;                          // serial of the last version remembered
  std::vector<double> window;  // a ring of the last errors
  std::size_t window_next = 0, window_count = 0;
  std::uint64_t scored = 0;
  double sum = 0, ewma = 0;
  bool alert = false;






  double window_mean() const;
  // A new version is scored from now on: its figures start afresh.
  void restart(std::string_view new_version);
  // The serial of the answer's version: the newest's, or a new one.
  std::uint32_t serial_of(const ModelAnswer& a);
  // Null when that version is no longer kept.
  const VersionFacts* facts(std::uint32_t serial) const;
  // One scored prediction's absolute error.
  void add(double error, double ewma_weight);
};

ModelAccuracy accuracy_figures(const AccuracyTracker& t);

}  // namespace edgeml::serve
