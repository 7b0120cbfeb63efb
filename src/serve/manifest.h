// The manifest.json `edgeml train` writes beside its models, as serving uses
// it: protocol/manifest.h reads the entries, this gives them as ModelInfo.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "protocol/manifest.h"
#include "serve/model_info.h"

namespace edgeml::serve {

struct ManifestModel {
  ModelInfo info;                  // all but file
  std::vector<std::string> files;  // plain file names in the manifest's directory, .tflite first
};

struct Manifest {
  std::vector<ManifestModel> models;
  std::vector<RejectedFile> bad_entries;  // entries that cannot be used, each with why
  std::vector<std::string> listed_files;  // every file name an entry lists, usable or not
};

// Throws Error naming the file when it cannot be used at all (unreadable, too
// big, not JSON, no "models" list or a bad "label").
Manifest read_manifest(const std::filesystem::path& path);

}  // namespace edgeml::serve
