// Features of a series' past: their names, their values from the events
// before a row, too short a past, and the bounded history serving keeps.
#include <gtest/gtest.h>

#include "protocol/past_features.h"

namespace edgeml {
namespace {

// Events at index 0..n-1, the gaps between them 10, 20, 30, ... seconds.
std::vector<PastEvent> events(int n) {
  std::vector<PastEvent> e;
  double t = 1000;
  for (int i = 0; i < n; ++i) {
    e.push_back({static_cast<double>(i), t});
    t += 10.0 * (i + 1);
  }
  return e;
}

double value(const char* name, const std::vector<PastEvent>& past, double index, LabelScale label = {0, 1}) {
  std::optional<PastFeature> f = parse_past_feature(name);
  EXPECT_TRUE(f) << name;
  return past_feature_value(*f, past, index, label).value_or(-1);
}

TEST(PastFeatures, NamesParseAndOthersDoNot) {
  for (const char* good : {"prev_time", "index_step", "gap_1", "gap_16", "mean_gap_2", "mean_gap_63", "median_gap_9"})
    EXPECT_TRUE(parse_past_feature(good)) << good;
  for (const char* bad : {"gap_0", "gap_17", "gap_01", "gap_", "gap_1x", "mean_gap_1", "mean_gap_64", "median_gap_-2",
                          "index", "prev", "gap_+3", ""})
    EXPECT_FALSE(parse_past_feature(bad)) << bad;
  EXPECT_EQ(parse_past_feature("gap_3")->events_needed(), 4u);
  EXPECT_EQ(parse_past_feature("prev_time")->events_needed(), 1u);
}

TEST(PastFeatures, ValuesComeFromTheMostRecentEvents) {
  const std::vector<PastEvent> past = events(5);  // times 1000, 1010, 1030, 1060, 1100
  EXPECT_EQ(value("prev_time", past, 5), 1100);
  EXPECT_EQ(value("prev_time", past, 5, {1000, 10}), 10);
  EXPECT_EQ(value("index_step", past, 7), 3);
  EXPECT_EQ(value("gap_1", past, 5), 40);
  EXPECT_EQ(value("gap_3", past, 5), 20);
  EXPECT_EQ(value("gap_4", past, 5), 10);
  EXPECT_EQ(value("gap_1", past, 5, {0, 1000}), 0.04);
  EXPECT_EQ(value("mean_gap_3", past, 5), 30);
  EXPECT_EQ(value("median_gap_3", past, 5), 30);
  EXPECT_EQ(value("median_gap_4", past, 5), 25);
}

TEST(PastFeatures, TooShortAPastHasNoValue) {
  const std::vector<PastEvent> past = events(3);
  EXPECT_FALSE(past_feature_value(*parse_past_feature("gap_3"), past, 3, {}));
  EXPECT_TRUE(past_feature_value(*parse_past_feature("gap_2"), past, 3, {}));
  EXPECT_FALSE(past_feature_value(*parse_past_feature("prev_time"), {}, 0, {}));
}

TEST(PastFeatures, HistoryKeepsTheMostRecentInIndexOrder) {
  SeriesHistory h;
  for (const PastEvent& e : events(100)) h.add(e);
  EXPECT_EQ(h.size(), kMaxPastEvents);
  std::span<const PastEvent> all = h.before(1000);
  EXPECT_EQ(all.front().index, 100 - static_cast<double>(kMaxPastEvents));
  EXPECT_EQ(all.back().index, 99);
  EXPECT_EQ(h.before(50).size(), 50 - (100 - kMaxPastEvents));
  EXPECT_TRUE(h.before(10).empty());
  h.add({5, 1});  // older than all it keeps: forgotten at once
  EXPECT_EQ(h.before(1000).front().index, 100 - static_cast<double>(kMaxPastEvents));
  h.add({99, 42});  // a replay of index 99 replaces it
  EXPECT_EQ(h.size(), kMaxPastEvents);
  EXPECT_EQ(h.before(1000).back().event_time, 42);
  SeriesHistory shuffled;
  for (double i : {3.0, 1.0, 2.0, 0.0}) shuffled.add({i, i * 10});
  ASSERT_EQ(shuffled.before(3).size(), 3u);
  EXPECT_EQ(shuffled.before(3)[1].index, 1);
}

}  // namespace
}  // namespace edgeml
