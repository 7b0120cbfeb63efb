// libFuzzer target: store receipts as a publisher gets them from collectors
// (protocol/receipt.h): the payload "1-200,203" and the Correlation Data and
// response topic a collector reads off each event. The input is a topic, a
// newline, then the payload, which is also read as a sequence number.
//
// Checked besides "never throws, never crashes": a taken receipt names at
// most as many numbers as its cap allows, and writes (encode_receipt) as
// text that reads back as the same numbers.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "fuzz/serve_fuzzing.h"
#include "protocol/receipt.h"

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_receipt: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto [topic, payload] = edgeml::fuzz::split_first_line(input);
  (void)edgeml::is_receipt_topic(topic);
  std::uint64_t sequence = 0;
  if (edgeml::parse_sequence(payload, sequence) &&
      edgeml::sequence_correlation(sequence) != std::string(payload) && payload.front() != '0')
    fail("a sequence number reads back differently");

  std::vector<std::uint64_t> numbers;
  if (!edgeml::decode_receipt(payload, numbers)) return 0;
  if (numbers.size() > edgeml::kMaxReceiptBytes) fail("a receipt named more numbers than its cap");
  std::vector<std::uint64_t> again;
  if (!edgeml::decode_receipt(edgeml::encode_receipt(numbers), again)) fail("an encoded receipt is refused");
  std::sort(numbers.begin(), numbers.end());
  numbers.erase(std::unique(numbers.begin(), numbers.end()), numbers.end());
  if (again != numbers) fail("a receipt does not read back as the same numbers");
  return 0;
}
