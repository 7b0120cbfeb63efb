#include "protocol/cluster_applications.h"

#include <algorithm>

#include <fmt/format.h>

#include "core/error.h"
#include "core/strict_fields.h"
#include "protocol/topic_filter.h"
#include "protocol/topics.h"

namespace edgeml {

namespace {

using json = nlohmann::json;

std::vector<std::string> levels(const std::string& filter) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t slash; (slash = filter.find('/', start)) != std::string::npos; start = slash + 1)
    out.push_back(filter.substr(start, slash - start));
  out.push_back(filter.substr(start));
  return out;
}

std::string read_requests(StrictFields& f, const std::string& fallback) {
  std::string filter = f.text("requests", fallback);
  std::vector<std::string> parts = levels(filter);
  bool ok = parts.size() == 4 && parts[0] == kRequestPrefix;
  for (std::size_t i = 1; ok && i < parts.size(); ++i)
    ok = parts[i] == "+" || (!parts[i].empty() && is_publishable_topic(parts[i], 128));
  if (!ok)
    fail_at(f.path("requests"), fmt::format("\"{}\" is not request/STATION/DATAPOINT/ALARM with each level a name or '+'",
                                            filter.substr(0, 80)));
  return filter;
}

std::vector<ModelRef> read_models(StrictFields& f) {
  const json& list = f.require("models");
  if (!list.is_array() || list.empty() || list.size() > 64)
    fail_at(f.path("models"), fmt::format("expected a list of 1 to 64 models, not {}", shown_json(list)));
  std::vector<ModelRef> models;
  for (std::size_t i = 0; i < list.size(); ++i) {
    std::string where = fmt::format("{}[{}]", f.path("models"), i);
    ModelRef ref;
    if (list[i].is_string()) {  // a name alone: the version the models directory holds
      json named = {{"name", list[i]}};
      ref.name = StrictFields(named, where).name("name", 128);
    } else {
      StrictFields model(list[i], where);
      ref.name = model.name("name", 128);
      if (model.find("version")) ref.version = model.name("version", 128);
      model.finish();
    }
    for (const ModelRef& other : models)
      if (other.name == ref.name) fail_at(where, fmt::format("'{}' is named twice", ref.name));
    models.push_back(ref);
  }
  return models;
}

void read_replicas(StrictFields& f, ApplicationSpec& app) {
  const json* value = f.find("replicas");
  if (!value) return;
  if (value->is_number_integer()) {
    app.min_replicas = app.max_replicas = f.integer("replicas", 1, 0, kMaxReplicas);
    return;
  }
  StrictFields replicas(*value, f.path("replicas"));
  app.min_replicas = replicas.integer("min", 1, 0, kMaxReplicas);
  app.max_replicas = replicas.integer("max", app.min_replicas, 0, kMaxReplicas);  // {0, 0}: "replicas": 0
  replicas.finish();
  if (app.min_replicas > app.max_replicas)
    fail_at(f.path("replicas"), fmt::format("min {} is above max {}", app.min_replicas, app.max_replicas));
}

Resources read_resources(StrictFields& f, const Resources& fallback) {
  std::optional<StrictFields> fields = f.child("per_replica");
  if (!fields) return fallback;
  Resources r;
  r.memory_mib = fields->number("memory_mib", fallback.memory_mib, 0, 1 << 20);
  r.cores = fields->number("cores", fallback.cores, 0, 1024);
  fields->finish();
  return r;
}

std::map<std::string, std::string> read_constraints(StrictFields& f) {
  std::map<std::string, std::string> constraints;
  const json* value = f.find("constraints");
  if (!value) return constraints;
  StrictFields fields(*value, f.path("constraints"));
  for (const auto& item : value->items()) fields.name(item.key());  // the label's value, checked as a name
  for (const auto& item : value->items()) {
    json key = {{"label", item.key()}};
    StrictFields(key, f.path("constraints")).name("label");
    constraints[item.key()] = item.value().get<std::string>();
  }
  fields.finish();
  return constraints;
}

ScalingRule read_scaling(StrictFields& f) {
  ScalingRule rule;
  std::optional<StrictFields> fields = f.child("scaling");
  if (!fields) return rule;
  rule.queue_depth = fields->number("queue_depth", 0, 0, 1e6);
  rule.p99_ms = fields->number("p99_ms", 0, 0, 1e6);
  rule.requests_per_s = fields->number("requests_per_s", 0, 0, 1e9);
  rule.window_s = fields->number("window_s", rule.window_s, 0, 3600, true);
  rule.scale_down_window_s = fields->number("scale_down_window_s", rule.scale_down_window_s, 0, 3600 * 24, true);
  fields->finish();
  if (!rule.any()) fail_at(f.path("scaling"), "names no target: give queue_depth, p99_ms or requests_per_s");
  return rule;
}

