// edgeml collect's data-quality checks through a real broker: what is dropped,
// flagged and reported, and that --no-quality stores as before.
#include <fstream>

#include <nlohmann/json.hpp>

#include "quality/reference_statistics.h"
#include "ingest/quality_stream.h"
#include "pipeline_fixture.h"
#include "support/message_inbox.h"

namespace edgeml::test {
namespace {

class CollectorQualityPipeline : public PipelineTest {
 protected:
  // Runs a collector with `extra` arguments over the quality test stream and
  // waits for it to finish; reports and counts land in inbox_.
  void collect_test_stream(std::vector<std::string> extra) {
    listener_ = receiving_client(client_options(*broker_, "it-dq-listener"), inbox_, "edgeml/#");
    std::vector<std::string> args{"--db", db().string(), "--client-id", "it-dq-collector", "--until-finish"};
    args.insert(args.end(), extra.begin(), extra.end());
    Process collector = start("collect", args, "collector.log");
    wait_subscribed("collector.log");

    mq::Client sender(client_options(*broker_, "it-dq-sender"));
    sender.connect();
    std::vector<mq::DeliveryPtr> deliveries;
    for (const AlarmMessage& m : quality_test_stream()) deliveries.push_back(sender.publish(m.topic, m.payload, 1));
    deliveries.push_back(sender.publish("alarm/finish", "True", 1));
    for (auto& d : deliveries) ASSERT_TRUE(d->wait_for(std::chrono::seconds(20))) << d->failure();
    expect_exit(collector, 0, "collector.log", std::chrono::seconds(30));
  }

  std::vector<nlohmann::json> reports() const {
    std::vector<nlohmann::json> out;
    for (const ReceivedMessage& m : inbox_.messages())
      if (m.topic.starts_with("edgeml/dq/")) out.push_back(nlohmann::json::parse(m.payload));
    return out;
  }

  MessageInbox inbox_;
  std::unique_ptr<mq::Client> listener_;
};

TEST_F(CollectorQualityPipeline, DropsBadRecordsFlagsOthersAndReportsEach) {
  collect_test_stream({"--node", "it-node"});
  EXPECT_EQ(events(), 29);
  EXPECT_EQ(count_rows(db(), "SELECT count(*) FROM events WHERE idx IN (10, 20)"), 0);
  EXPECT_EQ(count_rows(db(), "SELECT count(*) FROM events WHERE idx = 30"), 1);
  EXPECT_EQ(rejects(), 2);
  EXPECT_EQ(count_rows(db(),
                       "SELECT count(*) FROM rejects WHERE CAST(payload AS TEXT) LIKE '10.0,%' AND reason LIKE "
                       "'not_finite: %'"),
            1);
  EXPECT_EQ(
      count_rows(db(),
                 "SELECT count(*) FROM rejects WHERE CAST(payload AS TEXT) LIKE '20.0,%' AND reason LIKE 'missing: %'"),
      1);

  // QoS 0 reports published before the collector acknowledged the messages: here by now or soon.
  ASSERT_TRUE(wait_until([&] { return reports().size() >= 3; }, std::chrono::seconds(5)));
  std::vector<nlohmann::json> got = reports();
  ASSERT_EQ(got.size(), 3u);
  const std::vector<std::pair<std::string, std::string>> expected{
      {"drop", "not_finite"}, {"drop", "missing"}, {"flag", "time_backwards"}};
  for (std::size_t i = 0; i < got.size(); ++i) {
    SCOPED_TRACE(got[i].dump());
    EXPECT_EQ(got[i]["component"], "collector");
    EXPECT_EQ(got[i]["node"], "it-node");
    EXPECT_EQ(got[i]["series"], kQualitySeries);
    EXPECT_EQ(got[i]["action"], expected[i].first);
    ASSERT_EQ(got[i]["findings"].size(), 1u);
    EXPECT_EQ(got[i]["findings"][0]["check"], expected[i].second);
  }
  for (const ReceivedMessage& m : inbox_.messages())
    if (m.topic.starts_with("edgeml/dq/")) {
      EXPECT_EQ(m.topic, "edgeml/dq/" + kQualitySeries);
    }

  // The last counts, retained.
  ASSERT_TRUE(wait_until(
      [&] {
        for (const ReceivedMessage& m : inbox_.messages())
          if (m.topic == "edgeml/collectors/it-node/quality" && nlohmann::json::parse(m.payload)["records"] == 31)
            return true;
        return false;
      },
      std::chrono::seconds(5)));
  std::string log = read_file(dir_ / "collector.log");
  EXPECT_NE(log.find("data quality: 31 records judged, 1 flagged, 2 dropped; findings: missing 1, not_finite 1, "
                     "time_backwards 1"),
            std::string::npos)
      << log;
}

TEST_F(CollectorQualityPipeline, NoQualityStoresAsBeforeAndReportsNothing) {
  collect_test_stream({"--no-quality"});
  EXPECT_EQ(events(), 29);
  EXPECT_EQ(rejects(), 2);  // nan and the empty field do not parse, as always
  EXPECT_EQ(count_rows(db(), "SELECT count(*) FROM rejects WHERE reason LIKE 'field ''value''%'"), 2);
  EXPECT_EQ(count_rows(db(), "SELECT count(*) FROM events WHERE idx = 30"), 1);
  // The listener would have the reports by now: they go out before the finish is handled.
  EXPECT_TRUE(reports().empty());
  EXPECT_EQ(read_file(dir_ / "collector.log").find("data quality:"), std::string::npos);
}

TEST_F(CollectorQualityPipeline, AManifestEnablesTheRangeCheck) {
  // Training values 200..228: the stream's 229 to 231 are above the range.
  std::vector<double> values;
  for (int v = 200; v <= 228; ++v) values.push_back(v);
  ReferenceStatistics reference;
  reference.rows = values.size();
  reference[RecordFeature::value] = feature_statistics(values, 4, "value");
  std::ofstream(dir_ / "manifest.json") << nlohmann::json{{"data_statistics", reference_statistics_json(reference)}};
  collect_test_stream({"--manifest", (dir_ / "manifest.json").string()});
  EXPECT_EQ(events(), 29);  // out_of_range only flags
  ASSERT_TRUE(wait_until([&] { return reports().size() >= 14; }, std::chrono::seconds(5)));
  int out_of_range = 0;
  for (const nlohmann::json& r : reports())
    for (const nlohmann::json& f : r["findings"])
      if (f["check"] == "out_of_range") {
        ++out_of_range;
        EXPECT_EQ(r["action"], "flag");
        EXPECT_EQ(f["feature"], "value");
      }
  EXPECT_EQ(out_of_range, 12);  // values 229..231 of indexes 4-6, 11-13, 18-19, 25-27 and 30
}

TEST_F(CollectorQualityPipeline, ABadQualityConfigStopsTheCollectorSayingWhy) {
  std::ofstream(dir_ / "dq.json") << R"({"gap": {"factor": -1}})";
  Process collector =
      start("collect", {"--db", db().string(), "--quality-config", (dir_ / "dq.json").string()}, "collector.log");
  expect_exit(collector, 1, "collector.log", std::chrono::seconds(15));
  std::string log = read_file(dir_ / "collector.log");
  EXPECT_NE(log.find("dq.json"), std::string::npos) << log;
}

}  // namespace
}  // namespace edgeml::test
