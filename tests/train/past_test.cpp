// Training on a series' past: the time-ordered split, derived features and
// the rows without enough past, the naive forecasts, and `edgeml train
// --split time` with a gap-target model in the report's comparison.
#include <gtest/gtest.h>

#include "core/error.h"
#include "support/test_support.h"
#include "train/baselines.h"
#include "train_testing.h"

namespace edgeml::train {
namespace {

using edgeml::test::TempDir;
using namespace std::chrono_literals;

// Rows (index, event_time, value, threshold) from index/time pairs.
EventTable table(const std::vector<std::pair<double, double>>& events) {
  EventTable t;
  t.rows.resize(static_cast<Eigen::Index>(events.size()), kColumnCount);
  for (std::size_t i = 0; i < events.size(); ++i)
    t.rows.row(static_cast<Eigen::Index>(i)) << events[i].first, events[i].second, 231, 230;
  t.source = "events";
  return t;
}

TEST(TrainPast, TimeSplitTrainsOnTheEarlierRowsAndLeavesRepeatsOut) {
  // Out of order, with index 2 received twice.
  EventTable t = table({{3, 130}, {0, 100}, {2, 120}, {1, 110}, {2, 120}, {4, 140}, {5, 150}, {6, 160}, {7, 170},
                        {8, 180}, {9, 190}});
  std::size_t repeated = 0;
  TrainTestSplit s = time_split(t, 0.8, repeated);
  EXPECT_EQ(repeated, 1u);
  ASSERT_EQ(s.train.rows.rows(), 8);
  ASSERT_EQ(s.test.rows.rows(), 2);
  for (Eigen::Index r = 0; r < 8; ++r) EXPECT_EQ(s.train.rows(r, kIndex), r);
  EXPECT_EQ(s.test.rows(0, kEventTime), 180);
  EXPECT_THROW(time_split(table({{0, 1}, {0, 1}}), 0.8, repeated), Error);
}

TEST(TrainPast, DerivedFeaturesLeaveOutRowsWithoutEnoughPast) {
  EventTable t = table({{0, 100}, {1, 110}, {2, 130}, {3, 160}, {4, 200}});
  const SeriesPast past = series_events({&t});
  Examples e = make_examples(t, {"gap_2", "index"}, {0, 1}, &past);
  ASSERT_EQ(e.rows, (std::vector<Eigen::Index>{3, 4}));
  EXPECT_EQ(e.x(0, 0), 10);  // row 3: gaps before it are 10, 20
  EXPECT_EQ(e.x(1, 0), 20);
  EXPECT_EQ(e.x(1, 1), 4);
  EXPECT_EQ(e.y(1), 200);
  EXPECT_THROW(make_examples(t, {"gap_2"}, {}), Error);  // no past given
}

TEST(TrainPast, NaiveForecastsUseTheLastGapAndTheTrainingMedianGap) {
  TrainingData data{table({{0, 0}, {1, 10}, {2, 30}, {3, 40}}), table({{4, 70}, {5, 80}}), {0, 1}};
  std::vector<Forecast> f = naive_forecasts(data);
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].test_rows, 2u);
  // last gap: 40 + 10 for 70 (off 20); 70 + 30 for 80 (off 20).
  EXPECT_DOUBLE_EQ(f[0].test_mae, 20);
  // median of the training gaps 10, 20, 10 is 10: 50 for 70, 80 for 80.
  EXPECT_DOUBLE_EQ(f[1].test_mae, 10);
}

TEST(TrainPast, TimeSplitReportComparesAGapModelWithTheNaiveForecasts) {
  TempDir dir;
  auto data = test::write_text(dir / "data.csv", test::synthetic_csv(300));
  auto spec = test::write_text(dir / "spec.json", R"({"models": [
      {"name": "single_var_LR", "features": ["index"], "layers": [{"units": 1}]},
      {"name": "gap_model", "features": ["gap_1", "median_gap_8"], "target": "gap", "layers": [{"units": 1}]}]})");
  Process p = edgeml::test::run_edgeml({"train", "--spec", spec.string(), "--data", data.string(), "--split", "time",
                                        "--out", (dir / "out").string()},
                                       dir / "log.txt");
  ASSERT_EQ(p.wait_for(60s).value_or(-1), 0) << edgeml::test::read_file(dir / "log.txt");
  const std::string report = edgeml::test::read_file(dir / "out" / "report.md");
  EXPECT_NE(report.find("Split: time-ordered 80/20"), std::string::npos) << report;
  EXPECT_NE(report.find("| naive: median gap |"), std::string::npos) << report;
  EXPECT_NE(report.find("| gap\\_model | gap\\_1, median\\_gap\\_8, prev\\_time | 60 |"), std::string::npos) << report;
}

}  // namespace
}  // namespace edgeml::train
