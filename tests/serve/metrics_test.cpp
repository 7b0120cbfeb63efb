// edgeml serve's /metrics and /healthz: figures that match what it did, in
// a format promtool accepts.
#include <httplib.h>

#include <fstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "served_models.h"

namespace edgeml::serve {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using test::kWait;

TEST(ServeMetrics, MetricsCountWhatHappenedAndPromtoolAcceptsThem) {
  EDGEML_REQUIRE_SHARED("models/seed-tflite/multi_var_LR.tflite");
  test::ServedModels served({});
  fs::path port_file = served.dir() / "metrics.port";
  // No request may fail: the unreadable one below violates it.
  std::ofstream(served.dir() / "sla.json") << R"({"node": {"error_rate": 0}, "models": {"*": {"p99_latency_ms": 1000}}})";
  Process server = test::run_edgeml({"serve", "--port", std::to_string(served.broker().port()), "--models",
                                     test::shared_file("models/seed-tflite").string(), "--node", "metrics-node",
                                     "--metrics-port", "0", "--metrics-port-file", port_file.string(),
                                     "--contract", (served.dir() / "sla.json").string(), "--stats-interval", "0.2"},
                                    served.dir() / "serve.log");
  ASSERT_TRUE(served.status().wait_for(node_status_topic("metrics-node"), "online", kWait))
      << test::read_file(served.dir() / "serve.log");
  ASSERT_TRUE(test::wait_until([&] { return fs::exists(port_file); }, kWait));
  httplib::Client http("127.0.0.1", std::stoi(test::read_file(port_file)));
  http.set_read_timeout(10, 0);

  auto health = http.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(health->body, "ok\n");

  test::MessageInbox replies;
  auto listener = test::receiving_client(served.client("listener"), replies, "predict/#");
  mq::Client requester(served.client("requester"));
  requester.connect();
  std::this_thread::sleep_for(200ms);
  for (int i = 0; i < 5; ++i) requester.publish("request/1/2/3", fmt::format("{},231,230", i), 0);
  requester.publish("request/1/2/3", "broken", 0);
  ASSERT_TRUE(replies.wait_for(6, kWait));
  // Their events: each request's prediction scored, one model an exact hit.
  for (int i = 0; i < 5; ++i) requester.publish("alarm/1/2/3", fmt::format("{}.0,1487508915.0,231,230,True", i), 1);
  ASSERT_TRUE(test::wait_until(
      [&] {
        auto m = http.Get("/metrics");
        return m && m->body.find("edgeml_serve_online_scored_requests_total 5\n") != std::string::npos &&
               m->body.find("edgeml_serve_contract_violation{contract=\"sla\",model=\"\",metric=\"error_rate\"} 1\n") !=
                   std::string::npos;
      },
      kWait));

  auto metrics = http.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_EQ(metrics->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  const std::string& text = metrics->body;
  for (const char* line : {"edgeml_serve_requests_total 6\n", "edgeml_serve_replies_total 5\n",
                           "edgeml_serve_request_errors_total 1\n", "edgeml_serve_request_timeouts_total 0\n",
                           "edgeml_serve_replies_refused_total 0\n", "edgeml_serve_request_latency_seconds_count 5\n",
                           "edgeml_serve_model_info{model=\"multi_var_LR\",version=\"aef3c99f0437\"} 1\n",
                           "edgeml_serve_sensor_events_total 5\n",
                           "edgeml_serve_online_scored_total{model=\"multi_var_LR\",version=\"aef3c99f0437\","
                           "series=\"1/2/3\"} 5\n",
                           "edgeml_serve_online_accuracy_alert{model=\"single_var_LR\",version=",
                           "edgeml_serve_online_mae{model=\"single_var_LR\",version=",
                           "edgeml_serve_model_inference_seconds_count{model=\"multi_var_LR\"} 5\n",
                           "edgeml_serve_model_load_seconds{model=\"multi_var_LR\",version=\"aef3c99f0437\"} ",
                           "edgeml_serve_model_reload_seconds 0\n", "process_cpu_seconds_total ",
                           "process_resident_memory_bytes ",
                           "edgeml_serve_request_duration_seconds_bucket{le=\"+Inf\"} 5\n",
                           "edgeml_serve_request_duration_seconds_bucket{le=\"1e-06\"} 0\n",
                           "edgeml_serve_request_duration_seconds_count 5\n",
                           "edgeml_serve_model_inference_duration_seconds_bucket{model=\"multi_var_LR\",le=\"5\"} 5\n",
                           "edgeml_serve_contract_violations_total{contract=\"sla\",model=\"\",metric=\"error_rate\"} 1\n",
                           "edgeml_serve_contract_bound{contract=\"sla\",model=\"multi_var_LR\",metric=\"p99_latency_ms\"} "
                           "1000\n",
                           "edgeml_serve_contract_value{contract=\"sla\",model=\"multi_var_LR\",metric=\"p99_latency_ms\"} ",
                           "edgeml_serve_quality_passed_total "})
    EXPECT_NE(text.find(line), std::string::npos) << line << " missing from:\n" << text;

  fs::path saved = served.dir() / "metrics.txt";
  std::ofstream(saved) << text;
  Process promtool({"sh", "-c", "promtool check metrics < " + saved.string()}, (served.dir() / "promtool.log").string());
  EXPECT_EQ(promtool.wait_for(kWait), 0) << test::read_file(served.dir() / "promtool.log");
}

// A server with no model and a metrics endpoint on a free port.
Process serve_without_models(test::ServedModels& served, const fs::path& models, const std::string& node) {
  return test::run_edgeml({"serve", "--port", std::to_string(served.broker().port()), "--models", models.string(),
                           "--node", node, "--metrics-port", "0", "--metrics-port-file",
                           (served.dir() / "metrics.port").string()},
                          served.dir() / "serve.log");
}

int metrics_port(test::ServedModels& served) {
  const fs::path port_file = served.dir() / "metrics.port";
  EXPECT_TRUE(test::wait_until([&] { return fs::exists(port_file); }, kWait)) << test::read_file(served.dir() / "serve.log");
  return fs::exists(port_file) ? std::stoi(test::read_file(port_file)) : 1;  // 1: nothing listens there
}

TEST(ServeMetrics, HealthzSaysWhyWhenNoModelIsLoaded) {
  test::ServedModels served({});
  test::TempDir empty;
  Process server = serve_without_models(served, empty.path(), "empty-node");
  httplib::Client http("127.0.0.1", metrics_port(served));
  auto health = http.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 503);
  EXPECT_EQ(health->body, "no model loaded\n");
}

TEST(ServeMetrics, OtherPathsMethodsAndOversizedRequestsAreRefusedAndTheEndpointGoesOn) {
  test::ServedModels served({});
  test::TempDir empty;
  Process server = serve_without_models(served, empty.path(), "refusing-node");
  httplib::Client http("127.0.0.1", metrics_port(served));
  http.set_read_timeout(10, 0);
  for (const char* path : {"/", "/nothing", "/metrics/more", "/healthz/more"}) {
    auto res = http.Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 404) << path;
  }
  auto posted = http.Post("/metrics", "x", "text/plain");
  ASSERT_TRUE(posted);
  EXPECT_EQ(posted->status, 405);
  auto head = http.Head("/healthz");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 503);
  EXPECT_TRUE(head->body.empty());
  auto oversized = http.Get("/metrics", {{"X-Padding", std::string(64 * 1024, 'a')}});
  EXPECT_TRUE(!oversized || oversized->status >= 400);
  auto after = http.Get("/metrics");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200);
  EXPECT_NE(after->body.find("edgeml_serve_requests_total 0\n"), std::string::npos);
}

}  // namespace
}  // namespace edgeml::serve
