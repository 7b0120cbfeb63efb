// The collector's handle() path with a data-quality monitor, without a broker.
#include <gtest/gtest.h>

#include "ingest/collector.h"
#include "ingest/sqlite_event_store.h"
#include "ingest/quality_stream.h"
#include "support/test_support.h"

namespace edgeml::ingest {
namespace {

struct Report {
  std::string series;
  QualityAction action;
  std::vector<QualityCheck> checks;
};

class CollectorQualityTest : public ::testing::Test {
 protected:
  // A collector judging with `monitor` (null: none), its reports kept in reports_.
  Collector& collector(DataQualityMonitor* monitor) {
    CollectorOptions options;
    options.quality = monitor;
    collector_ = std::make_unique<Collector>(store_, nullptr, options);
    collector_->set_quality_reporter([this](const QualityRecord& record, const QualityVerdict& verdict) {
      Report r{record.series.path(), verdict.action, {}};
      for (const QualityFinding& f : verdict.findings) r.checks.push_back(f.check);
      reports_.push_back(r);
      return true;
    });
    return *collector_;
  }

  void send_test_stream() {
    for (const test::AlarmMessage& m : test::quality_test_stream()) collector_->handle(m.topic, m.payload);
    collector_->flush();
  }

  std::int64_t rows(const std::string& sql) { return test::count_rows(dir_ / "e.db", sql); }

  test::TempDir dir_;
  SqliteEventStore store_{dir_ / "e.db"};
  std::unique_ptr<Collector> collector_;
  std::vector<Report> reports_;
};

TEST_F(CollectorQualityTest, DropsBadRecordsIntoTheRejectsAndStoresFlaggedOnes) {
  DataQualityMonitor monitor(QualityConfig{});
  collector(&monitor);
  send_test_stream();

  CollectorCounts n = collector_->counts();
  EXPECT_EQ(n.stored, 29);
  EXPECT_EQ(n.rejected, 2);
  EXPECT_EQ(n.quality_dropped, 2);
  EXPECT_EQ(n.quality_flagged, 1);
  EXPECT_EQ(n.reports_unsent, 0);
  EXPECT_EQ(rows("SELECT count(*) FROM events WHERE idx IN (10, 20)"), 0);
  EXPECT_EQ(rows("SELECT count(*) FROM events WHERE idx = 30"), 1);
  EXPECT_EQ(
      rows("SELECT count(*) FROM rejects WHERE reason LIKE 'not_finite: value is nan%' AND CAST(payload AS TEXT) LIKE "
           "'10.0,%'"),
      1);
  EXPECT_EQ(rows("SELECT count(*) FROM rejects WHERE reason = 'missing: value is missing' AND CAST(payload AS TEXT) "
                 "LIKE '20.0,%'"),
            1);

  ASSERT_EQ(reports_.size(), 3u);
  EXPECT_EQ(reports_[0].action, QualityAction::drop);
  EXPECT_EQ(reports_[0].checks, std::vector{QualityCheck::not_finite});
  EXPECT_EQ(reports_[1].action, QualityAction::drop);
  EXPECT_EQ(reports_[1].checks, std::vector{QualityCheck::missing});
  EXPECT_EQ(reports_[2].action, QualityAction::flag);
  EXPECT_EQ(reports_[2].checks, std::vector{QualityCheck::time_backwards});
  for (const Report& r : reports_) EXPECT_EQ(r.series, test::kQualitySeries);

  QualitySnapshot counts = monitor.counts();
  EXPECT_EQ(counts.total.records, 31u);
  EXPECT_EQ(counts.total.dropped, 2u);
}

TEST_F(CollectorQualityTest, WithoutAMonitorStoresAsBeforeAndReportsNothing) {
  collector(nullptr);
  send_test_stream();
  CollectorCounts n = collector_->counts();
  EXPECT_EQ(n.stored, 29);
  EXPECT_EQ(n.rejected, 2);  // the nan and the empty field do not parse
  EXPECT_EQ(n.quality_dropped, 0);
  EXPECT_EQ(n.quality_flagged, 0);
  EXPECT_EQ(rows("SELECT count(*) FROM rejects WHERE reason LIKE 'field ''value''%'"), 2);
  EXPECT_TRUE(reports_.empty());
}

TEST_F(CollectorQualityTest, ADropPolicyKeepsAParsedEventOutOfTheEvents) {
  QualityConfig config;
  config.policy(QualityCheck::time_backwards) = QualityPolicy::drop;
  DataQualityMonitor monitor(config);
  collector(&monitor);
  send_test_stream();
  EXPECT_EQ(rows("SELECT count(*) FROM events WHERE idx = 30"), 0);
  EXPECT_EQ(
      rows(
          "SELECT count(*) FROM rejects WHERE reason LIKE 'time_backwards: %' AND CAST(payload AS TEXT) LIKE '30.0,%'"),
      1);
  EXPECT_EQ(collector_->counts().quality_dropped, 3);
}

TEST_F(CollectorQualityTest, UnreadableMessagesKeepTheirRejectAndCountAsSchema) {
  DataQualityMonitor monitor(QualityConfig{});
  collector(&monitor);
  collector_->handle("alarm/1/2/3", "1,2,3");
  collector_->handle("alarm/2/3", "0.0,1487441883.0,231,230,True");
  collector_->handle("alarm/finish", "True");
  collector_->flush();
  EXPECT_EQ(rows("SELECT count(*) FROM rejects WHERE reason LIKE 'schema: payload has 3 fields%'"), 1);
  EXPECT_EQ(rows("SELECT count(*) FROM rejects WHERE reason LIKE 'schema: topic: %'"), 1);
  EXPECT_EQ(monitor.counts().total[QualityCheck::schema], 2u);
  EXPECT_EQ(monitor.counts().unattributed.records, 1u);
  EXPECT_TRUE(collector_->finish_seen());
  ASSERT_EQ(reports_.size(), 2u);
  EXPECT_EQ(reports_[1].series, "//");  // no series: reported on edgeml/dq/unattributed
}

TEST_F(CollectorQualityTest, ARepeatedEventIsStoredOnceAndFlaggedAsADuplicate) {
  DataQualityMonitor monitor(QualityConfig{});
  collector(&monitor);
  collector_->handle("alarm/1160629000/121/308", "0.0,1487441883.0,231,230,True");
  collector_->handle("alarm/1160629000/121/308", "0.0,1487441883.0,231,230,True");
  collector_->flush();
  CollectorCounts n = collector_->counts();
  EXPECT_EQ(n.stored, 1);
  EXPECT_EQ(n.duplicates, 1);
  EXPECT_EQ(n.quality_flagged, 1);
  ASSERT_EQ(reports_.size(), 1u);
  EXPECT_EQ(reports_[0].checks, std::vector{QualityCheck::duplicate});
}

}  // namespace
}  // namespace edgeml::ingest
