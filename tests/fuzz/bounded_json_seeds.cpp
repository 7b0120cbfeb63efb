// Writes fuzz_bounded_json's seeds into the directory given: JSON texts
// (first byte 0) and their CBOR (first byte 1), shaped like what edgeml
// reads: stats, alerts, requests, manifests.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fuzz/serve_fuzzing.h"

int main(int argc, char** argv) {
  auto dir = edgeml::fuzz::seed_dir(argc, argv, "bounded_json_seeds");
  const std::vector<std::string> texts = {
      R"({"index": 100, "value": 231, "valueThreshold": 230, "id": "a1"})",
      R"({"node": "edge-1", "time": "2026-11-26T17:20:05Z", "interval_s": 5.0, "latency_ms": {"count": 1000, "p50": 0.05},
          "models": [{"name": "multi_var_LR", "version": "aef3c99f0437", "load_s": 0.0012}], "ok": true, "none": null})",
      R"([1, -2, 3.5e-7, 1E+300, "\u00e9\ud83d\ude00\n", [[[]]], {}])",
      R"("text")",
  };
  int n = 0;
  for (const std::string& text : texts) {
    edgeml::fuzz::write_file(dir / ("json_" + std::to_string(n)), std::string(1, '\0') + text);
    std::vector<std::uint8_t> cbor = nlohmann::json::to_cbor(nlohmann::json::parse(text));
    edgeml::fuzz::write_file(dir / ("cbor_" + std::to_string(n++)), "\x01" + std::string(cbor.begin(), cbor.end()));
  }
  return 0;
}
