#include "protocol/reply.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace edgeml {
namespace {

using nlohmann::json;

Request sample_request() {
  Request r;
  EXPECT_TRUE(parse_request("request/1160629000/121/308", "100.0,231,230", r));
  return r;
}

TEST(ServeReply, HoldsSeriesRequestOnePredictionPerModelAndNode) {
  Label tutorial;
  Label minutes{0, 60, "60 s after Unix time 0"};
  std::vector<ModelAnswer> answers = {
      {"multi_var_LR", "3f2a9c0b17d4", &tutorial, -54.281502f, "", {}},
      {"minutes_model", "v2", &minutes, 2.5f, "", {}},
  };
  json reply = json::parse(prediction_reply(sample_request(), answers, "edge-1"));

  EXPECT_EQ(reply["series"], json({{"station", "1160629000"}, {"datapoint", "121"}, {"alarm", "308"}}));
  EXPECT_EQ(reply["request"], json({{"index", 100}, {"value", 231}, {"valueThreshold", 230}}));
  EXPECT_EQ(reply["node"], "edge-1");
  ASSERT_EQ(reply["predictions"].size(), 2u);
  const json& lr = reply["predictions"]["multi_var_LR"];
  EXPECT_EQ(lr["version"], "3f2a9c0b17d4");
  EXPECT_EQ(lr["unit"], "1000 s after Unix time 1487508915");
  // The float32 in its shortest form, not its double expansion.
  EXPECT_EQ(lr["output"].dump(), "-54.2815");
  EXPECT_EQ(static_cast<float>(lr["output"].get<double>()), -54.281502f);
  EXPECT_DOUBLE_EQ(lr["event_time"].get<double>(), 1487454633.498);
  const json& minute = reply["predictions"]["minutes_model"];
  EXPECT_EQ(minute["unit"], "60 s after Unix time 0");
  EXPECT_DOUBLE_EQ(minute["event_time"].get<double>(), 150);
}

// A server passes each model's text made at load; the reply must be the same
// as the one escaped on the spot, for names and units that need escaping too.
TEST(ServeReply, AnswerTextMadeAtLoadWritesTheSameReply) {
  Label tutorial;
  Label odd{0, 60, "\"quoted\" \xff units"};
  std::vector<ModelAnswer> answers = {
      {"multi_var_LR", "3f2a9c0b17d4", &tutorial, -54.281502f, "", {}},
      {"odd \"name\"\n", "v\\2", &odd, 1e-7f, "", {}},
      {"broken", "v1", nullptr, 0, "output nan is not finite", {}},
  };
  const std::string escaped_here = prediction_reply(sample_request(), answers, "edge-1");
  std::vector<AnswerText> texts = {make_answer_text("multi_var_LR", "3f2a9c0b17d4", tutorial),
                                   make_answer_text("odd \"name\"\n", "v\\2", odd),
                                   make_answer_text("broken", "v1", tutorial)};
  for (std::size_t i = 0; i < answers.size(); ++i) answers[i].text = &texts[i];
  EXPECT_EQ(prediction_reply(sample_request(), answers, "edge-1"), escaped_here);
  EXPECT_EQ(json::parse(escaped_here)["predictions"]["odd \"name\"\n"]["unit"], "\"quoted\" \xef\xbf\xbd units");
}

TEST(ServeReply, EchoesTheRequestIdAsSent) {
  Request r;
  ASSERT_TRUE(parse_request("request/a/b/c", R"({"index":1,"value":2,"valueThreshold":3,"id":"abc"})", r));
  EXPECT_EQ(json::parse(prediction_reply(r, {}, "n"))["request"]["id"], "abc");
  ASSERT_TRUE(parse_request("request/a/b/c", R"({"index":1,"value":2,"valueThreshold":3,"id":12345678901234567890})", r));
  EXPECT_EQ(json::parse(prediction_reply(r, {}, "n"))["request"]["id"].dump(), "12345678901234567890");
  EXPECT_TRUE(json::parse(prediction_reply(r, {}, "n"))["predictions"].is_object());
}

TEST(ServeReply, AModelThatFailedGivesItsReasonInsteadOfAnOutput) {
  std::vector<ModelAnswer> answers = {{"broken", "v1", nullptr, 0, "output nan is not finite", {}}};
  json p = json::parse(prediction_reply(sample_request(), answers, "n"))["predictions"]["broken"];
  EXPECT_EQ(p, json({{"version", "v1"}, {"error", "output nan is not finite"}}));
}

TEST(ServeErrorReply, GivesTheReasonAndEchoesTopicAndPayload) {
  json reply = json::parse(error_reply("payload has 2 fields", "request/a/b/c", "100,231", "edge-1"));
  EXPECT_EQ(reply, json({{"error", "payload has 2 fields"},
                         {"topic", "request/a/b/c"},
                         {"payload", "100,231"},
                         {"payload_bytes", 7},
                         {"node", "edge-1"}}));
}

TEST(ServeErrorReply, CutsLongEchoesAndReplacesInvalidUtf8) {
  std::string payload(kMaxEchoBytes - 1, 'x');
  payload += "\xc3\xa9";  // an é cut in the middle at kMaxEchoBytes
  payload += std::string(5000, 'y');
  std::string binary = "\xff\xfe\x00\x01";
  binary.push_back('\0');
  json reply = json::parse(error_reply("too long", std::string(3000, 't'), payload, "n"));
  EXPECT_EQ(reply["topic"].get<std::string>(), std::string(kMaxEchoBytes, 't'));
  EXPECT_EQ(reply["payload"].get<std::string>(), std::string(kMaxEchoBytes - 1, 'x') + "\xef\xbf\xbd");
  EXPECT_EQ(reply["payload_bytes"], payload.size());
  json odd = json::parse(error_reply("bad", "request/a/b/c", binary, "n"));
  EXPECT_EQ(odd["payload_bytes"], binary.size());
  EXPECT_FALSE(odd["payload"].get<std::string>().empty());
}

}  // namespace
}  // namespace edgeml
