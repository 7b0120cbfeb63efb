#include "client/prediction_table.h"

#include <algorithm>
#include <cmath>
#include <ctime>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/bounded_json.h"

namespace edgeml::client {

namespace {

using nlohmann::json;

std::string text_of(const json& v) { return v.is_string() ? v.get<std::string>() : v.is_null() ? "-" : v.dump(); }

std::string field(const json& object, const char* name) {
  return object.is_object() && object.contains(name) ? text_of(object[name]) : "-";
}

std::string row(const std::string& model, const json& p, std::size_t name_width, std::size_t version_width) {
  if (!p.is_object()) return fmt::format("{:<{}}  unreadable: {}\n", model, name_width, p.dump());
  std::string version = field(p, "version");
  if (p.contains("error"))
    return fmt::format("{:<{}}  {:<{}}  error: {}\n", model, name_width, version, version_width, text_of(p["error"]));
  const json event_time = p.value("event_time", json());
  return fmt::format("{:<{}}  {:<{}}  {:>12}  {}\n", model, name_width, version, version_width, field(p, "output"),
                     event_time.is_number() ? utc_time(event_time.get<double>()) : "-");
}

}  // namespace

std::string utc_time(double unix_seconds) {
  if (!std::isfinite(unix_seconds) || std::abs(unix_seconds) > 1e12) return "-";
  auto ms = std::llround(unix_seconds * 1000);
  long long seconds = ms / 1000 - (ms % 1000 < 0 ? 1 : 0);
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm utc{};
  if (!gmtime_r(&t, &utc)) return "-";
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:03} UTC", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday,
                     utc.tm_hour, utc.tm_min, utc.tm_sec, ms - seconds * 1000);
}

std::string prediction_table(const Request& request, std::string_view reply_text, std::chrono::nanoseconds latency) {
  json reply;  // from the network: depth-bounded; unreadable stays null and shows as "-"
  if (!parse_json_bounded(reply_text, reply)) reply = nullptr;
  std::string text = fmt::format("{} index {} value {} valueThreshold {}: answered by {} in {:.2f} ms\n",
                                 request.series.path(), request.index, request.value, request.threshold,
                                 field(reply, "node"), std::chrono::duration<double, std::milli>(latency).count());
  const json predictions = reply.is_object() ? reply.value("predictions", json::object()) : json::object();
  if (!predictions.is_object() || predictions.empty()) return text + "(no model answered)\n";
  std::size_t name_width = 5, version_width = 7;
  for (const auto& [model, p] : predictions.items()) {
    name_width = std::max(name_width, model.size());
    version_width = std::max(version_width, field(p, "version").size());
  }
  text += fmt::format("{:<{}}  {:<{}}  {:>12}  {}\n", "model", name_width, "version", version_width, "output",
                      "predicted event time");
  for (const auto& [model, p] : predictions.items()) text += row(model, p, name_width, version_width);
  return text;
}

}  // namespace edgeml::client
