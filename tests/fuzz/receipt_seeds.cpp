// Writes fuzz_receipt's seeds into the directory given: a response topic, a
// newline, then a receipt as collectors write them.
#include <utility>

#include "fuzz/serve_fuzzing.h"

int main(int argc, char** argv) {
  auto dir = edgeml::fuzz::seed_dir(argc, argv, "receipt_seeds");
  const std::pair<const char*, const char*> seeds[] = {
      {"ranges", "edgeml/receipts/edgeml-publisher-host-42/00e52dc0b5fe7d93\n1-200,203,205-210"},
      {"one", "edgeml/receipts/p/1\n7"},
      {"wide", "edgeml/receipts/p/1\n18446744073709551000-18446744073709551615"},
  };
  for (const auto& [name, text] : seeds) edgeml::fuzz::write_file(dir / name, text);
  return 0;
}
