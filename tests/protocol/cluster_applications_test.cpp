// A cluster's application file: what a valid one reads as, that it survives
// applications_json unchanged, that every mistake is named by its field, and
// which request filters nest and which overlap.
#include "protocol/cluster_applications.h"

#include <tuple>
#include <utility>

#include <gtest/gtest.h>

#include "support/test_support.h"

namespace edgeml {
namespace {

using nlohmann::json;

const char* const kFullFile = R"({
  "cluster": "farm", "models_dir": "../models",
  "applications": [
    {"name": "wind", "models": ["lr", {"name": "mlp", "version": "v2"}], "requests": "request/+/+/+",
     "replicas": {"min": 1, "max": 3}, "per_replica": {"memory_mib": 128, "cores": 0.5},
     "constraints": {"arch": "arm64", "site": "barn-1"},
     "scaling": {"queue_depth": 4, "p99_ms": 20, "requests_per_s": 150, "window_s": 5, "scale_down_window_s": 60}},
    {"name": "arm-station", "models": [{"name": "lr"}], "requests": "request/arm/+/+", "replicas": 2}
  ]})";

// `app` as the only application of a file.
json file_of(const json& app) { return {{"applications", json::array({app})}}; }

json app_with(const json& fields) {
  json app = {{"name", "a"}, {"models", {"m"}}};
  if (!fields.is_null()) app.update(fields);
  return app;
}

// Refused with an error that starts with the path of the field at fault.
void expect_refused_at(const json& document, const std::string& field, const std::string& says = "") {
  std::string error = test::error_of([&] { read_applications(document); });
  EXPECT_EQ(error.rfind(field + ": ", 0), 0u) << "expected an error at " << field << ", got: " << error;
  EXPECT_NE(error.find(says), std::string::npos) << error;
}

ApplicationsDocument round_tripped(const ApplicationsDocument& doc) {
  return read_applications(json::parse(applications_json(doc).dump()));
}

TEST(ClusterApplications, AFullFileReadsWithEveryFieldAndDefaults) {
  ApplicationsDocument doc = read_applications(json::parse(kFullFile));
  EXPECT_EQ(doc.cluster, "farm");
  EXPECT_EQ(doc.models_dir, "../models");
  ASSERT_EQ(doc.applications.size(), 2u);

  using Models = std::vector<std::pair<std::string, std::string>>;
  auto models_of = [](const ApplicationSpec& app) {
    Models out;
    for (const ModelRef& m : app.models) out.emplace_back(m.name, m.version);
    return out;
  };
  // Sorted by name; what the file leaves out is the default: 64 MiB and a quarter core, no scaling.
  const ApplicationSpec& arm = doc.applications[0];
  EXPECT_EQ(std::tie(arm.name, arm.requests, arm.min_replicas, arm.max_replicas),
            std::make_tuple("arm-station", "request/arm/+/+", 2, 2));
  EXPECT_EQ(models_of(arm), (Models{{"lr", ""}}));
  EXPECT_EQ(std::tie(arm.per_replica.memory_mib, arm.per_replica.cores), std::make_tuple(64.0, 0.25));
  EXPECT_TRUE(arm.constraints.empty());
  EXPECT_FALSE(arm.scaling.any());

  const ApplicationSpec& wind = doc.applications[1];
  EXPECT_EQ(std::tie(wind.name, wind.requests, wind.min_replicas, wind.max_replicas),
            std::make_tuple("wind", "request/+/+/+", 1, 3));
  EXPECT_EQ(models_of(wind), (Models{{"lr", ""}, {"mlp", "v2"}}));
  EXPECT_EQ(std::tie(wind.per_replica.memory_mib, wind.per_replica.cores), std::make_tuple(128.0, 0.5));
  EXPECT_EQ(wind.constraints, (std::map<std::string, std::string>{{"arch", "arm64"}, {"site", "barn-1"}}));
  const ScalingRule& rule = wind.scaling;
  EXPECT_EQ(std::tie(rule.queue_depth, rule.p99_ms, rule.requests_per_s, rule.window_s, rule.scale_down_window_s),
            std::make_tuple(4.0, 20.0, 150.0, 5.0, 60.0));

  EXPECT_EQ(nested_request_filters(doc, "wind"), std::vector<std::string>{"request/arm/+/+"});
  EXPECT_TRUE(nested_request_filters(doc, "arm-station").empty());
  EXPECT_TRUE(nested_request_filters(doc, "no-such-application").empty());
}

