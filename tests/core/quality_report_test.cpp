#include "core/quality_report.h"

#include <cmath>

#include <gtest/gtest.h>

namespace edgeml {
namespace {

using nlohmann::json;

TEST(QualityReport, TopicNamesTheSeriesOrSaysItIsUnattributed) {
  EXPECT_EQ(quality_topic({"1160629000", "121", "308"}), "edgeml/dq/1160629000/121/308");
  EXPECT_EQ(quality_topic({}), "edgeml/dq/unattributed");
}

TEST(QualityReport, GivesTheRecordTheActionAndEachFinding) {
  QualityRecord record;
  record.series = {"1", "2", "3"};
  record.index = 12;
  record.event_time = 1487441883;
  record.value = std::nan("");
  record.threshold = 230;
  QualityVerdict verdict;
  verdict.action = QualityAction::drop;
  verdict.findings.push_back({QualityCheck::not_finite, RecordFeature::value, std::nan(""), 0, "value is nan"});
  json report = json::parse(quality_report_json("collector", "edge-1", record, verdict));
  EXPECT_EQ(report["component"], "collector");
  EXPECT_EQ(report["node"], "edge-1");
  EXPECT_EQ(report["series"], "1/2/3");
  EXPECT_EQ(report["source"], "alarm_event");
  EXPECT_EQ(report["action"], "drop");
  EXPECT_EQ(report["record"], json({{"index", 12}, {"event_time", 1487441883}, {"value", nullptr}, {"valueThreshold", 230}}));
  ASSERT_EQ(report["findings"].size(), 1u);
  EXPECT_EQ(report["findings"][0]["check"], "not_finite");
  EXPECT_EQ(report["findings"][0]["feature"], "value");
  EXPECT_TRUE(report["findings"][0]["measured"].is_null());
  EXPECT_EQ(report["findings"][0]["reason"], "value is nan");
  EXPECT_FALSE(report.contains("schema_error"));
}

TEST(QualityReport, AnUnreadableRecordKeepsItsReasonAndInvalidBytesAreReplaced) {
  QualityRecord record = read_alarm_record("alarm/1/2/3", "\xff,not,a,record");
  QualityVerdict verdict;
  verdict.action = QualityAction::drop;
  verdict.findings.push_back({QualityCheck::schema, {}, 0, 0, record.schema_error + " \xff"});
  json report = json::parse(quality_report_json("serve", "n", record, verdict));
  EXPECT_FALSE(report["schema_error"].get<std::string>().empty());
  EXPECT_FALSE(report["findings"][0].contains("feature"));
}

TEST(QualityReport, CountsNameEveryCheck) {
  QualitySnapshot snapshot;
  snapshot.total.records = 3;
  snapshot.total.findings[static_cast<std::size_t>(QualityCheck::gap)] = 2;
  snapshot.series["1/2/3"] = snapshot.total;
  json counts = quality_counts_json(snapshot);
  EXPECT_EQ(counts["records"], 3);
  EXPECT_EQ(counts["findings"].size(), kQualityCheckCount);
  EXPECT_EQ(counts["findings"]["gap"], 2);
  EXPECT_EQ(counts["series"]["1/2/3"]["findings"]["gap"], 2);
  EXPECT_EQ(counts["unattributed"]["records"], 0);
}

}  // namespace
}  // namespace edgeml
