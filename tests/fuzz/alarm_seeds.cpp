// Writes fuzz_alarm_payload's seeds into the directory given: a topic, a
// newline, then a payload or a raw line, as in the tutorial's data.
#include <utility>

#include "fuzz/serve_fuzzing.h"

int main(int argc, char** argv) {
  auto dir = edgeml::fuzz::seed_dir(argc, argv, "alarm_seeds");
  const std::pair<const char*, const char*> seeds[] = {
      {"payload", "alarm/1160629000/121/308\n0.0,1487441883.0,231,230,True"},
      {"payload_newline", "alarm/1160629000/121/308\n17.0,1487441890.5,-2.25e3, 230 ,false\r\n"},
      {"raw_line", "edge/site/1160629000/121/308\n0,5,1160629000,121,308,1487441883.0,231,230,True,"},
      {"finish", "alarm/finish\nTrue"},
  };
  for (const auto& [name, text] : seeds) edgeml::fuzz::write_file(dir / name, text);
  return 0;
}
