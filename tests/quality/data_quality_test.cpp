// DataQualityMonitor: each kind of bad record raises exactly its finding, a
// clean stream raises none, a shifted stream raises drift, policies decide
// what the caller does with the record.
#include "quality/data_quality.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "quality_testing.h"

namespace edgeml {
namespace {

using test::CleanStream;

// Feeds `n` clean records and expects nothing said of them.
void feed_clean(DataQualityMonitor& monitor, CleanStream& stream, int n) {
  for (int i = 0; i < n; ++i) {
    QualityVerdict verdict = monitor.inspect(stream.next());
    ASSERT_EQ(verdict.action, QualityAction::keep) << "record " << i << ": " << verdict.reasons();
  }
}

// Expects `verdict` to hold one finding, of `check`, and the monitor to have
// counted nothing else.
void expect_only(const DataQualityMonitor& monitor, const QualityVerdict& verdict, QualityCheck check) {
  ASSERT_EQ(verdict.findings.size(), 1u) << verdict.reasons();
  EXPECT_EQ(verdict.findings[0].check, check) << verdict.reasons();
  EXPECT_FALSE(verdict.findings[0].reason.empty());
  QualitySnapshot counts = monitor.counts();
  for (std::size_t i = 0; i < kQualityCheckCount; ++i)
    EXPECT_EQ(counts.total.findings[i], static_cast<QualityCheck>(i) == check ? 1u : 0u)
        << check_name(static_cast<QualityCheck>(i));
}

class DataQuality : public ::testing::Test {
 protected:
  DataQualityMonitor monitor{QualityConfig{}, test::uniform_reference()};
  CleanStream stream;

