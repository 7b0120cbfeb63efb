#include "protocol/reply.h"

#include "core/json_text.h"

namespace edgeml {

namespace {

// Writes `"key":` after a comma unless it opens the object.
void key(std::string& out, std::string_view name, bool first = false) {
  if (!first) out += ',';
  append_json_string(out, name);
  out += ':';
}

void string_field(std::string& out, std::string_view name, std::string_view value, bool first = false) {
  key(out, name, first);
  append_json_string(out, value);
}

// The hot path's constant keys are written as they are, escaping nothing.
void write_opening(std::string& out, std::string_view model, std::string_view version) {
  append_json_string(out, model);
  out += ":{\"version\":";
  append_json_string(out, version);
}

void write_unit(std::string& out, const Label& label) {
  out += ",\"unit\":";
  append_json_string(out, label.unit);
  out += ",\"event_time\":";
}

void write_answer(std::string& out, const ModelAnswer& a) {
  if (a.text) out += a.text->opening;
  else write_opening(out, a.model, a.version);
  if (!a.error.empty()) {
    out += ",\"error\":";
    append_json_string(out, a.error);
  } else {
    out += ",\"output\":";
    append_json_number(out, a.output);  // the float32's shortest form, not its double expansion
    if (a.text) out += a.text->unit;
    else write_unit(out, *a.label);
    append_json_thousandths(out, a.label->event_time(a.output));
  }
  out += '}';
}

}  // namespace

AnswerText make_answer_text(std::string_view model, std::string_view version, const Label& label) {
  AnswerText text;
  write_opening(text.opening, model, version);
  write_unit(text.unit, label);
  return text;
}

void write_prediction_reply(const Request& request, std::span<const ModelAnswer> answers, std::string_view node,
                            std::string& out) {
  out.clear();
  out += "{\"series\":{\"station\":";
  append_json_string(out, request.series.station);
  out += ",\"datapoint\":";
  append_json_string(out, request.series.datapoint);
  out += ",\"alarm\":";
  append_json_string(out, request.series.alarm);
  out += "},\"request\":";
  append_request_json(out, request);
  out += ",\"predictions\":{";
  for (std::size_t i = 0; i < answers.size(); ++i) {
    if (i > 0) out += ',';
    write_answer(out, answers[i]);
  }
  out += "},\"node\":";
  append_json_string(out, node);
  out += '}';
}

std::string prediction_reply(const Request& request, std::span<const ModelAnswer> answers, std::string_view node) {
  std::string out;
  write_prediction_reply(request, answers, node, out);
  return out;
}

std::string error_reply(std::string_view reason, std::string_view topic, std::string_view payload,
                        std::string_view node) {
  std::string out = "{";
  string_field(out, "error", reason, true);
  string_field(out, "topic", topic.substr(0, kMaxEchoBytes));
  string_field(out, "payload", payload.substr(0, kMaxEchoBytes));
  key(out, "payload_bytes");
  out += std::to_string(payload.size());
  string_field(out, "node", node);
  out += '}';
  return out;
}

}  // namespace edgeml
