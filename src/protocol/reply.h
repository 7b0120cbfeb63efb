// Our reply on predict/{station}/{datapoint}/{alarm}. The tutorial's client
// prints any payload, so the format is ours (docs/wire-protocol.md#replies). One JSON object:
//
//   {"series": {"station": "1160629000", "datapoint": "121", "alarm": "308"},
//    "request": {"index": 100, "value": 231, "valueThreshold": 230, "id": "a1"},
//    "predictions": {
//      "multi_var_LR": {"version": "3f2a9c0b17d4", "output": -54.2815,
//                       "unit": "1000 s after Unix time 1487508915",
//                       "event_time": 1487454633.498},
//      "broken_model": {"version": "...", "error": "output is not finite"}},
//    "node": "edge-1"}
//
// "id" only when the request had one (string or number, as sent); "output" is
// the model's float32 in shortest form; "event_time" = offset + scale * output,
// in Unix seconds rounded to milliseconds.
//
// When a request cannot be read:
//
//   {"error": "payload has 2 fields, expected 3 (index,value,valueThreshold)",
//    "topic": "request/1160629000/121/308", "payload": "100,231", "payload_bytes": 7, "node": "edge-1"}
//
// topic and payload are echoed cut to kMaxEchoBytes (invalid UTF-8 replaced),
// with "payload_bytes" the payload's whole size.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "protocol/label.h"
#include "protocol/request.h"

namespace edgeml {

inline constexpr std::size_t kMaxEchoBytes = 256;

// The text of a model's entry that is the same in every reply, escaped once
// when the model loads rather than on every request:
//   opening: "NAME":{"version":"VERSION"
//   unit:    ,"unit":"UNIT","event_time":
struct AnswerText {
  std::string opening;
  std::string unit;
};
AnswerText make_answer_text(std::string_view model, std::string_view version, const Label& label);

// One model's answer to a request: its output, or why it has none.
struct ModelAnswer {
  std::string_view model;
  std::string_view version;
  const Label* label = nullptr;  // required when error is empty
  float output = 0;
  std::string_view error;  // empty when the model answered
  std::optional<double> test_mae;  // from the manifest: what online accuracy is judged against
  // make_answer_text(model, version, *label), when the caller keeps one.
  const AnswerText* text = nullptr;
};

// Writes the reply into `out` (cleared first; its storage is reused, so a
// server that keeps one string allocates nothing here once it has grown).
void write_prediction_reply(const Request& request, std::span<const ModelAnswer> answers, std::string_view node,
                            std::string& out);
std::string prediction_reply(const Request& request, std::span<const ModelAnswer> answers, std::string_view node);

std::string error_reply(std::string_view reason, std::string_view topic, std::string_view payload,
                        std::string_view node);

}  // namespace edgeml
