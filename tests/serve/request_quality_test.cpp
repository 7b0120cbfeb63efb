// edgeml serve inspecting the data quality of its requests, through a real
// mosquitto: a request outside the training range is flagged and reported on
// edgeml/dq/{series}, a drop policy refuses it with the reasons, and an
// unreadable request still gets its one error reply.
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "quality/reference_statistics.h"
#include "serve_testing.h"
#include "served_models.h"

namespace edgeml::serve {
namespace {

using nlohmann::json;
using edgeml::test::kWait;

const std::string kSeries = "1160629000/121/308";

// The sample models with training statistics: every feature seen between 0 and 100.
void write_models_with_statistics(const std::filesystem::path& dir) {
  test::write_sample_directory(dir);
  std::vector<double> seen;
  for (int i = 0; i <= 100; ++i) seen.push_back(i);
  ReferenceStatistics reference;
  reference.rows = seen.size();
  for (RecordFeature f : kRecordFeatures)
    reference.features[static_cast<std::size_t>(f)] = feature_statistics(seen, 10, feature_name(f));
  json manifest = test::sample_manifest("v1");
  manifest["data_statistics"] = reference_statistics_json(reference);
  test::write_file(dir / "manifest.json", manifest.dump(2));
}

struct QualityWatch {
  explicit QualityWatch(edgeml::test::ServedModels& served)
      : reports_client(edgeml::test::receiving_client(served.client("dq-watcher"), reports, "edgeml/dq/#")),
        replies_client(edgeml::test::receiving_client(served.client("listener"), replies, "predict/#")),
        requester(served.client("requester")) {
    requester.connect();
  }
  json reply_to(const std::string& payload) {
    replies.clear();
    requester.publish("request/" + kSeries, payload, 1);
    EXPECT_TRUE(replies.wait_for(1, kWait));
    auto messages = replies.messages();
    return messages.empty() ? json() : json::parse(messages[0].payload);
  }
  edgeml::test::MessageInbox reports, replies;
  std::unique_ptr<mq::Client> reports_client, replies_client;
  mq::Client requester;
};

TEST(ServeRequestQuality, ARequestOutsideTheTrainingRangeIsAnsweredAndReported) {
  edgeml::test::TempDir models;
  write_models_with_statistics(models.path());
  edgeml::test::ServedModels served(models.path(), "dq-node");
  QualityWatch watch(served);

  json fine = watch.reply_to("50,50,50");
  EXPECT_EQ(fine["predictions"].size(), 2u) << fine.dump();
  json outside = watch.reply_to("50,500,50");
  EXPECT_EQ(outside["predictions"].size(), 2u) << "flagged, not dropped: " << outside.dump();

  ASSERT_TRUE(watch.reports.wait_for(1, kWait));
  auto reports = watch.reports.messages();
  ASSERT_EQ(reports.size(), 1u) << "the request in range is not reported";
  EXPECT_EQ(reports[0].topic, "edgeml/dq/" + kSeries);
  json report = json::parse(reports[0].payload);
  EXPECT_EQ(report["component"], "serve");
  EXPECT_EQ(report["node"], "dq-node");
  EXPECT_EQ(report["source"], "prediction_request");
  EXPECT_EQ(report["action"], "flag");
  EXPECT_EQ(report["record"]["value"], 500);
  ASSERT_EQ(report["findings"].size(), 1u);
  EXPECT_EQ(report["findings"][0]["check"], "out_of_range");
  EXPECT_EQ(report["findings"][0]["feature"], "value");
}

TEST(ServeRequestQuality, ADropPolicyRefusesTheRequestWithTheReasons) {
  edgeml::test::TempDir models;
  write_models_with_statistics(models.path());
  std::filesystem::path config = models.path() / "quality.json";
  test::write_file(config, R"({"out_of_range": {"policy": "drop"}})");
  edgeml::test::ServedModels served(models.path(), "dq-drop-node", {"--quality-config", config.string()});
  QualityWatch watch(served);

  json refused = watch.reply_to("50,500,50");
  ASSERT_TRUE(refused.contains("error")) << refused.dump();
  EXPECT_NE(refused["error"].get<std::string>().find("out_of_range"), std::string::npos) << refused.dump();
  EXPECT_FALSE(refused.contains("predictions"));
  EXPECT_EQ(watch.reply_to("50,50,50")["predictions"].size(), 2u);
  ASSERT_TRUE(watch.reports.wait_for(1, kWait));
  EXPECT_EQ(json::parse(watch.reports.messages()[0].payload)["action"], "drop");
}

TEST(ServeRequestQuality, AnUnreadableRequestIsCountedAsSchemaAndGetsOneErrorReply) {
  edgeml::test::TempDir models;
  write_models_with_statistics(models.path());
  edgeml::test::ServedModels served(models.path(), "dq-schema-node");
  QualityWatch watch(served);
  json reply = watch.reply_to("50,fifty,50");
  EXPECT_TRUE(reply.contains("error")) << reply.dump();
  ASSERT_TRUE(watch.reports.wait_for(1, kWait));
  json report = json::parse(watch.reports.messages()[0].payload);
  EXPECT_EQ(report["findings"][0]["check"], "schema");
  EXPECT_EQ(report["series"], kSeries);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(watch.replies.size(), 1u);
}

}  // namespace
}  // namespace edgeml::serve
