// A prediction request as the tutorial's clients send it
// (docs/wire-protocol.md#prediction-requests): topic request/{station}/{datapoint}/{alarm},
// payload "index,value,valueThreshold" (e.g. "100.0,231,230"), or ours, a JSON
// object {"index": 100, "value": 231, "valueThreshold": 230, "id": "a1"} whose
// optional "id" (string or number) is echoed in the reply.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "protocol/alarm_event.h"
#include "protocol/topics.h"
#include "core/error.h"

namespace edgeml {

// Longer payloads and topics are rejected unread: a request is ~20 bytes.
inline constexpr std::size_t kMaxRequestPayloadBytes = 4096;
inline constexpr std::size_t kMaxRequestTopicBytes = 1024;

struct Request {
  enum class IdKind { none, string, number };

  SeriesId series;
  double index = 0;
  double value = 0;
  double threshold = 0;
  IdKind id_kind = IdKind::none;
  // The id's text: the string itself, or the number as the client wrote it.
  std::string id;
};

// Parses `topic` and `payload` into `out`, or gives the reason they are wrong
// (bad topic, size, field count, a non-number with its position, NaN or
// infinity, invalid JSON). Fields of `out` not named in the payload are reset;
// reusing one Request for many messages reuses its strings' storage, so a CSV
// request then allocates nothing. Never throws.
Status parse_request(std::string_view topic, std::string_view payload, Request& out);

// Appends the request's JSON object, {"index":..,"value":..,"valueThreshold":..,"id":..}:
// the id as its kind says, or `id_when_none` as a string when it has none (no
// "id" when that is empty too). The request's payload, and its echo in a reply.
void append_request_json(std::string& out, const Request& r, std::string_view id_when_none = {});

}  // namespace edgeml
