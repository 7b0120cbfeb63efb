// edgeml serve --null-responder, the baseline of bench/serve: the same
// replies on the same topics, with no model run.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "served_models.h"

namespace edgeml::serve {
namespace {

using nlohmann::json;
using test::kWait;

TEST(NullResponder, RepliesWithEmptyPredictionsAndStillReportsBadRequests) {
  EDGEML_REQUIRE_SHARED("models/seed-tflite/multi_var_LR.tflite");
  test::ServedModels served(test::shared_file("models/seed-tflite"), "null-node", {"--null-responder"});
  test::MessageInbox replies;
  auto listener = test::receiving_client(served.client("listener"), replies, "predict/#");
  mq::Client requester(served.client("requester"));
  requester.connect();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  requester.publish("request/1160629000/121/308", R"({"index": 100, "value": 231, "valueThreshold": 230, "id": 3})", 0);
  ASSERT_TRUE(replies.wait_for(1, kWait)) << test::read_file(served.dir() / "serve.log");
  json reply = json::parse(replies.messages().front().payload);
  EXPECT_EQ(reply["predictions"], json::object()) << reply.dump();
  EXPECT_EQ(reply["request"]["id"], 3);
  EXPECT_EQ(reply["node"], "null-node");

  replies.clear();
  requester.publish("request/1160629000/121/308", "1,2", 0);
  ASSERT_TRUE(replies.wait_for(1, kWait));
  EXPECT_TRUE(json::parse(replies.messages().front().payload).contains("error"));
}

}  // namespace
}  // namespace edgeml::serve
