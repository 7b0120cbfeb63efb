#include "quality/quality_report.h"

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

TEST(QualityReportGate, OneReportPerSeriesPerIntervalCountingWhatItHeldBack) {
  using namespace std::chrono_literals;
  QualityReportGate gate(1s, 2);
  auto t0 = std::chrono::steady_clock::now();
  std::uint64_t suppressed = 99;
  SeriesId a{"1", "2", "3"}, b{"1", "2", "4"}, c{"1", "2", "5"};
  EXPECT_TRUE(gate.admit(a, t0, suppressed));
  EXPECT_EQ(suppressed, 0u);
  EXPECT_FALSE(gate.admit(a, t0 + 100ms, suppressed));
  EXPECT_FALSE(gate.admit(a, t0 + 900ms, suppressed));
  EXPECT_TRUE(gate.admit(b, t0 + 900ms, suppressed)) << "another series has its own interval";
  EXPECT_TRUE(gate.admit(a, t0 + 1000ms, suppressed));
  EXPECT_EQ(suppressed, 2u);
  EXPECT_TRUE(gate.admit(c, t0 + 1100ms, suppressed)) << "past max_series the gates start afresh";
  EXPECT_TRUE(gate.admit(a, t0 + 1200ms, suppressed));
}

TEST(QualityReport, SaysHowManyReportsItStandsFor) {
  QualityRecord record;
  record.series = {"1", "2", "3"};
  QualityVerdict verdict;
  verdict.action = QualityAction::flag;
  EXPECT_FALSE(json::parse(quality_report_json("serve", "n", record, verdict)).contains("suppressed"));
  EXPECT_EQ(json::parse(quality_report_json("serve", "n", record, verdict, 7))["suppressed"], 7);
}

}  // namespace
}  // namespace edgeml
