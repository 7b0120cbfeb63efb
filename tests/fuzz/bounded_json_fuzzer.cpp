// libFuzzer target: core's bounded readers (core/bounded_json.h), through
// which every JSON and CBOR payload from the network is read. The first byte
// chooses the reader: even, parse_json_bounded; odd, parse_cbor_bounded.
//
// Checked besides "never throws, never crashes": what is taken is nested no
// deeper than the bound, its text from dump_json_replacing reads back, and,
// when its strings are well-formed UTF-8, as a value that writes the same
// text again.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/bounded_json.h"

namespace {

using nlohmann::json;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_bounded_json: %s\n", what);
  std::abort();
}

std::size_t depth(const json& value) {
  std::size_t deepest = 0;
  if (value.is_structured())
    for (const auto& element : value) deepest = std::max(deepest, depth(element));
  return value.is_structured() ? deepest + 1 : 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  constexpr std::size_t kDepth = 16;  // small, so that the fuzzer reaches it
  json value;
  edgeml::Status s = data[0] & 1 ? edgeml::parse_cbor_bounded(input, value, kDepth)
                                 : edgeml::parse_json_bounded(input, value, kDepth);
  if (!s) {
    if (!value.is_null()) fail("a refused input left a value behind");
    return 0;
  }
  if (depth(value) > kDepth) fail("a taken value is nested deeper than the bound");
  std::string text = edgeml::dump_json_replacing(value);
  json again;  // CBOR's bytes are written as {"bytes": [...], "subtype": ...}: two levels more
  if (!edgeml::parse_json_bounded(text, again, kDepth + 2)) fail("the text of a taken value is refused");
  // Unless ill-formed UTF-8 was replaced (which may merge two keys), the text is the same again.
  std::string strict;
  try {
    strict = value.dump();
  } catch (const json::type_error&) {
    return 0;
  }
  if (strict != text) fail("dump_json_replacing changed a value without ill-formed UTF-8");
  if (edgeml::dump_json_replacing(again) != text) fail("the text of a taken value reads back as another value");
  return 0;
}
