// Writes fuzz_request_parser's seeds into the directory given: a topic, a
// newline, a payload, as the tutorial's clients and ours send them.
#include <string>
#include <utility>

#include "fuzz/serve_fuzzing.h"

int main(int argc, char** argv) {
  auto dir = edgeml::fuzz::seed_dir(argc, argv, "request_seeds");
  const std::pair<const char*, const char*> seeds[] = {
      {"csv", "request/1160629000/121/308\n100.0,231,230"},
      {"csv_spaces", "request/1160629000/121/308\n 1e3 , -2.5 ,+230\r\n"},
      {"json", R"(request/1160629000/121/308
{"index": 100, "value": 231, "valueThreshold": 230, "id": "a1"})"},
      {"json_number_id", R"(request/s/d/a
{"id": 12345678901234567890, "valueThreshold": 2.5e2, "index": -0, "value": 231.000001, "extra": [1, {"x": null}]})"},
      {"json_float_id", "request/s/d/a\n{\"index\": 1, \"value\": 2, \"valueThreshold\": 3, \"id\": 1.50}"},
  };
  for (const auto& [name, text] : seeds) edgeml::fuzz::write_file(dir / name, text);
  return 0;
}
