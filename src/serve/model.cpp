#include "serve/model.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace edgeml::serve {

namespace {

constexpr std::array<const char*, 3> kFeatureNames = {"index", "value", "valueThreshold"};

std::optional<double> feature_value(const Feature& feature, const Request& r, std::span<const PastEvent> past,
                                    LabelScale label) {
  switch (feature.source) {
    case Feature::Source::index: return r.index;
    case Feature::Source::value: return r.value;
    case Feature::Source::threshold: return r.threshold;
    case Feature::Source::past: return past_feature_value(feature.past, past, r.index, label);
    case Feature::Source::series: return r.series == feature.series ? 1.0 : 0.0;
  }
  return std::nullopt;
}

// The tutorial's request example: every model is warmed and checked on it.
Request probe_request() {
  Request r;
  r.index = 100;
  r.value = 231;
  r.threshold = 230;
  return r;
}

// The probe's past: a full history of events a minute apart, the last one
// at the label's zero, so that models of the past are checked as well.
std::array<PastEvent, kMaxPastEvents> probe_past(const Label& label) {
  std::array<PastEvent, kMaxPastEvents> past;
  for (std::size_t i = 0; i < past.size(); ++i) {
    const double before = static_cast<double>(past.size() - i);
    past[i] = {100 - before, label.offset - 60 * (before - 1)};
  }
  return past;
}

}  // namespace

std::string feature_name(const Feature& feature) {
  if (feature.source == Feature::Source::past) return past_feature_name(feature.past);
  if (feature.source == Feature::Source::series) return std::string(kSeriesFeaturePrefix) + feature.series.path();
  return kFeatureNames[static_cast<std::size_t>(feature.source)];
}

std::optional<Feature> feature_named(std::string_view name) {
  for (std::size_t i = 0; i < kFeatureNames.size(); ++i)
    if (name == kFeatureNames[i]) return Feature{static_cast<Feature::Source>(i), {}, {}};
  if (std::optional<PastFeature> past = parse_past_feature(name)) return Feature{Feature::Source::past, *past, {}};
  if (std::optional<SeriesId> series = parse_series_feature(name)) return Feature{Feature::Source::series, {}, *series};
  return std::nullopt;
}

std::string content_version(std::span<const std::uint8_t> bytes) {
  std::uint64_t hash = 0xcbf29ce484222325ull;  // FNV-1a 64
  for (std::uint8_t b : bytes) {
    hash ^= b;
    hash *= 0x100000001b3ull;
  }
  return fmt::format("{:012x}", hash >> 16);
}

Model::Model(ModelInfo info, runtime::Graph graph, const ModelLimits& limits, runtime::KernelOptions kernels,
             std::chrono::steady_clock::time_point load_started)
    : info_(std::move(info)),
      answer_text_(make_answer_text(info_.name, info_.version, info_.label)),
      interpreter_(std::move(graph), kernels, limits.budget) {
  const runtime::Graph& g = interpreter_.graph();
  if (g.inputs.size() != 1 || g.outputs.size() != 1)
    throw Error(fmt::format("it has {} inputs and {} outputs; a model takes one of each", g.inputs.size(),
                            g.outputs.size()));
  input_ = interpreter_.input(0);
  output_ = interpreter_.output(0);
  std::vector<std::string> names;
  for (const Feature& f : info_.features) {
    names.push_back(feature_name(f));
    if (f.source == Feature::Source::past) info_.past_needed = std::max(info_.past_needed, f.past.events_needed());
  }
  if (input_.size() != info_.features.size())
    throw Error(fmt::format("its input takes {} values, but its inputs are {} ({})", input_.size(), names.size(),
                            fmt::join(names, ", ")));
  if (output_.size() != 1) throw Error(fmt::format("its output has {} values; a model gives 1", output_.size()));
  if (limits.admit) limits.admit(cost());
  run_probe(limits.probe_limit);
  info_.load_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - load_started).count();
}

// The probe cannot be stopped once it runs: it is timed, and refused after.
void Model::run_probe(std::chrono::nanoseconds limit) {
  float probe = 0;
  const auto past = probe_past(info_.label);
  const auto started = std::chrono::steady_clock::now();
  if (Status s = predict(probe_request(), past, probe); !s)
    throw Error(fmt::format("probe inference on index 100, value 231, valueThreshold 230: {}", s.reason()));
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
  if (took > limit)
    throw Error(fmt::format("its probe inference took {:.3g} s, over the limit of {:.3g} s", took.count(),
                            std::chrono::duration<double>(limit).count()));
}

Status Model::predict(const Request& request, std::span<const PastEvent> past, float& output) const {
  if (past.size() < info_.past_needed)
    return Status::error(fmt::format("its inputs read {} past events of the series before index {:g}; the server has "
                                     "seen {}", info_.past_needed, request.index, past.size()));
  const LabelScale label{info_.label.offset, info_.label.scale};
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < input_.size(); ++i)
    input_[i] = static_cast<float>(*feature_value(info_.features[i], request, past, label));
  interpreter_.invoke();
  output = output_[0];
  if (!std::isfinite(output)) return Status::error(fmt::format("output {} is not finite", output));
  return Status::ok();
}

}  // namespace edgeml::serve
