// libFuzzer target: manifest.json as serving reads it (serve/manifest.h's
// read_manifest, the models it loads) and as the server's data-quality
// monitor reads the training statistics in it (core/reference_statistics.h).
// A node's manifest.json is also written from deployment packages' entries.
// The input is the file's content.
//
// Checked besides "throws only edgeml::Error, never crashes": a taken model
// has a name, a version, inputs, plain file names and a usable label, and
// taken statistics have strictly ascending bin edges, one share more than
// edges, and bins for every value.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/file_text.h"
#include "quality/reference_statistics.h"
#include "fuzz/serve_fuzzing.h"
#include "serve/manifest.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path manifest_file;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_manifest: %s\n", what);
  std::abort();
}

void check_models(const edgeml::serve::Manifest& manifest) {
  for (const auto& m : manifest.models) {
    if (m.info.name.empty() || m.info.version.empty()) fail("a taken model has no name or version");
    if (m.info.features.empty()) fail("a taken model has no inputs");
    if (m.files.empty()) fail("a taken model has no files");
    for (const std::string& file : m.files)
      if (file.empty() || fs::path(file).filename() != fs::path(file) || file == "." || file == "..")
        fail("a taken model's file is not a plain file name");
    const auto& label = m.info.label;
    if (!std::isfinite(label.offset) || !std::isfinite(label.scale) || label.scale == 0 || label.unit.empty())
      fail("a taken model's label is not usable");
    if (m.info.test_mae && !std::isfinite(*m.info.test_mae)) fail("a taken model's test MAE is not finite");
  }
}

void check_statistics(const edgeml::ReferenceStatistics& stats) {
  for (const auto& feature : stats.features) {
    if (!feature) continue;
    const auto& edges = feature->bin_edges;
    if (feature->proportions.size() != edges.size() + 1) fail("taken statistics have shares not one more than edges");
    for (std::size_t i = 1; i < edges.size(); ++i)
      if (!(edges[i - 1] < edges[i])) fail("taken statistics have bin edges that do not ascend");
    for (double x : {feature->min, feature->max, feature->mean, -1e308, 1e308})
      if (feature->bin_of(x) >= feature->bin_count()) fail("taken statistics put a value in no bin");
  }
}

// As the server finds the statistics to monitor with (Server::refresh_quality_reference).
void read_statistics() {
  json m = edgeml::read_json_file(manifest_file, edgeml::kMaxManifestBytes);
  json statistics;
  if (m.contains("data_statistics")) {
    statistics = m["data_statistics"];
  } else if (m.contains("models") && m["models"].is_array()) {
    for (const auto& entry : m["models"])
      if (entry.is_object() && entry.contains("data_statistics")) {
        statistics = entry["data_statistics"];
        break;
      }
  }
  if (statistics.is_null()) return;
  (void)statistics.dump();
  check_statistics(edgeml::reference_statistics_from_json(statistics));
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  manifest_file = edgeml::fuzz::scratch_dir("fuzz_manifest") / "manifest.json";
  std::atexit([] {
    std::error_code ec;
    fs::remove_all(manifest_file.parent_path(), ec);
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  edgeml::fuzz::write_file(manifest_file, std::string_view(reinterpret_cast<const char*>(data), size));
  try {
    check_models(edgeml::serve::read_manifest(manifest_file));
  } catch (const edgeml::Error&) {
  }
  try {
    read_statistics();
  } catch (const edgeml::Error&) {
  }
  return 0;
}