  void SetUp() override { feed_clean(monitor, stream, 100); }
};

TEST_F(DataQuality, CleanStreamRaisesNothing) {
  feed_clean(monitor, stream, 800);
  QualitySnapshot counts = monitor.counts();
  EXPECT_EQ(counts.total.records, 900u);
  for (std::uint64_t n : counts.total.findings) EXPECT_EQ(n, 0u);
  EXPECT_EQ(counts.series.at("1160629000/121/308").records, 900u);
}

TEST_F(DataQuality, UnreadablePayloadIsSchema) {
  QualityVerdict verdict = monitor.inspect(read_alarm_record("alarm/1160629000/121/308", "1.0,1487441883.0,231"));
  expect_only(monitor, verdict, QualityCheck::schema);
  EXPECT_EQ(verdict.action, QualityAction::drop);
  EXPECT_NE(verdict.reasons().find("payload has 3 fields"), std::string::npos) << verdict.reasons();
  EXPECT_EQ(monitor.counts().series.at("1160629000/121/308")[QualityCheck::schema], 1u);
}

TEST_F(DataQuality, UnreadableTopicCountsWithoutASeries) {
  QualityVerdict verdict = monitor.inspect(read_alarm_record("alarm/only-two/levels", "1,2,3,4,True"));
  expect_only(monitor, verdict, QualityCheck::schema);
  EXPECT_EQ(monitor.counts().unattributed[QualityCheck::schema], 1u);
  verdict = monitor.inspect(read_alarm_record("alarm/1/2/3", "1,2,abc,4,True"));
  EXPECT_TRUE(verdict.has(QualityCheck::schema));
}

TEST_F(DataQuality, EmptyFieldIsMissing) {
  std::string payload = "100.0,,231,230,True";
  QualityVerdict verdict = monitor.inspect(read_alarm_record("alarm/1160629000/121/308", payload));
  expect_only(monitor, verdict, QualityCheck::missing);
  EXPECT_EQ(verdict.action, QualityAction::drop);
  EXPECT_EQ(verdict.findings[0].reason, "event_time is missing");
}

TEST_F(DataQuality, RequestsNeedNoEventTime) {
  QualityRecord request;
  request.source = RecordSource::prediction_request;
  request.series = {"1160629000", "121", "308"};
  request.index = 5;
  request.value = 231;
  request.threshold = 230;
  EXPECT_EQ(monitor.inspect(request).action, QualityAction::keep);
  request.value.reset();
  QualityVerdict verdict = monitor.inspect(request);
  expect_only(monitor, verdict, QualityCheck::missing);
  EXPECT_EQ(verdict.findings[0].feature, RecordFeature::value);
}

TEST_F(DataQuality, NanIsNotFinite) {
  QualityRecord record = stream.next();
  record.value = std::numeric_limits<double>::quiet_NaN();
  QualityVerdict verdict = monitor.inspect(record);
  expect_only(monitor, verdict, QualityCheck::not_finite);
  EXPECT_EQ(verdict.findings[0].feature, RecordFeature::value);
  EXPECT_EQ(verdict.action, QualityAction::drop);
  // As read from a payload.
  std::string payload = fmt::format("{},{},231,inf,True", *record.index + 1, *record.event_time + 10);
  verdict = monitor.inspect(read_alarm_record("alarm/1160629000/121/308", payload));
  ASSERT_EQ(verdict.findings.size(), 1u) << verdict.reasons();
  EXPECT_EQ(verdict.findings[0].feature, RecordFeature::threshold);
}

TEST_F(DataQuality, OutsideTheTrainingRangeIsOutOfRange) {
  QualityRecord record = stream.next();
  record.value = 500;
  QualityVerdict verdict = monitor.inspect(record);
  expect_only(monitor, verdict, QualityCheck::out_of_range);
  EXPECT_EQ(verdict.action, QualityAction::flag);
  EXPECT_EQ(verdict.findings[0].feature, RecordFeature::value);
  EXPECT_EQ(verdict.findings[0].measured, 500);
  EXPECT_EQ(verdict.findings[0].bound, 260);
  EXPECT_EQ(verdict.findings[0].reason, "value 500 is above the training range [200, 260]");
}

TEST(DataQualityRange, ANewReferenceAppliesFromTheNextRecord) {
  DataQualityMonitor monitor(QualityConfig{});  // no training statistics yet: no range check
  CleanStream stream;
  QualityRecord record = stream.next();
  record.value = 500;
  EXPECT_EQ(monitor.inspect(record).action, QualityAction::keep);
  monitor.set_reference(test::uniform_reference());
  record = stream.next();
  record.value = 500;
  QualityVerdict verdict = monitor.inspect(record);
  ASSERT_EQ(verdict.findings.size(), 1u);
  EXPECT_EQ(verdict.findings[0].check, QualityCheck::out_of_range);
}

TEST(DataQualityRange, MarginWidensTheRange) {
  QualityConfig config;
  config.range_margin = 0.1;  // the range is 60 wide: [194, 266]
  DataQualityMonitor monitor(config, test::uniform_reference());
  CleanStream stream;
  QualityRecord record = stream.next();
  record.value = 265;
  EXPECT_EQ(monitor.inspect(record).action, QualityAction::keep);
  record = stream.next();
  record.value = 193;
  QualityVerdict verdict = monitor.inspect(record);
  ASSERT_TRUE(verdict.has(QualityCheck::out_of_range));
  EXPECT_EQ(verdict.findings[0].bound, 194);
}

TEST_F(DataQuality, EarlierEventTimeIsTimeBackwards) {
  double latest = *stream.last().event_time;
  QualityRecord record = stream.next();
  record.event_time = latest - 3;
  QualityVerdict verdict = monitor.inspect(record);
  expect_only(monitor, verdict, QualityCheck::time_backwards);
  EXPECT_EQ(verdict.findings[0].bound, latest);
  feed_clean(monitor, stream, 50);  // in-order events after it are fine again
}

TEST_F(DataQuality, RepeatedEventIsDuplicate) {
  QualityRecord again = stream.last();
  QualityVerdict verdict = monitor.inspect(again);
  expect_only(monitor, verdict, QualityCheck::duplicate);
  feed_clean(monitor, stream, 50);
}

TEST_F(DataQuality, LongSilenceIsGap) {
  QualityRecord record = stream.next();
  record.event_time = *record.event_time + 100;  // ~11 intervals of ~10 s
  QualityVerdict verdict = monitor.inspect(record);
  expect_only(monitor, verdict, QualityCheck::gap);
  EXPECT_GT(verdict.findings[0].measured, 100);
  EXPECT_NEAR(verdict.findings[0].bound, 50, 1);
}

TEST(DataQualityGap, NeedsEnoughIntervalsFirst) {
  DataQualityMonitor monitor(QualityConfig{});
  CleanStream stream;
  feed_clean(monitor, stream, 5);
  QualityRecord record = stream.next();
  record.event_time = *record.event_time + 1000;
  EXPECT_EQ(monitor.inspect(record).action, QualityAction::keep);
}

// Bursts of events 1 s apart with a 20 s pause after every tenth, as alarms
// come: the median interval flags every pause, the 95th percentile only a
// silence well beyond them.
TEST(DataQualityGap, AHigherQuantileToleratesBurstsAndStillFindsASilence) {
  auto gaps = [](QualityConfig config, double silence) {
    DataQualityMonitor monitor(std::move(config));
    CleanStream stream;
    QualityRecord record = stream.next();
    int flagged = 0;
    for (int i = 1; i <= 201; ++i) {
      record.index = *record.index + 1;
      record.event_time = *record.event_time + (i == 201 ? silence : i % 10 == 0 ? 20 : 1);
      QualityVerdict verdict = monitor.inspect(record);
      for (const QualityFinding& f : verdict.findings) flagged += f.check == QualityCheck::gap ? 1 : 0;
    }
    return flagged;
  };
  QualityConfig median;
  EXPECT_EQ(gaps(median, 1), 19);  // every pause after the first ten intervals
  QualityConfig p95;
  p95.gap_quantile = 0.95;
  p95.gap_factor = 3;
  p95.gap_min_intervals = 50;  // a high quantile of a few intervals is a low one
  EXPECT_EQ(gaps(p95, 1), 0);
  EXPECT_EQ(gaps(p95, 61), 1);
  EXPECT_EQ(gaps(p95, 59), 0);
}

TEST_F(DataQuality, ManyRecordsAtOnceAreABurst) {
  QualityRecord record = stream.next();
  ASSERT_EQ(monitor.inspect(record).action, QualityAction::keep);
  // 20 more within 0.2 s: the 21st record within a second is the first too many.
  for (int i = 1; i < 20; ++i) {
    record.index = *record.index + 1;
    record.event_time = *record.event_time + 0.01;
    ASSERT_EQ(monitor.inspect(record).action, QualityAction::keep) << i;
  }
  record.index = *record.index + 1;
  record.event_time = *record.event_time + 0.01;
  QualityVerdict verdict = monitor.inspect(record);
  expect_only(monitor, verdict, QualityCheck::burst);
  EXPECT_EQ(verdict.findings[0].measured, 21);
}

TEST(DataQualityDrift, ShiftedStreamDriftsAndTheUnshiftedDoesNot) {
  for (std::uint32_t seed : {1u, 2u, 3u}) {
    DataQualityMonitor monitor(QualityConfig{}, test::uniform_reference());
    CleanStream clean({"1", "121", "308"}, seed), shifted({"2", "121", "308"}, seed, 15);
    QualityVerdict verdict;
    for (int i = 0; i < 900; ++i) {
      monitor.inspect(clean.next(), verdict);
      ASSERT_FALSE(verdict.has(QualityCheck::drift)) << "seed " << seed << ", record " << i << ": " << verdict.reasons();
      monitor.inspect(shifted.next(), verdict);
      if (verdict.has(QualityCheck::drift)) {
        const QualityFinding& drift = verdict.findings.back();
        EXPECT_EQ(drift.feature, RecordFeature::value);  // valueThreshold did not move
        EXPECT_GT(drift.measured, 0.25);
      }
    }
    QualitySnapshot counts = monitor.counts();
    EXPECT_EQ(counts.series.at("1/121/308")[QualityCheck::drift], 0u);
    // Judged every 50 records once 200 are in the window: at 200, 250, ..., 900.
    EXPECT_EQ(counts.series.at("2/121/308")[QualityCheck::drift], 15u);
  }
}

TEST_F(DataQuality, ValuesCrowdedIntoTheTopOfTheRangeAreOnlyDrift) {
  // Every value within the training range, but all in its top quarter.
  QualityVerdict verdict;
  int drifts = 0;
  for (int i = 0; i < 400; ++i) {
    QualityRecord record = stream.next();
    record.value = 245 + (*record.value - 200) / 4;
    monitor.inspect(record, verdict);
    for (const QualityFinding& f : verdict.findings) EXPECT_EQ(f.check, QualityCheck::drift) << f.reason;
    drifts += verdict.has(QualityCheck::drift);
  }
  // Judged after records 200, 250, ..., 500 of the series (100 clean ones came
  // first): from the first judgement on, at least half the window is crowded.
  EXPECT_EQ(drifts, 7);
}

TEST(DataQualityDrift, JudgedPerFeature) {
  QualityConfig config;
  config.drift_features = {RecordFeature::threshold};
  DataQualityMonitor monitor(config, test::uniform_reference());
  CleanStream shifted({"1", "121", "308"}, 1, 15);
  for (int i = 0; i < 400; ++i) EXPECT_FALSE(monitor.inspect(shifted.next()).has(QualityCheck::drift)) << i;
}

}  // namespace
}  // namespace edgeml
