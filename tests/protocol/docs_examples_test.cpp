// The examples of docs/wire-protocol.md are what the code writes and reads:
// each block after an `<!-- wire-example: NAME -->` comment is checked here.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "protocol/alarm_event.h"
#include "protocol/manifest.h"
#include "protocol/receipt.h"
#include "protocol/reply.h"
#include "protocol/request.h"

namespace edgeml {
namespace {

using nlohmann::json;

const std::string kTopic = "request/1160629000/121/308";

// The text of the fenced block that follows `<!-- wire-example: NAME -->`.
std::string example(const std::string& name) {
  std::ifstream in(EDGEML_WIRE_PROTOCOL_DOC);
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  std::size_t tag = doc.find("<!-- wire-example: " + name + " -->");
  if (tag == std::string::npos) ADD_FAILURE() << "docs/wire-protocol.md has no example " << name;
  std::size_t open = doc.find("```", tag);
  std::size_t start = doc.find('\n', open);
  std::size_t close = doc.find("\n```", start);
  if (tag == std::string::npos || open == std::string::npos || close == std::string::npos) return "";
  return doc.substr(start + 1, close - start - 1);
}

TEST(DocsExamples, AnAlarmPayload) {
  const AlarmEvent event{{}, 0, 1487441883, 231, 230, true};
  EXPECT_EQ(format_payload(event), example("alarm-payload"));
}

TEST(DocsExamples, AJsonRequestReadsAndEchoesAsShown) {
  const std::string text = example("request");
  Request r;
  ASSERT_TRUE(parse_request(kTopic, text, r));
  std::string echo;
  append_request_json(echo, r);
  EXPECT_EQ(json::parse(echo), json::parse(text));
}

TEST(DocsExamples, AReply) {
  Request r;
  ASSERT_TRUE(parse_request(kTopic, R"({"index": 100, "value": 231, "valueThreshold": 230, "id": "a1"})", r));
  Label tutorial;
  std::vector<ModelAnswer> answers = {{"multi_var_LR", "3f2a9c0b17d4", &tutorial, -54.281502f, "", {}},
                                      {"broken", "v2", nullptr, 0, "output nan is not finite", {}}};
  EXPECT_EQ(json::parse(prediction_reply(r, answers, "edge-1")), json::parse(example("reply")));
}

TEST(DocsExamples, AnErrorReply) {
  Request r;
  Status s = parse_request(kTopic, "100,231", r);
  ASSERT_FALSE(s);
  EXPECT_EQ(json::parse(error_reply(s.reason(), kTopic, "100,231", "edge-1")), json::parse(example("error-reply")));
}

TEST(DocsExamples, AManifestEntryServes) {
  json manifest = empty_manifest();
  manifest["models"].push_back(json::parse(example("manifest-entry")));
  ManifestModels m = read_manifest_models(manifest);
  EXPECT_TRUE(m.bad.empty());
  ASSERT_EQ(m.entries.size(), 1u);
  EXPECT_EQ(m.entries[0].files, (std::vector<std::string>{"multi_var_LR.tflite", "multi_var_LR.onnx"}));
  EXPECT_EQ(m.entries[0].test_mae, 1.418);
}

TEST(DocsExamples, AStoreReceipt) { EXPECT_EQ(encode_receipt({10, 1, 2, 3, 7, 9}), example("receipt")); }

}  // namespace
}  // namespace edgeml
