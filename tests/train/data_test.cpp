// Data preparation as the tutorial did it: label, features, split, validation
// holdout, normalisation; reading the CSV and the collector's database.
#include <algorithm>
#include <set>

#include <gtest/gtest.h>

#include "core/error.h"
#include "ingest/sqlite_event_store.h"
#include "support/test_support.h"
#include "train/prepare.h"
#include "train_testing.h"

namespace edgeml::train {
namespace {

using edgeml::test::TempDir;
using test::write_text;

TEST(TrainData, LabelIsThousandsOfSecondsAfterTheTutorialsOffset) {
  LabelTransform label;
  EXPECT_DOUBLE_EQ(label.apply(1487508915), 0);
  EXPECT_DOUBLE_EQ(label.apply(1487510415), 1.5);
  EXPECT_DOUBLE_EQ(label.apply(1487441883), -67.032);
  EXPECT_DOUBLE_EQ((LabelTransform{100, 10}.apply(150)), 5);
}

TEST(TrainData, RowsWithAMissingValueAreDroppedAndCounted) {
  TempDir dir;
  EventTable t = read_training_csv(write_text(dir / "d.csv",
                                              "index,event_time,value,valueThreshold,isActive\n"
                                              "0.0,1487441883.0,231,230,True\n"
                                              "1.0,,231,230,True\n"
                                              "2.0,1487442922.0,nan,230,True\n"
                                              "3.0,1487442929.0,231,230,\n"
                                              "\n"
                                              "4.0,1487443000.0,231,230,False\n"));
  ASSERT_EQ(t.rows.rows(), 2);
  EXPECT_EQ(t.dropped, 3u);
  EXPECT_EQ(t.rows(1, kIndex), 4);
  EXPECT_EQ(t.rows(1, kEventTime), 1487443000);
  EXPECT_EQ(t.rows(0, kValue), 231);
  EXPECT_EQ(t.rows(0, kThreshold), 230);
}

TEST(TrainData, ColumnsAreFoundByTheirHeaderInAnyOrder) {
  TempDir dir;
  EventTable t = read_training_csv(write_text(dir / "d.csv", "isActive,value,index,valueThreshold,event_time\r\n"
                                                             "True,231,5.0,230,1487441883.0\r\n"));
  ASSERT_EQ(t.rows.rows(), 1);
  EXPECT_EQ(t.rows(0, kIndex), 5);
  EXPECT_EQ(t.rows(0, kEventTime), 1487441883);
  EXPECT_EQ(t.rows(0, kValue), 231);
}

TEST(TrainData, FeaturesAreTheNamedColumnsInTheirOrder) {
  TempDir dir;
  EventTable t = read_training_csv(write_text(dir / "d.csv", test::synthetic_csv(10)));
  Examples single = make_examples(t, {"index"}, {});
  Examples multi = make_examples(t, {"index", "value", "valueThreshold"}, {});
  Examples reordered = make_examples(t, {"valueThreshold", "index"}, {});
  ASSERT_EQ(single.x.cols(), 1);
  ASSERT_EQ(multi.x.cols(), 3);
  EXPECT_EQ(single.x(3, 0), 3);
  EXPECT_EQ(multi.x(7, 0), 7);
  EXPECT_EQ(multi.x(7, 1), 331);
  EXPECT_EQ(multi.x(7, 2), 230);
  EXPECT_FLOAT_EQ(single.y(3), static_cast<float>(LabelTransform{}.apply(t.rows(3, kEventTime))));
  ASSERT_EQ(reordered.x.cols(), 2);
  EXPECT_EQ(reordered.x(7, 0), 230);
  EXPECT_EQ(reordered.x(7, 1), 7);
  EXPECT_THROW(make_examples(t, {"event_time"}, {}), Error);
}

std::vector<double> indexes(const EventTable& t) { return {t.rows.col(kIndex).begin(), t.rows.col(kIndex).end()}; }

TEST(TrainData, RandomSplitIsEightyTwentySeededAndCoversEveryRowOnce) {
  TempDir dir;
  EventTable t = read_training_csv(write_text(dir / "d.csv", test::synthetic_csv(1598)));
  TrainTestSplit a = random_split(t, 0.8, 0), b = random_split(t, 0.8, 0), c = random_split(t, 0.8, 1);
  EXPECT_EQ(a.train.rows.rows(), 1278);  // round(0.8 * 1598), as pandas' sample(frac=0.8)
  EXPECT_EQ(a.test.rows.rows(), 320);
  EXPECT_EQ(indexes(a.train), indexes(b.train));
  EXPECT_EQ(indexes(a.test), indexes(b.test));
  EXPECT_NE(indexes(a.train), indexes(c.train));
  std::vector<double> all = indexes(a.train), test = indexes(a.test);
  all.insert(all.end(), test.begin(), test.end());
  std::sort(all.begin(), all.end());
  for (std::size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i], static_cast<double>(i));
  EXPECT_TRUE(std::is_sorted(test.begin(), test.end()));
  EXPECT_FALSE(std::is_sorted(indexes(a.train).begin(), indexes(a.train).end()));
}

TEST(TrainData, ValidationIsTheLastFifthOfTheTrainingRowsAsKerasSplitsIt) {
  Examples e;
  e.x = Eigen::VectorXf::LinSpaced(1278, 0, 1277);
  e.y = e.x.col(0) * 2;
  ValidationHoldout h = hold_out_validation(e, 0.2);
  ASSERT_EQ(h.train.x.rows(), 1022);  // floor(1278 * 0.8)
  ASSERT_EQ(h.validation.x.rows(), 256);
  EXPECT_EQ(h.train.x(1021, 0), 1021);
  EXPECT_EQ(h.validation.x(0, 0), 1022);
  EXPECT_EQ(h.validation.y(255), 2 * 1277);
}

TEST(TrainData, NormalizationUsesPopulationVarianceAndLeavesConstantColumnsUnscaled) {
  Eigen::MatrixXf x(4, 2);
  x << 1, 230, 2, 230, 3, 230, 4, 230;
  Normalization n = Normalization::adapt(x);
  EXPECT_FLOAT_EQ(n.mean(0), 2.5f);
  EXPECT_FLOAT_EQ(n.variance(0), 1.25f);
  EXPECT_FLOAT_EQ(n.factor(0), 1 / std::sqrt(1.25f));
  EXPECT_EQ(n.variance(1), 0);
  EXPECT_EQ(n.factor(1), 1);
  Eigen::MatrixXf y = n.apply(x);
  EXPECT_TRUE(y.allFinite());
  EXPECT_NEAR(y.col(0).mean(), 0, 1e-6);
  EXPECT_EQ(y(2, 1), 0);
}

AlarmEvent event(const std::string& station, double index) {
  return {{station, "121", "308"}, index, 1487441883 + 100 * index, 231, 230, true};
}

TEST(TrainData, DatabaseSeriesIsPickedAndSeveralWithoutChoiceAreAnError) {
  TempDir dir;
  {
    ingest::SqliteEventStore store(dir / "alarms.db");
    bool stored = false;
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(store.insert(event("1160629000", i), stored));
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(store.insert(event("42", i), stored));
  }
  EventTable t = read_events(dir / "alarms.db", "1160629000/121/308");
  ASSERT_EQ(t.rows.rows(), 5);
  EXPECT_EQ(t.rows(4, kEventTime), 1487441883 + 400);
  EXPECT_EQ(read_events(dir / "alarms.db", "42/121/308").rows.rows(), 3);
  try {
    read_events(dir / "alarms.db", "");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--series"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("1160629000/121/308"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("42/121/308"), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_events(dir / "alarms.db", "7/7/7"), Error);
  EXPECT_THROW(read_events(dir / "alarms.db", "not-a-series"), Error);
}

}  // namespace
}  // namespace edgeml::train