TEST(ClusterApplications, ApplicationsJsonReadsBackTheSame) {
  const ApplicationsDocument doc = read_applications(json::parse(kFullFile));
  const ApplicationsDocument again = round_tripped(doc);
  EXPECT_EQ(applications_json(again).dump(), applications_json(doc).dump());
  EXPECT_EQ(again.cluster, doc.cluster);
  EXPECT_EQ(again.models_dir, doc.models_dir);
  ASSERT_EQ(again.applications.size(), doc.applications.size());
  for (std::size_t i = 0; i < doc.applications.size(); ++i) {
    const ApplicationSpec &a = doc.applications[i], &b = again.applications[i];
    EXPECT_EQ(b.name, a.name);
    ASSERT_EQ(b.models.size(), a.models.size());
    for (std::size_t m = 0; m < a.models.size(); ++m) {
      EXPECT_EQ(b.models[m].name, a.models[m].name);
      EXPECT_EQ(b.models[m].version, a.models[m].version);
    }
    EXPECT_EQ(b.requests, a.requests);
    EXPECT_EQ(b.min_replicas, a.min_replicas);
    EXPECT_EQ(b.max_replicas, a.max_replicas);
    EXPECT_EQ(b.per_replica.memory_mib, a.per_replica.memory_mib);
    EXPECT_EQ(b.per_replica.cores, a.per_replica.cores);
    EXPECT_EQ(b.constraints, a.constraints);
    EXPECT_EQ(b.scaling.queue_depth, a.scaling.queue_depth);
    EXPECT_EQ(b.scaling.p99_ms, a.scaling.p99_ms);
    EXPECT_EQ(b.scaling.requests_per_s, a.scaling.requests_per_s);
    EXPECT_EQ(b.scaling.window_s, a.scaling.window_s);
    EXPECT_EQ(b.scaling.scale_down_window_s, a.scaling.scale_down_window_s);
  }

  // The smallest file: no cluster, no models directory, defaults throughout.
  const ApplicationsDocument bare = read_applications(file_of(app_with({})));
  EXPECT_EQ(applications_json(round_tripped(bare)).dump(), applications_json(bare).dump());
}

TEST(ClusterApplications, AnApplicationOfNoReplicasReadsBackTheSame) {
  // "replicas": 0 keeps an application in the file with nothing running;
  // signing writes it as {"min": 0, "max": 0}, which must read back.
  const ApplicationsDocument stopped = read_applications(file_of(app_with({{"replicas", 0}})));
  EXPECT_EQ(stopped.applications[0].min_replicas, 0);
  EXPECT_EQ(stopped.applications[0].max_replicas, 0);
  ASSERT_NO_THROW(read_applications(json::parse(applications_json(stopped).dump())));
  EXPECT_EQ(applications_json(round_tripped(stopped)).dump(), applications_json(stopped).dump());
}

