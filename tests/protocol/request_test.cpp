#include "protocol/request.h"

#include <ostream>
#include <string>

#include <gtest/gtest.h>

namespace edgeml {
namespace {

constexpr const char* kTopic = "request/1160629000/121/308";

TEST(ServeRequest, ParsesTheTutorialsCsvPayload) {
  Request r;
  ASSERT_TRUE(parse_request(kTopic, "100.0,231,230", r));
  EXPECT_EQ(r.series.station, "1160629000");
  EXPECT_EQ(r.series.datapoint, "121");
  EXPECT_EQ(r.series.alarm, "308");
  EXPECT_EQ(r.index, 100);
  EXPECT_EQ(r.value, 231);
  EXPECT_EQ(r.threshold, 230);
  EXPECT_EQ(r.id_kind, Request::IdKind::none);
}

TEST(ServeRequest, ToleratesSurroundingWhitespace) {
  Request r;
  ASSERT_TRUE(parse_request(kTopic, "  797, 232 ,230\r\n", r));
  EXPECT_EQ(r.index, 797);
  EXPECT_EQ(r.value, 232);
  EXPECT_EQ(r.threshold, 230);
}

TEST(ServeRequest, ParsesJsonWithAnIdOfEitherKind) {
  Request r;
  ASSERT_TRUE(parse_request(kTopic, R"({"index": 100, "value": 231.5, "valueThreshold": 230, "id": "a1"})", r));
  EXPECT_EQ(r.index, 100);
  EXPECT_EQ(r.value, 231.5);
  EXPECT_EQ(r.threshold, 230);
  EXPECT_EQ(r.id_kind, Request::IdKind::string);
  EXPECT_EQ(r.id, "a1");

  ASSERT_TRUE(parse_request(kTopic, R"({"id": 18446744073709551615, "valueThreshold": 1, "value": 2, "index": -3})", r));
  EXPECT_EQ(r.id_kind, Request::IdKind::number);
  EXPECT_EQ(r.id, "18446744073709551615");
  EXPECT_EQ(r.index, -3);

  ASSERT_TRUE(parse_request(kTopic, R"({"index":1,"value":2,"valueThreshold":3,"id":1.50})", r));
  EXPECT_EQ(r.id, "1.50");  // as the client wrote it
}

TEST(ServeRequest, JsonSkipsUnknownFieldsWhateverTheyHold) {
  Request r;
  ASSERT_TRUE(parse_request(
      kTopic, R"({"meta": {"index": "x", "list": [1, {"value": null}]}, "index":1,"value":2,"valueThreshold":3})", r));
  EXPECT_EQ(r.index, 1);
  EXPECT_EQ(r.value, 2);
}

TEST(ServeRequest, AReusedRequestForgetsThePreviousId) {
  Request r;
  ASSERT_TRUE(parse_request(kTopic, R"({"index":1,"value":2,"valueThreshold":3,"id":"x"})", r));
  ASSERT_TRUE(parse_request("request/a/b/c", "4,5,6", r));
  EXPECT_EQ(r.id_kind, Request::IdKind::none);
  EXPECT_EQ(r.id, "");
  EXPECT_EQ(r.series.station, "a");
  EXPECT_EQ(r.index, 4);
}

struct BadRequest {
  std::string topic;
  std::string payload;
  std::string reason_part;  // the reason must contain this
};

void PrintTo(const BadRequest& c, std::ostream* os) { *os << c.topic << " " << c.payload.substr(0, 80); }

class ServeRequestRejects : public testing::TestWithParam<BadRequest> {};

TEST_P(ServeRequestRejects, WithAReasonNamingTheProblem) {
  const BadRequest& c = GetParam();
  Request r;
  Status s = parse_request(c.topic, c.payload, r);
  ASSERT_FALSE(s) << c.payload;
  EXPECT_NE(s.reason().find(c.reason_part), std::string::npos) << "reason: " << s.reason();
}

const std::string kBig(5000, '1');

INSTANTIATE_TEST_SUITE_P(
    Cases, ServeRequestRejects,
    testing::Values(
        // topics
        BadRequest{"request/1/2", "1,2,3", "topic is not request/{station}/{datapoint}/{alarm}"},
        BadRequest{"request/1/2/3/4", "1,2,3", "expected {station}/{datapoint}/{alarm}"},
        BadRequest{"request/1//3", "1,2,3", "empty"},
        BadRequest{"request//2/3", "1,2,3", "empty"},
        BadRequest{"alarm/1/2/3", "1,2,3", "topic is not request/"},
        BadRequest{"requests/1/2/3", "1,2,3", "topic is not request/"},
        BadRequest{"request", "1,2,3", "topic is not request/"},
        BadRequest{"", "1,2,3", "topic is not request/"},
        BadRequest{"request/" + std::string(2000, 'x') + "/2/3", "1,2,3", "topic is 2012 bytes, more than 1024"},
        // sizes
        BadRequest{kTopic, "", "payload is empty"},
        BadRequest{kTopic, " \r\n", "payload is empty"},
        BadRequest{kTopic, kBig, "payload is 5000 bytes, more than 4096"},
        // CSV
        BadRequest{kTopic, "100,231", "payload has 2 fields, expected 3"},
        BadRequest{kTopic, "100,231,230,", "payload has 4 fields, expected 3"},
        BadRequest{kTopic, "0.0,1487441883.0,231,230,True", "payload has 5 fields"},
        BadRequest{kTopic, "100,abc,230", "payload field 2 of 3: field 'value' is not a number: 'abc'"},
        BadRequest{kTopic, "x,231,230", "payload field 1 of 3: field 'index' is not a number"},
        BadRequest{kTopic, "100,231,", "payload field 3 of 3: field 'valueThreshold' is empty"},
        BadRequest{kTopic, "nan,231,230", "field 'index' is not finite"},
        BadRequest{kTopic, "100,inf,230", "field 'value' is not finite"},
        BadRequest{kTopic, "100,231,-infinity", "field 'valueThreshold' is not finite"},
        BadRequest{kTopic, "1e999,231,230", "field 'index' is out of range"},
        BadRequest{kTopic, "100;231;230", "payload has 1 fields"},
        BadRequest{kTopic, std::string("100,2\0" "31,230", 12), "field 'value' is not a number"},
        // JSON
        BadRequest{kTopic, "{", "invalid JSON"},
        BadRequest{kTopic, R"({"index": 1, "value": 2,})", "invalid JSON"},
        BadRequest{kTopic, R"({"index":1,"value":2,"valueThreshold":3} x)", "invalid JSON"},
        BadRequest{kTopic, R"({"index":1,"value":2})", "field 'valueThreshold' is missing"},
        BadRequest{kTopic, R"({})", "field 'index' is missing"},
        BadRequest{kTopic, R"({"index":"1","value":2,"valueThreshold":3})", "field 'index' is a string, not a number"},
        BadRequest{kTopic, R"({"index":1,"value":null,"valueThreshold":3})", "field 'value' is null, not a number"},
        BadRequest{kTopic, R"({"index":1,"value":true,"valueThreshold":3})", "field 'value' is a boolean"},
        BadRequest{kTopic, R"({"index":[1],"value":2,"valueThreshold":3})", "field 'index' is an array"},
        BadRequest{kTopic, R"({"index":1,"value":2,"valueThreshold":{"v":3}})", "field 'valueThreshold' is an object"},
        BadRequest{kTopic, R"({"index":1,"value":2,"valueThreshold":3,"id":[1]})",
                   "field 'id' is an array, not a string or a number"},
        BadRequest{kTopic, R"({"index":1,"index":2,"value":2,"valueThreshold":3})", "field 'index' appears twice"},
        BadRequest{kTopic, R"({"index":1e999,"value":2,"valueThreshold":3})", "number overflow parsing '1e999'"},
        BadRequest{kTopic, R"({"index":NaN,"value":2,"valueThreshold":3})", "invalid JSON"}));

}  // namespace
}  // namespace edgeml
