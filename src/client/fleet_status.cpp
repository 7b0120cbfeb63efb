#include "client/fleet_status.h"

#include <cstdio>
#include <ctime>

#include <fmt/format.h>

#include "core/bounded_json.h"
#include "core/json_fields.h"
#include "protocol/topics.h"

namespace edgeml::client {

namespace {

using nlohmann::json;

// The start of a payload, for a note on why it could not be used; bytes
// other than printable ASCII are shown as '?' (notes go to terminals and JSON).
std::string excerpt(std::string_view payload) {
  constexpr std::size_t kShown = 40;
  std::string text(payload.substr(0, kShown));
  for (char& c : text)
    if (c < 0x20 || c > 0x7e) c = '?';
  return payload.size() <= kShown ? text : fmt::format("{}... ({} bytes)", text, payload.size());
}

// A JSON object, or none with `why` saying what it was instead.
std::optional<json> json_object(std::string_view payload, std::string& why) {
  if (payload.size() > FleetStatus::kMaxPayload) {
    why = fmt::format("{} bytes, more than the {} taken", payload.size(), FleetStatus::kMaxPayload);
    return std::nullopt;
  }
  json value;
  if (!parse_json_bounded(payload, value)) {  // nesting too deep counts as not JSON too
    why = fmt::format("not JSON: '{}'", excerpt(payload));
    return std::nullopt;
  }
  if (value.is_object()) return value;
  why = fmt::format("not a JSON object: '{}'", excerpt(payload));
  return std::nullopt;
}

// "2026-11-26T17:20:05Z" (docs/node-stats.md), or none.
std::optional<FleetStatus::Clock::time_point> utc_time_point(const json& stats) {
  std::optional<std::string> text = json_text(stats, {"time"});
  if (!text || text->size() != 20) return std::nullopt;
  std::tm t{};
  char end = 0;
  if (std::sscanf(text->c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &t.tm_year, &t.tm_mon, &t.tm_mday, &t.tm_hour, &t.tm_min,
                  &t.tm_sec, &end) != 7 || end != 'Z')
    return std::nullopt;
  t.tm_year -= 1900;
  t.tm_mon -= 1;
  std::time_t seconds = timegm(&t);
  // From 1970 to 2200 only: system_clock counts nanoseconds in 64 bits, which
  // a year far out (such as -9999) overflows, and so would an age from it.
  // (A 32-bit time_t, as on armhf, ends in 2038: timegm gives -1 past it.)
  if (seconds < 0 || static_cast<long long>(seconds) >= 7258118400LL) return std::nullopt;
  return FleetStatus::Clock::from_time_t(seconds);
}

double seconds_between(FleetStatus::Clock::time_point from, FleetStatus::Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

}  // namespace

std::vector<std::string> FleetStatus::topic_filters() {
  return {std::string(kNodeStatusFilter), std::string(kNodeStatsFilter), std::string(kNodeAlertsFilter),
          std::string(kCollectorQualityFilter)};
}

FleetStatus::Node* FleetStatus::node(std::string_view name) {
  if (auto it = nodes_.find(name); it != nodes_.end()) return &it->second;
  if (nodes_.size() >= kMaxNodes) return nullptr;
  return &nodes_[std::string(name)];
}

bool FleetStatus::take(std::string_view topic, std::string_view payload, Clock::time_point received) {
  std::string_view name, kind;
  if (split_fleet_topic(topic, kCollectorsPrefix, name, kind) && kind == "quality") {
    take_quality(name, payload, received);
    return true;
  }
  if (!split_fleet_topic(topic, kNodesPrefix, name, kind) || (kind != "status" && kind != "stats" && kind != "alerts"))
    return false;
  Node* n = node(name);
  if (!n) {
    ++ignored_;
    return true;
  }
  if (kind == "status") {
    // An empty retained message is one being deleted.
    const bool known = payload.empty() || payload == "online" || payload == "offline";
    n->status = known ? std::string(payload) : "?";
    if (known)
      n->notes.erase("status");
    else
      n->notes["status"] = fmt::format("status is '{}', neither online nor offline", excerpt(payload));
  } else if (kind == "stats") {
    take_stats(*n, name, payload, received);
  } else {
    take_alert(*n, payload);
  }
  return true;
}

void FleetStatus::take_stats(Node& n, std::string_view name, std::string_view payload, Clock::time_point received) {
  if (payload.empty()) return;  // a retained message being deleted
  std::string why;
  std::optional<json> stats = json_object(payload, why);
  if (!stats) {
    n.notes["stats"] = "last stats unreadable, " + why;
    return;
  }
  // The first message may be the retained copy, whatever its age; the
  // following ones arrive as they are published.
  if (n.stats_messages > 0) {
    double gap = seconds_between(n.stats_received, received);
    if (n.stats_messages > 1 && gap > 0) n.measured_interval = gap;
  }
  ++n.stats_messages;
  n.stats = std::move(*stats);
  n.stats_received = received;
  n.notes.erase("stats");
  if (std::optional<std::string> said = json_text(n.stats, {"node"}); said && *said != name)
    n.notes["stats"] = fmt::format("its stats name another node, '{}'", excerpt(*said));
}

void FleetStatus::take_alert(Node& n, std::string_view payload) {
  std::string why;
  std::optional<json> alert = json_object(payload, why);
  if (!alert) {
    n.notes["alerts"] = "last alert unreadable, " + why;
    return;
  }
  n.notes.erase("alerts");
  n.alerts.push_back(std::move(*alert));
  if (n.alerts.size() > kAlertsKept) n.alerts.pop_front();
}

void FleetStatus::take_quality(std::string_view name, std::string_view payload, Clock::time_point received) {
  auto it = collectors_.find(name);
  if (it == collectors_.end()) {
    if (payload.empty()) return;
    if (collectors_.size() >= kMaxNodes) {
      ++ignored_;
      return;
    }
    it = collectors_.emplace(std::string(name), Collector{}).first;
  }
  Collector& c = it->second;
  c.received = received;
  ++c.messages;
  std::string why;
  if (std::optional<json> quality = json_object(payload, why)) {
    c.quality = std::move(*quality);
    c.note.clear();
  } else {
    c.note = "last quality counts unreadable, " + why;
  }
}

FleetStatus::Freshness FleetStatus::freshness(const Node& n, Clock::time_point now) {
  Freshness f;
  if (std::optional<double> said = json_number(n.stats, {"interval_s"}); said && *said > 0 && *said <= 86400)
    f.interval_s = *said;
  else if (n.measured_interval)
    f.interval_s = *n.measured_interval;
  if (n.stats_messages == 0) return f;
  std::optional<Clock::time_point> made = n.stats_messages == 1 ? utc_time_point(n.stats) : std::nullopt;
  // "time" has whole seconds: a second more before calling it stale.
  f.age_s = std::max(0.0, seconds_between(made.value_or(n.stats_received), now));
  f.stale = *f.age_s > 3 * f.interval_s + (made ? 1.0 : 0.0);
  return f;
}

std::optional<double> FleetStatus::age(const Collector& c, Clock::time_point now) {
  if (c.messages < 2) return std::nullopt;
  return std::max(0.0, seconds_between(c.received, now));
}

json FleetStatus::to_json(Clock::time_point now) const {
  json nodes = json::array();
  for (const auto& [name, n] : nodes_) {
    Freshness f = freshness(n, now);
    json notes = json::array();
    for (const auto& [kind, note] : n.notes) notes.push_back(note);
    json entry = {{"node", name}, {"status", n.status.empty() ? json() : json(n.status)},
                  {"stats_age_s", f.age_s ? json(*f.age_s) : json()}, {"interval_s", f.interval_s},
                  {"stale", f.stale}, {"stats", n.stats}, {"alerts", json(n.alerts)}, {"notes", std::move(notes)}};
    nodes.push_back(std::move(entry));
  }
  json collectors = json::array();
  for (const auto& [name, c] : collectors_) {
    std::optional<double> age_s = age(c, now);
    collectors.push_back({{"collector", name}, {"age_s", age_s ? json(*age_s) : json()},
                          {"quality", c.quality}, {"note", c.note.empty() ? json() : json(c.note)}});
  }
  return {{"nodes", std::move(nodes)}, {"collectors", std::move(collectors)}, {"ignored", ignored_}};
}

}  // namespace edgeml::client
