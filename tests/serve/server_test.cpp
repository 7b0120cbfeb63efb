// edgeml serve as a separate process, through a real mosquitto on an
// ephemeral loopback port: the tutorial's requests and replies, MQTT 5
// request/response and bad requests (the node's life: server_lifecycle_test.cpp).
#include <httplib.h>
#include <signal.h>

#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/process.h"
#include "ingest/raw_file.h"
#include "mqtt/broker.h"
#include "serve/server.h"
#include "served_models.h"
#include "stats_conversation.h"
#include "support/message_inbox.h"
#include "support/test_support.h"

namespace edgeml::serve {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;

using test::kWait;
const std::string kSeries = "1160629000/121/308";
using test::ServedModels;

std::vector<AlarmEvent> test_file_events() {
  std::vector<AlarmEvent> events;
  ingest::RawFileReader reader(test::shared_file("data/bts/1160629000_121_308_test.csv"));
  AlarmEvent e;
  while (reader.next(e)) events.push_back(e);
  return events;
}

std::string csv_request(const AlarmEvent& e) { return fmt::format("{:.1f},{:g},{:g}", e.index, e.value, e.threshold); }

// `edgeml model run` on every request: output per input text.
std::map<std::string, float> model_run(const fs::path& model, const std::vector<std::string>& inputs, bool single,
                                       const fs::path& log) {
  std::vector<std::string> args = {"model", "run", model.string()};
  for (const std::string& input : inputs) {
    args.push_back("--input");
    args.push_back(single ? input.substr(0, input.find(',')) : input);
  }
  Process run = test::run_edgeml(args, log);
  EXPECT_EQ(run.wait_for(kWait), 0) << test::read_file(log);
  std::map<std::string, float> outputs;
  std::istringstream lines(test::read_file(log));
  std::string line;
  while (std::getline(lines, line)) {
    auto arrow = line.find(" -> ");
    if (arrow != std::string::npos) outputs[line.substr(0, arrow)] = std::stof(line.substr(arrow + 4));
  }
  return outputs;
}

// Publishes every event of the tutorial's test file as its CSV request and
// expects one reply each whose every model's output equals `edgeml model run`.
void expect_replay_matches_model_run(ServedModels& served, const std::map<std::string, bool>& models_single,
                                     const fs::path& models_dir) {
  std::vector<AlarmEvent> events = test_file_events();
  ASSERT_GT(events.size(), 900u);
  test::MessageInbox replies;
  auto listener = test::receiving_client(served.client("listener"), replies, "predict/" + kSeries);
  mq::Client requester(served.client("requester"));
  requester.connect();
  std::this_thread::sleep_for(200ms);
  std::vector<std::string> inputs;
  for (const AlarmEvent& e : events) {
    inputs.push_back(csv_request(e));
    requester.publish("request/" + kSeries, inputs.back(), 1);
  }
  ASSERT_TRUE(replies.wait_for(events.size(), kWait)) << replies.size() << " replies";
  std::this_thread::sleep_for(300ms);
  ASSERT_EQ(replies.size(), events.size()) << "more than one reply to a request";

  std::map<std::string, std::map<std::string, float>> expected;  // model -> input -> output
  for (const auto& [name, single] : models_single)
    expected[name] = model_run(models_dir / (name + ".tflite"), inputs, single, served.dir() / (name + ".run.log"));
  std::set<double> indexes;
  for (const test::ReceivedMessage& m : replies.messages()) {
    json reply = json::parse(m.payload);
    double index = reply["request"]["index"];
    indexes.insert(index);
    std::string input = fmt::format("{:.1f},{:g},{:g}", index, reply["request"]["value"].get<double>(),
                                    reply["request"]["valueThreshold"].get<double>());
    ASSERT_EQ(reply["predictions"].size(), models_single.size()) << m.payload;
    for (const auto& [name, single] : models_single) {
      std::string key = single ? input.substr(0, input.find(',')) : input;
      ASSERT_TRUE(expected[name].count(key)) << name << ": " << key;
      EXPECT_EQ(reply["predictions"][name]["output"].get<float>(), expected[name][key]) << name << " " << key;
    }
  }
  EXPECT_EQ(indexes.size(), events.size()) << "every request answered once";
}

TEST(ServeServer, TutorialModelsAnswerAReplayOfTheTestFile) {
  EDGEML_REQUIRE_SHARED("models/seed-tflite/multi_var_LR.tflite");
  EDGEML_REQUIRE_SHARED("data/bts/1160629000_121_308_test.csv");
  fs::path models = test::shared_file("models/seed-tflite");
  ServedModels served(models);
  expect_replay_matches_model_run(served, {{"single_var_LR", true}, {"multi_var_LR", false}}, models);
}

TEST(ServeServer, ModelsMadeByEdgemlTrainAnswerAReplay) {
  EDGEML_REQUIRE_SHARED("data/bts/split/train.csv");
  EDGEML_REQUIRE_SHARED("data/bts/1160629000_121_308_test.csv");
  test::TempDir work;
  Process train = test::run_edgeml({"train", "--train", test::shared_file("data/bts/split/train.csv").string(), "--test",
                                    test::shared_file("data/bts/split/test.csv").string(), "--epochs", "3", "--out",
                                    (work / "models").string()},
                                   work / "train.log");
  ASSERT_EQ(train.wait_for(kWait), 0) << test::read_file(work / "train.log");
  ServedModels served(work / "models");
  expect_replay_matches_model_run(served,
                                  {{"single_var_LR", true},
                                   {"multi_var_LR", false},
                                   {"DNN_single_regression", true},
                                   {"DNN_multi_regression", false}},
                                  work / "models");
}

TEST(ServeServer, EdgemlRequestReplaysTheTestFileAndEveryRequestIsAnswered) {
  EDGEML_REQUIRE_SHARED("models/seed-tflite/multi_var_LR.tflite");
  EDGEML_REQUIRE_SHARED("data/bts/1160629000_121_308_test.csv");
  ServedModels served(test::shared_file("models/seed-tflite"));
  fs::path out = served.dir() / "request.out";
  Process request = test::run_edgeml({"request", "--port", std::to_string(served.broker().port()), "--file",
                                      test::shared_file("data/bts/1160629000_121_308_test.csv").string(),
                                      "--concurrency", "16", "--json"},
                                     out);
  ASSERT_EQ(request.wait_for(kWait), 0) << test::read_file(out);
  std::string text = test::read_file(out);
  EXPECT_NE(text.find("sent 1000, answered 1000, errors 0, timeouts 0"), std::string::npos) << text;
  std::istringstream lines(text);
  std::string line;
  int replies = 0;
  while (std::getline(lines, line))
    if (!line.empty() && line[0] == '{') {
      json reply = json::parse(line);
      EXPECT_EQ(reply["predictions"].size(), 2u) << line;
      ++replies;
    }
  EXPECT_EQ(replies, 1000);
}

TEST(ServeServer, StatsGiveRequestsLatencyAndModels) {
  EDGEML_REQUIRE_SHARED("models/seed-tflite/multi_var_LR.tflite");
  ServedModels served(test::shared_file("models/seed-tflite"), "stats-node");
  test::MessageInbox stats, replies;
  auto watcher = test::receiving_client(served.client("stats-watcher"), stats, "edgeml/nodes/stats-node/stats");
  auto listener = test::receiving_client(served.client("listener"), replies, "predict/#");
  mq::Client requester(served.client("requester"));
  requester.connect();
  // Probes until one is answered: then the listener's subscription is active
  // (it is made after connect() returns), however loaded the machine.
  int probes = 0;
  ASSERT_TRUE(test::wait_until(
      [&] {
        requester.publish("request/" + kSeries, fmt::format("{},231,230", 100 + probes++), 0);
        return replies.wait_for(1, 200ms);
      },
      kWait));
  for (int i = 0; i < 10; ++i) requester.publish("request/" + kSeries, fmt::format("{},231,230", i), 0);
  requester.publish("request/" + kSeries, "not a request", 0);
  const int answered = 10 + probes;
  json last = test::stats_when(stats, [&](const json& s) { return s["requests"] == answered + 1; });
  EXPECT_EQ(last["node"], "stats-node");
  EXPECT_EQ(last["replies"], answered);
  EXPECT_EQ(last["errors"], 1);
  EXPECT_EQ(last["timed_out"], 0);
  EXPECT_EQ(last["replies_refused"], 0);
  EXPECT_EQ(last["latency_ms"]["count"], answered);
  EXPECT_GT(last["latency_ms"]["p99"].get<double>(), 0.0);
  EXPECT_GE(last["latency_ms"]["max"].get<double>(), last["latency_ms"]["p50"].get<double>());
  ASSERT_EQ(last["models"].size(), 2u);
  EXPECT_EQ(last["models"][0]["name"], "multi_var_LR");
  EXPECT_EQ(last["models"][0]["version"], "aef3c99f0437");
  EXPECT_GT(last["models"][0]["load_s"].get<double>(), 0.0);
  EXPECT_EQ(last["models"][0]["inference_ms"]["count"], answered);
  EXPECT_GT(last["models"][0]["inference_ms"]["p50"].get<double>(), 0.0);
  EXPECT_EQ(last["last_reload_s"], 0.0);
  EXPECT_GT(last["process"]["cpu_s"].get<double>(), 0.0);
  EXPECT_GT(last["process"]["resident_bytes"].get<double>(), 1e6);
  EXPECT_GE(last["process"]["peak_resident_bytes"].get<double>(), last["process"]["resident_bytes"].get<double>());
}

TEST(ServeServer, MosquittoClientsGetAReplyToTheTutorialsCsvRequest) {
  EDGEML_REQUIRE_SHARED("models/seed-tflite/multi_var_LR.tflite");
  ServedModels served(test::shared_file("models/seed-tflite"));
  std::string port = std::to_string(served.broker().port());
  fs::path out = served.dir() / "sub.out";
  Process sub({"mosquitto_sub", "-p", port, "-t", "predict/" + kSeries, "-C", "1", "-W", "20"}, out.string());
  std::this_thread::sleep_for(500ms);  // mosquitto_sub subscribed
  Process pub({"mosquitto_pub", "-p", port, "-t", "request/" + kSeries, "-m", "100.0,231,230"},
              (served.dir() / "pub.out").string());
  ASSERT_EQ(pub.wait_for(kWait), 0);
  ASSERT_EQ(sub.wait_for(kWait), 0) << test::read_file(out);
  json reply = json::parse(test::read_file(out));
  EXPECT_EQ(reply["series"]["station"], "1160629000");
  EXPECT_EQ(reply["request"]["index"], 100.0);
  EXPECT_EQ(reply["node"], "test-node");
  EXPECT_EQ(reply["predictions"]["multi_var_LR"]["output"].get<float>(), -54.507683f);  // edgeml model run's
  EXPECT_TRUE(reply["predictions"].contains("single_var_LR"));
}

TEST(ServeServer, AnMqtt5RequestIsAnsweredOnItsResponseTopic) {
  EDGEML_REQUIRE_SHARED("models/seed-tflite/multi_var_LR.tflite");
  ServedModels served(test::shared_file("models/seed-tflite"));
  test::MessageInbox answers, predict_topic;
  auto requester = test::receiving_client(served.client("requester", 5), answers, "my/answers");
  auto tutorial_listener = test::receiving_client(served.client("listener"), predict_topic, "predict/#");
  std::this_thread::sleep_for(200ms);
  ASSERT_TRUE(requester->publish_request("request/" + kSeries, R"({"index": 100, "value": 231,
      "valueThreshold": 230, "id": 7})", 1, "my/answers", "req-42")->wait_for(kWait));
  ASSERT_TRUE(answers.wait_for(1, kWait));
  test::ReceivedMessage answer = answers.messages().front();
  EXPECT_EQ(answer.correlation_data, "req-42");
  json reply = json::parse(answer.payload);
  EXPECT_EQ(reply["request"]["id"], 7);
  EXPECT_EQ(reply["predictions"]["multi_var_LR"]["output"].get<float>(), -54.507683f);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(predict_topic.size(), 0u) << "answered on predict/ as well";
}

TEST(ServeServer, AThousandMalformedRequestsGetErrorRepliesAndServingGoesOn) {
  EDGEML_REQUIRE_SHARED("models/seed-tflite/multi_var_LR.tflite");
  ServedModels served(test::shared_file("models/seed-tflite"));
  test::MessageInbox replies;
  auto listener = test::receiving_client(served.client("listener"), replies, "predict/#");
  mq::Client requester(served.client("requester"));
  requester.connect();
  std::this_thread::sleep_for(200ms);
  const std::vector<std::string> bad = {"",           "1,2",       "a,b,c",          "1,2,3,4",       "nan,231,230",
                                        "1e999,1,1",  "{",         R"({"index": 1})", std::string(5000, '9'),
                                        "\xff\xfe,1,1"};
  for (int i = 0; i < 1000; ++i) requester.publish("request/" + kSeries, bad[static_cast<std::size_t>(i) % bad.size()], 1);
  requester.publish("request/1/2/bad-topic-level/extra", "1,2,3", 1);  // not matched by request/+/+/+
  ASSERT_TRUE(replies.wait_for(1000, kWait)) << replies.size();
  for (const test::ReceivedMessage& m : replies.messages()) {
    json reply = json::parse(m.payload);
    ASSERT_TRUE(reply.contains("error")) << m.payload;
    EXPECT_EQ(m.topic, "predict/" + kSeries);
  }
  replies.clear();
  requester.publish("request/" + kSeries, "100.0,231,230", 1);
  ASSERT_TRUE(replies.wait_for(1, kWait));
  EXPECT_TRUE(json::parse(replies.messages().front().payload).contains("predictions"));
  EXPECT_TRUE(served.server().running());
}

TEST(ServeServer, RequestsPastTheDeadlineGetATimeoutErrorAndAreCounted) {
  EDGEML_REQUIRE_SHARED("models/seed-tflite/multi_var_LR.tflite");
  // A deadline of 1 us: in a burst, any request that waits for the one
  // before it to be answered is past it.
  ServedModels served(test::shared_file("models/seed-tflite"), "deadline-node", {"--deadline-ms", "0.001"});
  test::MessageInbox replies, stats;
  auto listener = test::receiving_client(served.client("listener"), replies, "predict/#");
  auto watcher = test::receiving_client(served.client("stats-watcher"), stats, "edgeml/nodes/deadline-node/stats");
  mq::Client requester(served.client("requester"));
  requester.connect();
  std::this_thread::sleep_for(200ms);
  for (int i = 0; i < 500; ++i) requester.publish("request/" + kSeries, fmt::format("{},231,230", i), 0);
  ASSERT_TRUE(replies.wait_for(500, kWait)) << replies.size();
  std::size_t timed_out = 0, answered = 0;
  for (const test::ReceivedMessage& m : replies.messages()) {
    json reply = json::parse(m.payload);
    if (reply.contains("predictions")) ++answered;
    else if (reply.value("error", "").starts_with("timed out: waited ")) ++timed_out;
    else ADD_FAILURE() << m.payload;
  }
  EXPECT_GT(timed_out, 0u);
  EXPECT_EQ(timed_out + answered, 500u);
  json last = test::stats_when(stats, [](const json& s) { return s["requests"] == 500; });
  EXPECT_EQ(last["timed_out"], timed_out);
  EXPECT_EQ(last["replies"], answered);
}

// A request names where its reply goes: only topics under --response-filter,
// and never one with wildcards, which would make the broker drop the server.
// Each refusal is counted in the stats and on /metrics.
TEST(ServeServer, RepliesGoOnlyToResponseTopicsUnderTheFilterAndRefusalsAreCounted) {
  EDGEML_REQUIRE_SHARED("models/seed-tflite/multi_var_LR.tflite");
  test::TempDir scratch;
  const fs::path port_file = scratch / "metrics.port";
  ServedModels served(test::shared_file("models/seed-tflite"), "filter-node",
                      {"--response-filter", "edgeml/replies/#", "--metrics-port", "0", "--metrics-port-file",
                       port_file.string()});
  test::MessageInbox everything, stats;
  auto watcher = test::receiving_client(served.client("watcher"), everything, "#");
  auto stats_watcher = test::receiving_client(served.client("stats-watcher"), stats, "edgeml/nodes/filter-node/stats");
  mq::ClientOptions options = served.client("asker");
  options.mqtt_version = 5;
  mq::Client asker(options);
  asker.connect();
  std::this_thread::sleep_for(200ms);
  const std::string request = "request/" + kSeries;
  asker.publish_request(request, "1,231,230", 0, "elsewhere/x", "1");
  asker.publish_request(request, "2,231,230", 0, "edgeml/replies/+", "2");
  asker.publish_request(request, "not a request", 0, "elsewhere/y", "3");  // an error reply, refused as well
  asker.publish_request(request, "4,231,230", 0, "edgeml/replies/asker", "4");
  ASSERT_TRUE(test::wait_until(
      [&] {
        for (const auto& m : everything.messages())
          if (m.topic == "edgeml/replies/asker") return true;
        return false;
      },
      kWait));
  for (const auto& m : everything.messages()) EXPECT_FALSE(m.topic.starts_with("elsewhere/")) << m.topic;
  EXPECT_TRUE(served.server().running());
  EXPECT_NE(test::read_file(served.dir() / "serve.log").find("not under --response-filter"), std::string::npos);

  json last = test::stats_when(stats, [](const json& s) { return s["requests"] == 4; });
  EXPECT_EQ(last["replies_refused"], 3);
  ASSERT_TRUE(test::wait_until([&] { return fs::exists(port_file); }, kWait));
  httplib::Client http("127.0.0.1", std::stoi(test::read_file(port_file)));
  http.set_read_timeout(10, 0);
  auto metrics = http.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("\nedgeml_serve_replies_refused_total 3\n"), std::string::npos) << metrics->body;
}

}  // namespace
}  // namespace edgeml::serve