ApplicationSpec read_application(const json& value, const std::string& where) {
  StrictFields f(value, where);
  ApplicationSpec app;
  app.name = f.name("name", 64);
  app.models = read_models(f);
  app.requests = read_requests(f, app.requests);
  read_replicas(f, app);
  app.per_replica = read_resources(f, app.per_replica);
  app.constraints = read_constraints(f);
  app.scaling = read_scaling(f);
  f.finish();
  if (app.min_replicas != app.max_replicas && !app.scaling.any())
    fail_at(f.path("replicas"), "min and max differ, but no \"scaling\" rule says when to go between them");
  return app;
}

}  // namespace

bool request_filters_overlap(const std::string& a, const std::string& b) {
  std::vector<std::string> x = levels(a), y = levels(b);
  if (x.size() != y.size()) return false;
  for (std::size_t i = 0; i < x.size(); ++i)
    if (x[i] != "+" && y[i] != "+" && x[i] != y[i]) return false;
  return true;
}

bool request_filter_holds(const std::string& outer, const std::string& inner) {
  std::vector<std::string> x = levels(outer), y = levels(inner);
  if (x.size() != y.size() || outer == inner) return false;
  for (std::size_t i = 0; i < x.size(); ++i)
    if (x[i] != "+" && x[i] != y[i]) return false;
  return true;
}

std::vector<std::string> nested_request_filters(const ApplicationsDocument& document, const std::string& application) {
  std::vector<std::string> nested;
  auto it = std::find_if(document.applications.begin(), document.applications.end(),
                         [&](const ApplicationSpec& a) { return a.name == application; });
  if (it == document.applications.end()) return nested;
  for (const ApplicationSpec& other : document.applications)
    if (request_filter_holds(it->requests, other.requests)) nested.push_back(other.requests);
  return nested;
}

ApplicationsDocument read_applications(const json& document) {
  StrictFields top(document, "file");
  ApplicationsDocument doc;
  doc.cluster = top.find("cluster") ? top.name("cluster", 64) : "";
  doc.models_dir = top.text("models_dir", "");
  const json& list = top.require("applications");
  top.finish();
  if (!list.is_array() || list.empty() || list.size() > kMaxApplications)
    fail_at("file.applications", fmt::format("expected a list of 1 to {} applications, not {}", kMaxApplications,
                                             shown_json(list)));
  for (std::size_t i = 0; i < list.size(); ++i) {
    std::string where = fmt::format("applications[{}]", i);
    ApplicationSpec app = read_application(list[i], where);
    for (std::size_t j = 0; j < i; ++j) {
      const ApplicationSpec& other = doc.applications[j];
      if (other.name == app.name) fail_at(where + ".name", fmt::format("'{}' is also applications[{}]'s name", app.name, j));
      if (request_filters_overlap(other.requests, app.requests) && !request_filter_holds(other.requests, app.requests) &&
          !request_filter_holds(app.requests, other.requests))
        fail_at(where + ".requests",
                fmt::format("{} overlaps applications[{}]'s {} without either holding the other: which would answer "
                            "a request both match?", app.requests, j, other.requests));
    }
    doc.applications.push_back(std::move(app));
  }
  std::sort(doc.applications.begin(), doc.applications.end(),
            [](const ApplicationSpec& a, const ApplicationSpec& b) { return a.name < b.name; });
  return doc;
}

nlohmann::json applications_json(const ApplicationsDocument& doc) {
  json apps = json::array();
  for (const ApplicationSpec& a : doc.applications) {
    json models = json::array();
    for (const ModelRef& m : a.models) {
      json model = {{"name", m.name}};
      if (!m.version.empty()) model["version"] = m.version;
      models.push_back(model);
    }
    json app = {{"name", a.name},
                   {"models", models},
                   {"requests", a.requests},
                   {"replicas", {{"min", a.min_replicas}, {"max", a.max_replicas}}},
                   {"per_replica", {{"memory_mib", a.per_replica.memory_mib}, {"cores", a.per_replica.cores}}}};
    if (!a.constraints.empty()) app["constraints"] = a.constraints;
    if (a.scaling.any()) {
      json s = json::object();
      if (a.scaling.queue_depth > 0) s["queue_depth"] = a.scaling.queue_depth;
      if (a.scaling.p99_ms > 0) s["p99_ms"] = a.scaling.p99_ms;
      if (a.scaling.requests_per_s > 0) s["requests_per_s"] = a.scaling.requests_per_s;
      s["window_s"] = a.scaling.window_s;
      s["scale_down_window_s"] = a.scaling.scale_down_window_s;
      app["scaling"] = s;
    }
    apps.push_back(app);
  }
  json out = json::object();
  if (!doc.cluster.empty()) out["cluster"] = doc.cluster;
  if (!doc.models_dir.empty()) out["models_dir"] = doc.models_dir;
  out["applications"] = apps;
  return out;
}

}  // namespace edgeml