TEST(ClusterApplications, ErrorsNameTheField) {
  expect_refused_at({{"applications", json::array({app_with({})})}, {"clustre", "x"}}, "file.clustre", "unknown field");
  expect_refused_at(file_of(app_with({{"replica", 2}})), "applications[0].replica", "unknown field");
  expect_refused_at(file_of(app_with({{"per_replica", {{"memory", 64}}}})), "applications[0].per_replica.memory",
                    "unknown field");
  expect_refused_at(json::object(), "file.applications", "missing");
  expect_refused_at({{"applications", json::array()}}, "file.applications");
  expect_refused_at({{"cluster", "a/b"}, {"applications", json::array({app_with({})})}}, "file.cluster");
  for (const char* bad : {"", "-a", ".a", "a/b", "a b", "a+", "a#"})
    expect_refused_at(file_of(app_with({{"name", bad}})), "applications[0].name", "not a name");
  expect_refused_at(file_of(app_with({{"name", 5}})), "applications[0].name");
  expect_refused_at(file_of(app_with({{"models", json::array()}})), "applications[0].models");
  expect_refused_at(file_of(app_with({{"models", {"m", {{"name", "m"}, {"version", "v1"}}}}})),
                    "applications[0].models[1]", "named twice");
  expect_refused_at(file_of(app_with({{"models", {{{"name", "m"}, {"tag", "v1"}}}}})), "applications[0].models[0].tag");
  expect_refused_at(file_of(app_with({{"models", {"../m"}}})), "applications[0].models[0].name");
  expect_refused_at(file_of(app_with({{"constraints", {{"arch", 64}}}})), "applications[0].constraints.arch");
  expect_refused_at(file_of(app_with({{"constraints", {{"arch", "arm/64"}}}})), "applications[0].constraints.arch");
}

TEST(ClusterApplications, ARequestFilterIsRequestAndThreeLevels) {
  for (const char* bad : {"request/+/+", "request/+/+/+/+", "requests/+/+/+", "request/+//+", "request/#/+/+",
                          "request/+/+/#", "request/a+/+/+", "+/+/+/+", "request", ""})
    expect_refused_at(file_of(app_with({{"requests", bad}})), "applications[0].requests", "is not request/");
  expect_refused_at(file_of(app_with({{"requests", 7}})), "applications[0].requests");
  for (const char* good : {"request/+/+/+", "request/arm/+/+", "request/1160629000/121/308", "request/+/temp/+"})
    EXPECT_NO_THROW(read_applications(file_of(app_with({{"requests", good}})))) << good;
}

TEST(ClusterApplications, ReplicasAndScalingMustAgree) {
  expect_refused_at(file_of(app_with({{"replicas", {{"min", 3}, {"max", 2}}}})), "applications[0].replicas",
                    "min 3 is above max 2");
  expect_refused_at(file_of(app_with({{"replicas", {{"min", 1}, {"max", 2}}}})), "applications[0].replicas",
                    "no \"scaling\" rule");
  expect_refused_at(file_of(app_with({{"replicas", {{"min", 1}, {"max", 2}}}, {"scaling", {{"window_s", 5}}}})),
                    "applications[0].scaling", "names no target");
  expect_refused_at(file_of(app_with({{"scaling", json::object()}})), "applications[0].scaling", "names no target");
  expect_refused_at(file_of(app_with({{"replicas", kMaxReplicas + 1}})), "applications[0].replicas");
  expect_refused_at(file_of(app_with({{"replicas", -1}})), "applications[0].replicas");
  expect_refused_at(file_of(app_with({{"replicas", {{"min", 1}, {"most", 2}}}})), "applications[0].replicas.most");
  expect_refused_at(file_of(app_with({{"scaling", {{"queue_depth", 4}, {"window_s", 0}}}})),
                    "applications[0].scaling.window_s");
  EXPECT_NO_THROW(read_applications(file_of(app_with({{"replicas", {{"min", 1}, {"max", 4}}}, {"scaling", {{"p99_ms", 50}}}}))));
  // min alone: max follows it.
  ApplicationsDocument doc = read_applications(file_of(app_with({{"replicas", {{"min", 3}}}})));
  EXPECT_EQ(doc.applications[0].max_replicas, 3);
}

