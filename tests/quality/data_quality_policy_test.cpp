// DataQualityMonitor's policies, configuration and bounds, and its drift check
// on the tutorial's data.
#include <fstream>
#include <thread>

#include <cmath>
#include <limits>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/csv.h"
#include "quality/data_quality.h"
#include "quality_testing.h"
#include "support/allocation_counting.h"
#include "support/test_support.h"

namespace edgeml {
namespace {

using nlohmann::json;
using test::CleanStream;

std::string config_error(const json& config) {
  try {
    QualityConfig::from_json(config);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

QualityRecord out_of_range_record(CleanStream& stream) {
  QualityRecord record = stream.next();
  record.value = 500;
  return record;
}

TEST(DataQualityPolicy, DropMarksTheRecordDroppedWithItsReason) {
  QualityConfig config = QualityConfig::from_json(json{{"out_of_range", {{"policy", "drop"}}}});
  DataQualityMonitor monitor(config, test::uniform_reference());
  CleanStream stream;
  QualityVerdict verdict = monitor.inspect(out_of_range_record(stream));
  EXPECT_EQ(verdict.action, QualityAction::drop);
  EXPECT_EQ(verdict.reasons(), "out_of_range: value 500 is above the training range [200, 260]");
  EXPECT_EQ(monitor.counts().total.dropped, 1u);
}

TEST(DataQualityPolicy, PassCountsButDoesNotReport) {
  DataQualityMonitor monitor(QualityConfig::from_json(json{{"out_of_range", {{"policy", "pass"}}}}),
                             test::uniform_reference());
  CleanStream stream;
  QualityVerdict verdict = monitor.inspect(out_of_range_record(stream));
  EXPECT_EQ(verdict.action, QualityAction::keep);
  EXPECT_TRUE(verdict.findings.empty());
  EXPECT_EQ(monitor.counts().total[QualityCheck::out_of_range], 1u);
}

TEST(DataQualityPolicy, StrictestFindingDecides) {
  DataQualityMonitor monitor(QualityConfig{}, test::uniform_reference());
  CleanStream stream;
  QualityRecord record = out_of_range_record(stream);  // flag
  record.threshold = std::numeric_limits<double>::infinity();  // drop
  QualityVerdict verdict = monitor.inspect(record);
  EXPECT_EQ(verdict.action, QualityAction::drop);
  EXPECT_TRUE(verdict.has(QualityCheck::out_of_range));
  EXPECT_TRUE(verdict.has(QualityCheck::not_finite));
}

TEST(DataQualityConfig, DefaultsAndOverrides) {
  QualityConfig defaults = QualityConfig::from_json(json::object());
  EXPECT_EQ(defaults.policy(QualityCheck::schema), QualityPolicy::drop);
  EXPECT_EQ(defaults.policy(QualityCheck::drift), QualityPolicy::flag);
  EXPECT_EQ(defaults.drift_window, 200u);
  QualityConfig c = QualityConfig::from_json(json::parse(R"({"max_series": 7, "gap": {"policy": "pass", "factor": 8, "quantile": 0.9},
      "drift": {"features": ["index", "value"], "threshold": 0.1, "window": 50, "every": 10},
      "duplicate": {"memory": 3}, "burst": {"max_records": 4, "window_seconds": 2},
      "out_of_range": {"features": ["value"], "margin": 0.5}})"));
  EXPECT_EQ(c.max_series, 7u);
  EXPECT_EQ(c.policy(QualityCheck::gap), QualityPolicy::pass);
  EXPECT_EQ(c.gap_factor, 8);
  EXPECT_EQ(c.gap_quantile, 0.9);
  EXPECT_EQ(defaults.gap_quantile, 0.5);
  EXPECT_EQ(c.drift_features, (std::vector<RecordFeature>{RecordFeature::index, RecordFeature::value}));
  EXPECT_EQ(c.drift_threshold, 0.1);
  EXPECT_EQ(c.drift_every, 10u);
  EXPECT_EQ(c.duplicate_memory, 3u);
  EXPECT_EQ(c.burst_window_seconds, 2);
  EXPECT_EQ(c.range_features, std::vector<RecordFeature>{RecordFeature::value});
  EXPECT_EQ(c.range_margin, 0.5);
  for (std::size_t i = 0; i < kQualityCheckCount; ++i)
    EXPECT_EQ(check_from_name(check_name(static_cast<QualityCheck>(i))), static_cast<QualityCheck>(i));
}

TEST(DataQualityConfig, BadSettingsAreRejectedSayingWhat) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"([1, 2])", "not a JSON object"},
      {R"({"gaps": {}})", "gaps is not a check (schema, missing"},
      {R"({"gap": {"factr": 3}})", "gap.factr is not a setting of the gap check"},
      {R"({"gap": 3})", "gap is not an object of settings"},
      {R"({"schema": {"policy": "block"}})", R"(schema.policy must be "pass", "flag" or "drop", not "block")"},
      {R"({"drift": {"window": 0}})", "drift.window must be a whole number from 1 to 100000, not 0"},
      {R"({"drift": {"window": 2.5}})", "drift.window must be a whole number"},
      {R"({"drift": {"features": ["speed"]}})", R"(drift.features holds "speed", not index, value or valueThreshold)"},
      {R"({"drift": {"threshold": -1}})", "drift.threshold must be positive"},
      {R"({"gap": {"factor": 0.5}})", "gap.factor must be above 1"},
      {R"({"gap": {"quantile": 0}})", "gap.quantile must be above 0 and at most 1"},
      {R"({"gap": {"quantile": 1.5}})", "gap.quantile must be above 0 and at most 1"},
      {R"({"gap": {"min_intervals": 50, "window": 20}})", "gap.min_intervals 50 exceeds gap.window 20"},
      {R"({"out_of_range": {"margin": "wide"}})", "out_of_range.margin is not a finite number"},
      {R"({"max_series": 0})", "max_series must be a whole number from 1"},
  };
  for (const auto& [config, expected] : cases) {
    std::string message = config_error(json::parse(config));
    EXPECT_NE(message.find(expected), std::string::npos) << config << " gave: " << message;
  }
  QualityConfig bad;
  bad.burst_window_seconds = 0;
  EXPECT_THROW(DataQualityMonitor monitor(bad), Error);
}

TEST(DataQualityConfig, FileErrorsNameTheFile) {
  test::TempDir dir;
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return dir / name;
  };
  EXPECT_EQ(read_quality_config(write("good.json", R"({"gap": {"factor": 9}})")).gap_factor, 9);
  for (const auto& [name, text, expected] : std::vector<std::array<std::string, 3>>{
           {"broken.json", "{\"gap\": ", "broken.json' is not valid JSON"},
           {"typo.json", R"({"burst": {"max": 3}})", "typo.json': data quality config: burst.max is not a setting"}}) {
    try {
      read_quality_config(write(name, text));
      ADD_FAILURE() << name << " was accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(read_quality_config(dir / "absent.json"), Error);
}

TEST(DataQualityBounds, ManySeriesKeepOnlyTheMostRecent) {
  QualityConfig config;
  config.max_series = 100;
  DataQualityMonitor monitor(config, test::uniform_reference());
  std::vector<CleanStream> streams;
  for (int s = 0; s < 1000; ++s) streams.emplace_back(SeriesId{std::to_string(s), "121", "308"}, s);
  for (int round = 0; round < 3; ++round)
    for (CleanStream& stream : streams) monitor.inspect(stream.next());
  EXPECT_EQ(monitor.series_tracked(), 100u);
  QualitySnapshot counts = monitor.counts();
  ASSERT_EQ(counts.series.size(), 100u);
  EXPECT_TRUE(counts.series.contains("999/121/308"));  // the most recently seen stay
  EXPECT_FALSE(counts.series.contains("0/121/308"));
  std::uint64_t tracked = 0;
  for (const auto& [path, series] : counts.series) tracked += series.records;
  EXPECT_EQ(counts.total.records, 3000u);
  EXPECT_EQ(tracked + counts.evicted.records, 3000u);
}

TEST(DataQualityBounds, LongStreamOfAKnownSeriesAllocatesNothing) {
  QualityConfig config;
  config.drift_features = {RecordFeature::index, RecordFeature::value, RecordFeature::threshold};
  config.max_series = 1;
  DataQualityMonitor monitor(config, test::uniform_reference());
  CleanStream stream;
  QualityVerdict verdict;
  for (int i = 0; i < 300; ++i) monitor.inspect(stream.next(), verdict);  // fill every window
  // A known series with its windows full: inspecting, even what is reported,
  // must not grow anything. Reasons are short enough for the string's buffer.
  std::vector<QualityRecord> records;
  for (int i = 0; i < 50000; ++i) records.push_back(stream.next());
  test::start_counting_allocations();
  std::uint64_t drifts = 0;
  for (QualityRecord& record : records) {
    record.index = std::fmod(*record.index, 1000.0);
    monitor.inspect(record, verdict);
    drifts += verdict.has(QualityCheck::drift);
  }
  long allocations = test::stop_counting_allocations();
  // index repeating 0..999 drifts (a counter's window is narrow); only the
  // reasons of those findings may allocate.
  EXPECT_LE(static_cast<std::uint64_t>(allocations), 2 * drifts);
  EXPECT_EQ(monitor.series_tracked(), 1u);
}

TEST(DataQualityBounds, CountsReadWhileInspecting) {
  DataQualityMonitor monitor(QualityConfig{}, test::uniform_reference());
  std::thread inspector([&] {
    CleanStream stream;
    for (int i = 0; i < 5000; ++i) monitor.inspect(stream.next());
  });
  std::uint64_t seen = 0;
  while (seen < 5000) {
    std::uint64_t now = monitor.counts().total.records;
    ASSERT_GE(now, seen);
    seen = now;
  }
  inspector.join();
}

// The tutorial's rows as (index, event_time, value, valueThreshold).
std::vector<AlarmEvent> read_tutorial(const std::filesystem::path& path, bool raw) {
  std::ifstream in(path);
  std::vector<AlarmEvent> events;
  std::string line;
  if (!raw) std::getline(in, line);  // header
  while (std::getline(in, line)) {
    AlarmEvent e;
    std::array<std::string_view, 5> f;
    if (raw) {
      EXPECT_TRUE(parse_raw_line(line, e)) << line;
    } else {
      EXPECT_EQ(split_csv(line, f), 5u) << line;
      EXPECT_TRUE(parse_number(f[0], "index", e.index) && parse_number(f[1], "event_time", e.event_time) &&
                  parse_number(f[2], "value", e.value) && parse_number(f[3], "valueThreshold", e.threshold));
    }
    events.push_back(e);
  }
  return events;
}

TEST(DataQualityTutorial, TestFileDoesNotDriftFromTheTrainingSplit) {
  EDGEML_REQUIRE_SHARED("data/bts/split/train.csv");
  EDGEML_REQUIRE_SHARED("data/bts/1160629000_121_308_test.csv");
  std::vector<AlarmEvent> train = read_tutorial(test::shared_file("data/bts/split/train.csv"), false);
  std::vector<AlarmEvent> stream = read_tutorial(test::shared_file("data/bts/1160629000_121_308_test.csv"), true);
  ASSERT_GT(stream.size(), 900u);
  ReferenceStatistics reference;
  reference.rows = train.size();
  std::vector<double> values, thresholds;
  for (const AlarmEvent& e : train) values.push_back(e.value), thresholds.push_back(e.threshold);
  reference[RecordFeature::value] = feature_statistics(values, 10, "value");
  reference[RecordFeature::threshold] = feature_statistics(thresholds, 10, "valueThreshold");
  for (double shift : {0.0, 50.0}) {
    DataQualityMonitor monitor(QualityConfig{}, reference);
    for (AlarmEvent e : stream) {
      e.value += shift;
      e.threshold += shift;
      monitor.inspect(QualityRecord::from_event(e));
    }
    std::uint64_t drifts = monitor.counts().total[QualityCheck::drift];
    if (shift == 0) EXPECT_EQ(drifts, 0u);
    else EXPECT_GT(drifts, 0u);
  }
}

}  // namespace
}  // namespace edgeml
