#include "serve/reply.h"

#include <cmath>

#include "core/json_text.h"

namespace edgeml::serve {

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

void number_field(std::string& out, std::string_view name, double value, bool first = false) {
  key(out, name, first);
  append_json_number(out, value);
}

void write_request(std::string& out, const Request& r) {
  out += '{';
  number_field(out, "index", r.index, true);
  number_field(out, "value", r.value);
  number_field(out, "valueThreshold", r.threshold);
  if (r.id_kind == Request::IdKind::string) string_field(out, "id", r.id);
  if (r.id_kind == Request::IdKind::number) {
    key(out, "id");
    out += r.id;  // the number as the client wrote it, which the JSON parser accepted
  }
  out += '}';
}

void write_answer(std::string& out, const ModelAnswer& a) {
  out += '{';
  string_field(out, "version", a.version, true);
  if (!a.error.empty()) {
    string_field(out, "error", a.error);
  } else {
    key(out, "output");
    append_json_number(out, a.output);  // the float32's shortest form, not its double expansion
    string_field(out, "unit", a.label->unit);
    number_field(out, "event_time", std::round(a.label->event_time(a.output) * 1000) / 1000);
  }
  out += '}';
}

}  // namespace

void write_prediction_reply(const Request& request, std::span<const ModelAnswer> answers, std::string_view node,
                            std::string& out) {
  out.clear();
  out += '{';
  key(out, "series", true);
  out += '{';
  string_field(out, "station", request.series.station, true);
  string_field(out, "datapoint", request.series.datapoint);
  string_field(out, "alarm", request.series.alarm);
  out += '}';
  key(out, "request");
  write_request(out, request);
  key(out, "predictions");
  out += '{';
  for (std::size_t i = 0; i < answers.size(); ++i) {
    key(out, answers[i].model, i == 0);
    write_answer(out, answers[i]);
  }
  out += '}';
  string_field(out, "node", node);
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

}  // namespace edgeml::serve
