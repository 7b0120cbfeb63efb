// edgeml serve's life as a node, as a separate process through a real
// mosquitto: its retained status, hot reloads of its model directory, and
// the servers of a group sharing the requests.
#include <signal.h>

#include <fstream>
#include <map>
#include <set>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/process.h"
#include "mqtt/broker.h"
#include "served_models.h"
#include "stats_conversation.h"
#include "support/message_inbox.h"
#include "support/test_support.h"

namespace edgeml::serve {
namespace {

using namespace std::chrono_literals;
using test::kWait;
using test::ServedModels;

TEST(ServeServer, StatusIsOnlineThenOfflineWhenTheServerStopsOrIsKilled) {
  EDGEML_REQUIRE_SHARED("models/seed-tflite/multi_var_LR.tflite");
  ServedModels served(test::shared_file("models/seed-tflite"), "node-a");
  const std::string topic = node_status_topic("node-a");
  EXPECT_EQ(served.server().stop(SIGTERM, 10s), 0) << test::read_file(served.dir() / "serve.log");
  ASSERT_TRUE(served.status().wait_for(topic, "offline", kWait));

  Process again = served.start(test::shared_file("models/seed-tflite"), "node-a");
  test::MessageInbox status;
  auto watcher = test::receiving_client(served.client("watcher-2"), status, topic);
  ASSERT_TRUE(status.wait_for(topic, "online", kWait));
  again.signal(SIGKILL);
  ASSERT_TRUE(status.wait_for(topic, "offline", kWait)) << "the Last Will";
}

TEST(ServeServer, HotReloadSwapsInAGoodFileAndRefusesACorruptOne) {
  EDGEML_REQUIRE_SHARED("models/seed-tflite/multi_var_LR.tflite");
  std::string first = test::read_file(test::shared_file("models/seed-tflite/single_var_LR.tflite"));
  std::string second = test::read_file(test::shared_file("models/seed-tflite/multi_var_LR.tflite"));
  test::TempDir models;
  test::install_file(models.path(), "single_var_LR.tflite", first);
  ServedModels served(models.path());
  test::MessageInbox replies;
  auto listener = test::receiving_client(served.client("listener"), replies, "predict/#");
  mq::Client requester(served.client("requester"));
  requester.connect();
  std::this_thread::sleep_for(200ms);
  const std::string v1 = test::answering_version(requester, replies);
  ASSERT_EQ(v1.size(), 12u) << v1;

  test::install_file(models.path(), "single_var_LR.tflite", second);  // a new version
  std::string v2;
  ASSERT_TRUE(test::wait_until([&] { return (v2 = test::answering_version(requester, replies)) != v1; }, kWait));
  ASSERT_EQ(v2.size(), 12u) << v2;

  test::install_file(models.path(), "single_var_LR.tflite", second.substr(0, second.size() / 2));  // corrupt
  std::this_thread::sleep_for(1s);  // ten polls
  EXPECT_EQ(test::answering_version(requester, replies), v2) << "the old version keeps answering";
  EXPECT_NE(test::read_file(served.dir() / "serve.log").find("not loaded"), std::string::npos);

  test::install_file(models.path(), "single_var_LR.tflite", first);  // good again
  EXPECT_TRUE(test::wait_until([&] { return test::answering_version(requester, replies) == v1; }, kWait));
}

TEST(ServeServer, TwoServersOfAGroupShareRequestsAndAnswerEachOnce) {
  EDGEML_REQUIRE_SHARED("models/seed-tflite/multi_var_LR.tflite");
  std::filesystem::path models = test::shared_file("models/seed-tflite");
  ServedModels served({});
  auto in_group = [&](const std::string& node) {
    return test::run_edgeml({"serve", "--port", std::to_string(served.broker().port()), "--models", models.string(),
                             "--node", node, "--group", "edgeml"},
                            served.dir() / (node + ".log"));
  };
  Process one = in_group("node-1"), two = in_group("node-2");
  ASSERT_TRUE(served.status().wait_for(node_status_topic("node-1"), "online", kWait));
  ASSERT_TRUE(served.status().wait_for(node_status_topic("node-2"), "online", kWait));
  test::MessageInbox replies;
  auto listener = test::receiving_client(served.client("listener"), replies, "predict/#");
  mq::Client requester(served.client("requester"));
  requester.connect();
  std::this_thread::sleep_for(500ms);  // both servers subscribed
  constexpr int kRequests = 400;
  for (int i = 0; i < kRequests; ++i) requester.publish("request/1160629000/121/308", fmt::format("{},231,230", i), 1);
  ASSERT_TRUE(replies.wait_for(kRequests, kWait)) << replies.size();
  std::this_thread::sleep_for(500ms);
  std::map<std::string, int> per_node;
  std::set<double> indexes;
  for (const test::ReceivedMessage& m : replies.messages()) {
    nlohmann::json reply = nlohmann::json::parse(m.payload);
    ++per_node[reply["node"]];
    indexes.insert(reply["request"]["index"].get<double>());
  }
  EXPECT_EQ(replies.size(), static_cast<std::size_t>(kRequests)) << "a request answered twice";
  EXPECT_EQ(indexes.size(), static_cast<std::size_t>(kRequests));
  EXPECT_GT(per_node["node-1"], 0);
  EXPECT_GT(per_node["node-2"], 0);
}

}  // namespace
}  // namespace edgeml::serve
