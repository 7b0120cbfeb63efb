// The request client's parts that need no broker: requests read from the
// tutorial's raw test files, their JSON payloads, replies read, options checked.
#include <fstream>
#include <memory>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "core/error.h"
#include "client/request_client.h"
#include "client/request_file.h"
#include "support/test_support.h"

namespace edgeml::client {
namespace {

// Sends spdlog's output to a string while it lives.
class CapturedLog {
 public:
  CapturedLog() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(text_);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("captured", sink));
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  std::string text() const { return text_.str(); }

 private:
  std::ostringstream text_;
  std::shared_ptr<spdlog::logger> previous_;
};

TEST(RequestFile, EachLineGivesItsSeriesAndFeaturesWithItsLineAsId) {
  test::TempDir dir;
  std::ofstream(dir / "test.csv") << "0,983,1160629000,121,308,1487441883,231,230,True,\n"
                                     "7,990,1160629001,122,309,1487442194,229.5,230,False\n";
  RequestFile file(dir / "test.csv");
  Request r;
  ASSERT_TRUE(file.next(r));
  EXPECT_EQ(r.series.path(), "1160629000/121/308");
  EXPECT_EQ(r.index, 0);
  EXPECT_EQ(r.value, 231);
  EXPECT_EQ(r.threshold, 230);
  EXPECT_EQ(r.id_kind, Request::IdKind::number);
  EXPECT_EQ(r.id, "1");
  ASSERT_TRUE(file.next(r));
  EXPECT_EQ(r.series.path(), "1160629001/122/309");
  EXPECT_EQ(r.index, 7);
  EXPECT_EQ(r.value, 229.5);
  EXPECT_EQ(r.id, "2");
  EXPECT_FALSE(file.next(r));
  EXPECT_EQ(file.skipped(), 0);
}

TEST(RequestFile, BadLinesAreSkippedWithTheirFileAndLine) {
  test::TempDir dir;
  std::ofstream(dir / "bad.csv") << "0,983,1160629000,121,308,1487441883,231,230,True,\n"  // 1
                                    "1,984,1160629000,121,308\n"                           // 2: too few fields
                                    "\n"                                                   // 3: blank, not a warning
                                    "2,985,1160629000,121,308,1487442922,abc,230,True,\n"  // 4: value not a number
                                    "3,986,1160629000,,308,1487443000,231,230,True,\n"     // 5: empty datapoint
                                    "4,987,1160629000,121,308,1487443100,231,230,True,\n";  // 6
  CapturedLog log;
  RequestFile file(dir / "bad.csv");
  Request r;
  std::vector<std::string> ids;
  while (file.next(r)) ids.push_back(r.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"1", "6"}));
  EXPECT_EQ(file.skipped(), 3);
  std::string warnings = log.text();
  std::string name = (dir / "bad.csv").string();
  EXPECT_NE(warnings.find(name + ":2:"), std::string::npos) << warnings;
  EXPECT_NE(warnings.find(name + ":4:"), std::string::npos) << warnings;
  EXPECT_NE(warnings.find(name + ":5:"), std::string::npos) << warnings;
  EXPECT_EQ(warnings.find(name + ":3:"), std::string::npos) << warnings;
}

TEST(RequestFile, AMissingFileIsAnError) {
  test::TempDir dir;
  EXPECT_THROW(RequestFile(dir / "absent.csv"), Error);
  EXPECT_THROW(RequestFile(dir.path()), Error);
}

TEST(RequestFile, ReadsTheTutorialsTestFile) {
  EDGEML_REQUIRE_SHARED("data/bts/1160629000_121_308_test.csv");
  RequestFile file(test::shared_file("data/bts/1160629000_121_308_test.csv"));
  Request r;
  int n = 0;
  while (file.next(r)) {
    EXPECT_EQ(r.series.path(), "1160629000/121/308");
    ++n;
  }
  EXPECT_EQ(n, 1000);  // the last line has no newline
  EXPECT_EQ(file.skipped(), 0);
}

TEST(RequestPayload, IsJsonWithTheFeaturesAndAnId) {
  Request r;
  r.index = 100;
  r.value = 231.5;
  r.threshold = 230;
  auto without_id = nlohmann::json::parse(request_payload(r, 42));
  EXPECT_EQ(without_id, nlohmann::json::parse(R"({"index":100,"value":231.5,"valueThreshold":230,"id":"42"})"));

  r.id_kind = Request::IdKind::number;
  r.id = "17";
  EXPECT_EQ(nlohmann::json::parse(request_payload(r, 42))["id"], 17);
  r.id_kind = Request::IdKind::string;
  r.id = "a \"quoted\" id";
  EXPECT_EQ(nlohmann::json::parse(request_payload(r, 42))["id"], "a \"quoted\" id");
}

