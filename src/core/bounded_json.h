// Reading JSON text and CBOR that came from outside (MQTT payloads, deployed
// packages) without letting their shape exhaust the reader.
//
// nlohmann's CBOR reader recurses once per nesting level (600 KB of 0x81 is a
// stack overflow), its tree builder throws on an array that declares more
// elements than memory could hold, and a deep tree read from JSON text is
// then copied and written out recursively. So a first pass over the input,
// which builds nothing, refuses nesting deeper than `max_depth` and declared
// sizes larger than the input itself; only then is the tree built.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace edgeml {

// Deep enough for any manifest, package or stats message edgeml writes.
constexpr std::size_t kMaxJsonDepth = 64;

// On success `out` holds the value; otherwise it is left null and the Status
// says what was wrong (and at which byte, where the reader tells). Never throws.
Status parse_json_bounded(std::string_view text, nlohmann::json& out, std::size_t max_depth = kMaxJsonDepth);
Status parse_cbor_bounded(std::string_view bytes, nlohmann::json& out, std::size_t max_depth = kMaxJsonDepth);

// `value` as compact JSON text, ill-formed UTF-8 in its strings replaced by
// U+FFFD: what a report that quotes outside input is written with, because
// the plain dump() throws on such strings.
std::string dump_json_replacing(const nlohmann::json& value);

}  // namespace edgeml
