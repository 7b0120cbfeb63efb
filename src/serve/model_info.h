// What the server knows about a model besides its graph, and what it says
// about a file it could not load.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/label.h"

namespace edgeml::serve {

// A model input, filled from the request field of the same name.
enum class Feature { index, value, threshold };

// "index", "value", "valueThreshold": the names in requests and manifests.
const char* feature_name(Feature feature);
// Feature named `name`, or none.
std::optional<Feature> feature_named(std::string_view name);

struct ModelInfo {
  std::string name;
  std::string version;
  std::filesystem::path file;     // the file it was loaded from
  std::vector<Feature> features;  // the model's inputs in order
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