TEST(RequestPayload, RoundTripsThroughTheServersParser) {
  Request sent;
  sent.index = 0.1;
  sent.value = -3e-7;
  sent.threshold = 1e300;
  Request read;
  ASSERT_TRUE(parse_request("request/1/2/3", request_payload(sent, 9), read));
  EXPECT_EQ(read.index, sent.index);
  EXPECT_EQ(read.value, sent.value);
  EXPECT_EQ(read.threshold, sent.threshold);
  EXPECT_EQ(read.id_kind, Request::IdKind::string);
  EXPECT_EQ(read.id, "9");
}

TEST(ClassifyReply, ErrorRepliesAndUnreadableOnesAreErrors) {
  std::string error;
  EXPECT_EQ(classify_reply(R"({"predictions":{},"node":"n"})", error), RequestResult::Outcome::answered);
  EXPECT_EQ(classify_reply(R"({"error":"payload has 2 fields","node":"n"})", error), RequestResult::Outcome::error);
  EXPECT_EQ(error, "payload has 2 fields");
  EXPECT_EQ(classify_reply("not json", error), RequestResult::Outcome::error);
  EXPECT_EQ(error, "the reply is not JSON: not json");
  EXPECT_EQ(classify_reply("[1,2]", error), RequestResult::Outcome::error);
  EXPECT_EQ(error, "the reply is not a JSON object: [1,2]");
  EXPECT_EQ(classify_reply(std::string(1000, 'x'), error), RequestResult::Outcome::error);
  EXPECT_LT(error.size(), 120u);
}

TEST(ClassifyReply, OnlyATopLevelErrorCountsWhateverItsValue) {
  std::string error;
  EXPECT_EQ(classify_reply(R"({"predictions":{"m":{"version":"v","error":"nan"}},"node":"n"})", error),
            RequestResult::Outcome::answered);
  EXPECT_EQ(classify_reply(R"({"predictions":{"m":{"version":"v"}},"error":"late","node":"n"})", error),
            RequestResult::Outcome::error);
  EXPECT_EQ(error, "late");
  EXPECT_EQ(classify_reply(R"({"error":{"code":3}})", error), RequestResult::Outcome::error);
  EXPECT_EQ(error, R"({"code":3})");
  EXPECT_EQ(classify_reply(R"({"error":42,"node":"n"})", error), RequestResult::Outcome::error);
  EXPECT_EQ(error, "42");
  EXPECT_EQ(classify_reply(R"({"predictions":{},"node":"n")", error), RequestResult::Outcome::error);
  EXPECT_EQ(error, R"(the reply is not JSON: {"predictions":{},"node":"n")");
  EXPECT_EQ(classify_reply(R"({"error":"x"} trailing)", error), RequestResult::Outcome::error);
  EXPECT_EQ(error, R"(the reply is not JSON: {"error":"x"} trailing)");
  EXPECT_EQ(classify_reply(R"("just a string")", error), RequestResult::Outcome::error);
  EXPECT_EQ(error, R"(the reply is not a JSON object: "just a string")");
}

TEST(ClassifyReply, EmptyDeepOrIllFormedUtf8RepliesAreNotJson) {
  std::string error;
  EXPECT_EQ(classify_reply("", error), RequestResult::Outcome::error);
  EXPECT_EQ(error, "the reply is not JSON: ");
  EXPECT_EQ(classify_reply("{\"node\":\"n\xff\"}", error), RequestResult::Outcome::error);
  EXPECT_TRUE(error.starts_with("the reply is not JSON")) << error;
  std::string deep = R"({"a":)" + std::string(100000, '[') + std::string(100000, ']') + "}";
  EXPECT_EQ(classify_reply(deep, error), RequestResult::Outcome::error);
  EXPECT_TRUE(error.starts_with("the reply is not JSON")) << error;
  // A reply read after a longer one is read on its own.
  EXPECT_EQ(classify_reply(R"({"predictions":{},"node":"n"})", error), RequestResult::Outcome::answered);
}

TEST(RequestClient, BadOptionsAreRefused) {
  RequestClientOptions o;
  o.concurrency = 0;
  EXPECT_THROW(RequestClient{o}, Error);
  o = {};
  o.timeout = std::chrono::milliseconds(0);
  EXPECT_THROW(RequestClient{o}, Error);
  o.timeout = std::chrono::hours(25);
  EXPECT_THROW(RequestClient{o}, Error);
  o = {};
  o.rate = -1;
  EXPECT_THROW(RequestClient{o}, Error);
  o = {};
  o.qos = 3;
  EXPECT_THROW(RequestClient{o}, Error);
  o = {};
  o.client.connection.client_id = "a/b";
  EXPECT_THROW(RequestClient{o}, Error);
  o = {};
  o.client.connection.client_id = "mine";
  EXPECT_EQ(RequestClient(o).response_topic(), "edgeml/replies/mine");
}

}  // namespace
}  // namespace edgeml::client
