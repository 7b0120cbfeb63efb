// What the server knows about a model besides its graph, and what it says
// about a file it could not load.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/label.h"
#include "protocol/past_features.h"
#include "protocol/series_id.h"

namespace edgeml::serve {

// A model input: the request field of the same name, a feature of the past
// of the request's series (protocol/past_features.h), or 1 when the request
// is of a given series and 0 when not (a pooled model's series:S).
struct Feature {
  enum class Source { index, value, threshold, past, series };
  Source source = Source::index;
  PastFeature past;  // when source is past
  SeriesId series;   // when source is series

  static Feature index() { return {Source::index, {}, {}}; }
  static Feature value() { return {Source::value, {}, {}}; }
  static Feature threshold() { return {Source::threshold, {}, {}}; }
  bool operator==(const Feature& other) const {
    return source == other.source && (source != Source::past || (past.kind == other.past.kind && past.k == other.past.k)) &&
           (source != Source::series || series == other.series);
  }
};

// "index", "value", "valueThreshold", or the past feature's name, as
// requests and manifests name them.
std::string feature_name(const Feature& feature);
// Feature named `name`, or none.
std::optional<Feature> feature_named(std::string_view name);

struct ModelInfo {
  std::string name;
  std::string version;
  std::filesystem::path file;     // the file it was loaded from
  std::vector<Feature> features;  // the model's inputs in order
  std::size_t past_needed = 0;    // past events of the request's series its features read
  std::optional<SeriesId> series;  // the one series whose requests it answers; none: any
  std::optional<double> test_mae;
  Label label;
  bool from_manifest = false;
  double load_seconds = 0;  // reading, checking, planning and warming it
};

struct RejectedFile {
  std::filesystem::path file;
  std::string reason;
  std::string model;  // the model it would have given, when known
};

}  // namespace edgeml::serve