TEST(ClusterApplications, TwoApplicationsMayNestButNotOtherwiseShareRequests) {
  auto two = [](const char* first, const char* second) {
    return json{{"applications",
                 {{{"name", "one"}, {"models", {"m"}}, {"requests", first}},
                  {{"name", "two"}, {"models", {"m"}}, {"requests", second}}}}};
  };
  expect_refused_at(two("request/a/+/+", "request/+/b/+"), "applications[1].requests", "overlaps applications[0]");
  expect_refused_at(two("request/+/+/+", "request/+/+/+"), "applications[1].requests", "overlaps applications[0]");
  EXPECT_NO_THROW(read_applications(two("request/+/+/+", "request/arm/+/+")));
  EXPECT_NO_THROW(read_applications(two("request/arm/+/+", "request/+/+/+")));
  EXPECT_NO_THROW(read_applications(two("request/a/+/+", "request/b/+/+")));

  json same_name = two("request/a/+/+", "request/b/+/+");
  same_name["applications"][1]["name"] = "one";
  expect_refused_at(same_name, "applications[1].name", "also applications[0]'s name");

  ApplicationsDocument nested = read_applications(two("request/+/+/+", "request/arm/+/+"));
  EXPECT_EQ(nested_request_filters(nested, "one"), std::vector<std::string>{"request/arm/+/+"});
  EXPECT_TRUE(nested_request_filters(nested, "two").empty());
}

TEST(ClusterApplications, RequestFiltersOverlapAndHoldTruthTable) {
  struct Case {
    const char *a, *b;
    bool overlap, a_holds_b, b_holds_a;
  };
  const Case cases[] = {
      {"request/+/+/+", "request/arm/+/+", true, true, false},
      {"request/+/+/+", "request/a/b/c", true, true, false},
      {"request/a/+/+", "request/a/b/+", true, true, false},
      {"request/a/+/+", "request/a/b/c", true, true, false},
      {"request/+/+/+", "request/+/+/+", true, false, false},  // equal: neither holds the other
      {"request/a/b/c", "request/a/b/c", true, false, false},
      {"request/a/+/+", "request/+/b/+", true, false, false},  // overlap without nesting
      {"request/a/+/+", "request/b/+/+", false, false, false},
      {"request/a/+/+", "request/b/c/+", false, false, false},
      {"request/a/b/c", "request/a/b/d", false, false, false},
      {"request/+/b/+", "request/+/c/+", false, false, false},
      {"request/+/+", "request/a/+", true, true, false},  // any equal number of levels
      {"request/+/+/+", "request/a/+", false, false, false},
      {"request/+/+/+", "request/+/+/+/+", false, false, false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(request_filters_overlap(c.a, c.b), c.overlap) << c.a << " overlaps " << c.b;
    EXPECT_EQ(request_filters_overlap(c.b, c.a), c.overlap) << c.b << " overlaps " << c.a << " (symmetric)";
    EXPECT_EQ(request_filter_holds(c.a, c.b), c.a_holds_b) << c.a << " holds " << c.b;
    EXPECT_EQ(request_filter_holds(c.b, c.a), c.b_holds_a) << c.b << " holds " << c.a;
  }
}

TEST(ClusterApplications, NestedRequestFiltersListsEveryApplicationInside) {
  const json file = {{"applications",
                      {{{"name", "all"}, {"models", {"m"}}},
                       {{"name", "arm"}, {"models", {"m"}}, {"requests", "request/arm/+/+"}},
                       {{"name", "arm-temp"}, {"models", {"m"}}, {"requests", "request/arm/temp/+"}},
                       {{"name", "x86"}, {"models", {"m"}}, {"requests", "request/x86/+/+"}}}}};
  ApplicationsDocument doc = read_applications(file);
  EXPECT_EQ(nested_request_filters(doc, "all"),
            (std::vector<std::string>{"request/arm/+/+", "request/arm/temp/+", "request/x86/+/+"}));
  EXPECT_EQ(nested_request_filters(doc, "arm"), std::vector<std::string>{"request/arm/temp/+"});
  EXPECT_TRUE(nested_request_filters(doc, "arm-temp").empty());
  EXPECT_TRUE(nested_request_filters(doc, "x86").empty());
}

}  // namespace
}  // namespace edgeml
