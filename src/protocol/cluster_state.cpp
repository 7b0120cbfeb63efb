#include "protocol/cluster_state.h"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/bounded_json.h"
#include "core/json_fields.h"

namespace edgeml {

namespace {

using json = nlohmann::json;

constexpr std::size_t kMaxEntries = 4096;  // labels, replicas, nodes: far above any real cluster

double number_or(const json& object, std::string_view key, double fallback) {
  return json_number(object, {key}).value_or(fallback);
}

std::string text_or(const json& object, std::string_view key) { return json_text(object, {key}).value_or(""); }

// {NAME: "TEXT"} with every value a string, at most kMaxEntries.
bool read_text_map(const json* object, std::map<std::string, std::string>& out) {
  if (!object) return true;
  if (!object->is_object() || object->size() > kMaxEntries) return false;
  for (const auto& item : object->items()) {
    if (!item.value().is_string()) return false;
    out[item.key()] = item.value().get<std::string>();
  }
  return true;
}

bool read_names(const json* list, std::vector<std::string>& out) {
  if (!list) return true;
  if (!list->is_array() || list->size() > kMaxEntries) return false;
  for (const json& name : *list) {
    if (!name.is_string()) return false;
    out.push_back(name.get<std::string>());
  }
  std::sort(out.begin(), out.end());
  return true;
}

std::int64_t integer_or_zero(const json& object, std::string_view key) {
  const json* at = json_at(object, {key});
  return at && at->is_number_integer() ? at->get<std::int64_t>() : 0;
}

Status read_object(std::string_view payload, json& out, const char* what) {
  if (payload.size() > kMaxClusterMessageBytes)
    return Status::error(fmt::format("{} of {} bytes is above the cap of {}", what, payload.size(), kMaxClusterMessageBytes));
  Status parsed = parse_json_bounded(payload, out, 8);
  if (!parsed) return Status::error(fmt::format("{} is not JSON: {}", what, parsed.reason()));
  if (!out.is_object()) return Status::error(fmt::format("{} is not a JSON object", what));
  return Status::ok();
}

}  // namespace

std::string node_announcement_json(const NodeAnnouncement& a) {
  json replicas = json::object();
  for (const auto& [app, r] : a.replicas) {
    json one = {{"state", r.state}};
    if (!r.reason.empty()) one["reason"] = r.reason;
    one["queue"] = r.queue;
    one["p99_ms"] = r.p99_ms;
    one["requests_per_s"] = r.requests_per_s;
    one["resident_mib"] = r.resident_mib;
    one["cpu_cores"] = r.cpu_cores;
    replicas[app] = one;
  }
  json out = {{"node", a.node},
                 {"state", a.state},
                 {"labels", a.labels},
                 {"capacity", {{"memory_mib", a.capacity.memory_mib}, {"cores", a.capacity.cores}}},
                 {"interval_s", a.interval_s},
                 {"applications_signed_at", a.applications_signed_at},
                 {"placement_generation", a.placement_generation},
                 {"overloaded", a.overloaded},
                 {"replicas", replicas}};
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string node_gone_json(std::string_view node) {
  return json{{"node", node}, {"state", "gone"}}.dump(-1, ' ', false, json::error_handler_t::replace);
}

Status parse_node_announcement(std::string_view payload, NodeAnnouncement& out) {
  json j;
  if (Status s = read_object(payload, j, "a node announcement"); !s) return s;
  out = {};
  out.node = text_or(j, "node");
  out.state = text_or(j, "state");
  if (out.node.empty() || out.state.empty()) return Status::error("a node announcement without \"node\" and \"state\"");
  if (!read_text_map(json_at(j, {"labels"}), out.labels)) return Status::error("\"labels\" is not {NAME: TEXT}");
  out.capacity.memory_mib = std::max(0.0, json_number(j, {"capacity", "memory_mib"}).value_or(0));
  out.capacity.cores = std::max(0.0, json_number(j, {"capacity", "cores"}).value_or(0));
  out.interval_s = std::max(0.0, number_or(j, "interval_s", 0));
  out.applications_signed_at = integer_or_zero(j, "applications_signed_at");
  out.placement_generation = static_cast<std::uint64_t>(std::max<std::int64_t>(0, integer_or_zero(j, "placement_generation")));
  const json* overloaded = json_at(j, {"overloaded"});
  out.overloaded = overloaded && overloaded->is_boolean() && overloaded->get<bool>();
  if (const json* replicas = json_at(j, {"replicas"})) {
    if (!replicas->is_object() || replicas->size() > kMaxEntries) return Status::error("\"replicas\" is not an object");
    for (const auto& item : replicas->items()) {
      ReplicaLoad r;
      r.state = text_or(item.value(), "state");
      r.reason = text_or(item.value(), "reason");
      r.queue = number_or(item.value(), "queue", 0);
      r.p99_ms = number_or(item.value(), "p99_ms", 0);
      r.requests_per_s = number_or(item.value(), "requests_per_s", 0);
      r.resident_mib = number_or(item.value(), "resident_mib", 0);
      r.cpu_cores = number_or(item.value(), "cpu_cores", 0);
      out.replicas[item.key()] = r;
    }
  }
  return Status::ok();
}

std::string placement_json(const PlacementRecord& p) {
  json apps = json::object();
  for (const auto& [name, a] : p.applications) apps[name] = {{"wanted", a.wanted}, {"nodes", a.nodes}};
  json out = {{"generation", p.generation},         {"leader", p.leader},
                 {"applications_signed_at", p.applications_signed_at}, {"nodes", p.nodes},
                 {"applications", apps},                {"unplaced", p.unplaced}};
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

Status parse_placement(std::string_view payload, PlacementRecord& out) {
  json j;
  if (Status s = read_object(payload, j, "a placement"); !s) return s;
  out = {};
  std::int64_t generation = integer_or_zero(j, "generation");
  if (generation <= 0) return Status::error("a placement without a positive \"generation\"");
  out.generation = static_cast<std::uint64_t>(generation);
  out.leader = text_or(j, "leader");
  out.applications_signed_at = integer_or_zero(j, "applications_signed_at");
  if (!read_names(json_at(j, {"nodes"}), out.nodes)) return Status::error("\"nodes\" is not a list of names");
  std::vector<std::string> unplaced;
  if (!read_names(json_at(j, {"unplaced"}), unplaced)) return Status::error("\"unplaced\" is not a list of texts");
  out.unplaced = unplaced;
  if (const json* apps = json_at(j, {"applications"})) {
    if (!apps->is_object() || apps->size() > kMaxEntries) return Status::error("\"applications\" is not an object");
    for (const auto& item : apps->items()) {
      AppPlacement a;
      a.wanted = static_cast<int>(std::clamp<std::int64_t>(integer_or_zero(item.value(), "wanted"), 0, kMaxReplicas));
      if (!read_names(json_at(item.value(), {"nodes"}), a.nodes))
        return Status::error(fmt::format("applications.{}.nodes is not a list of names", item.key().substr(0, 64)));
      out.applications[item.key()] = a;
    }
  }
  return Status::ok();
}

}  // namespace edgeml
