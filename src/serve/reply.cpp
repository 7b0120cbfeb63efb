#include "serve/reply.h"

#include <array>
#include <charconv>
#include <cmath>

#include <nlohmann/json.hpp>

namespace edgeml::serve {

namespace {

using nlohmann::json;

// The float32 as the shortest decimal that reads back to it (-54.2815 for
// -54.281502f, not the double -54.28150177001953).
double shortest(float v) {
  std::array<char, 32> text;
  auto end = std::to_chars(text.data(), text.data() + text.size(), v).ptr;
  double out = v;
  std::from_chars(text.data(), end, out);
  return out;
}

json id_json(const Request& r) {
  // A number id is echoed as the number the client wrote (its text came from the JSON parser).
  if (r.id_kind == Request::IdKind::number) return json::parse(r.id, nullptr, false);
  return r.id;
}

json answer_json(const ModelAnswer& a) {
  json entry = {{"version", a.version}};
  if (!a.error.empty()) {
    entry["error"] = a.error;
    return entry;
  }
  entry["output"] = shortest(a.output);
  entry["unit"] = a.label->unit;
  entry["event_time"] = std::round(a.label->event_time(a.output) * 1000) / 1000;
  return entry;
}

std::string dump(const json& reply) {
  // Echoed bytes may be anything: invalid UTF-8 becomes U+FFFD instead of throwing.
  return reply.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

std::string prediction_reply(const Request& request, std::span<const ModelAnswer> answers, std::string_view node) {
  const SeriesId& s = request.series;
  json echoed = {{"index", request.index}, {"value", request.value}, {"valueThreshold", request.threshold}};
  if (request.id_kind != Request::IdKind::none) echoed["id"] = id_json(request);
  json predictions = json::object();
  for (const ModelAnswer& a : answers) predictions[std::string(a.model)] = answer_json(a);
  return dump({{"series", {{"station", s.station}, {"datapoint", s.datapoint}, {"alarm", s.alarm}}},
               {"request", std::move(echoed)},
               {"predictions", std::move(predictions)},
               {"node", node}});
}

std::string error_reply(std::string_view reason, std::string_view topic, std::string_view payload,
                        std::string_view node) {
  return dump({{"error", reason},
               {"topic", topic.substr(0, kMaxEchoBytes)},
               {"payload", payload.substr(0, kMaxEchoBytes)},
               {"payload_bytes", payload.size()},
               {"node", node}});
}

}  // namespace edgeml::serve
