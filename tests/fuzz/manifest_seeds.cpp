// Writes fuzz_manifest's seeds into the directory given: manifests as
// `edgeml train` writes them (with training statistics) and as a deployment
// writes them (entries with labels of their own).
#include <utility>

#include "fuzz/serve_fuzzing.h"

int main(int argc, char** argv) {
  auto dir = edgeml::fuzz::seed_dir(argc, argv, "manifest_seeds");
  const std::pair<const char*, const char*> seeds[] = {
      {"trained.json", R"({"format": 1, "version": "aef3c99f0437",
 "label": {"offset": 1487508915, "scale": 1000, "unit": "1000 s after Unix time 1487508915"},
 "models": [{"name": "multi_var_LR", "version": "aef3c99f0437", "inputs": ["index", "value", "valueThreshold"],
             "test_mae": 1.418, "files": {"tflite": "multi_var_LR.tflite", "onnx": "multi_var_LR.onnx"}},
            {"name": "single_var", "version": "aef3c99f0437", "inputs": ["value"], "test_mae": null,
             "files": {"onnx": "single_var.onnx"}}],
 "data_statistics": {"rows": 1000, "bins": 3, "binning": "quantile", "features": {
   "index": {"count": 1000, "min": 0, "max": 999, "mean": 499.5, "bin_edges": [333, 666], "proportions": [0.333, 0.333, 0.334]},
   "value": {"count": 1000, "min": 200, "max": 260, "mean": 231.2, "bin_edges": [225, 235], "proportions": [0.3, 0.4, 0.3]},
   "valueThreshold": {"count": 1000, "min": 230, "max": 230, "mean": 230, "bin_edges": [], "proportions": [1]}}}})"},
      {"deployed.json", R"({"format": 1, "models": [
 {"name": "m", "version": "1", "inputs": ["value"], "files": {"tflite": "m.tflite"},
  "label": {"offset": 0, "scale": 1, "unit": "s"},
  "data_statistics": {"rows": 2, "bins": 2, "features": {"value": {"count": 2, "min": 1, "max": 2, "mean": 1.5,
                      "bin_edges": [1.5], "proportions": [0.5, 0.5]}}}},
 {"name": "bad", "version": "2", "inputs": ["other"], "files": {"tflite": "../escape.tflite"}}, 7]})"},
  };
  for (const auto& [name, text] : seeds) edgeml::fuzz::write_file(dir / name, text);
  return 0;
}
