#include <chrono>
#include <fstream>

#include <gtest/gtest.h>

#include "ingest/publisher.h"
#include "ingest/raw_file.h"
#include "ingest/synthetic.h"
#include "support/test_support.h"

namespace edgeml::ingest {
namespace {

TEST(Synthetic, SameSeedSameEvents) {
  SyntheticSource a(100, 3, 7), b(100, 3, 7), c(100, 3, 8);
  AlarmEvent ea, eb, ec;
  bool differs = false;
  int n = 0;
  while (a.next(ea)) {
    ASSERT_TRUE(b.next(eb));
    ASSERT_TRUE(c.next(ec));
    EXPECT_EQ(format_payload(ea), format_payload(eb));
    EXPECT_EQ(ea.series, eb.series);
    differs |= format_payload(ea) != format_payload(ec);
    ++n;
  }
  EXPECT_EQ(n, 100);
  EXPECT_TRUE(differs);
}

TEST(Synthetic, SeriesAdvanceInTimeAndIndex) {
  SyntheticSource s(300, 3, 1);
  std::map<std::string, std::pair<double, double>> last;
  AlarmEvent e;
  while (s.next(e)) {
    auto it = last.find(e.series.path());
    if (it != last.end()) {
      EXPECT_EQ(e.index, it->second.first + 1);
      EXPECT_GT(e.event_time, it->second.second);
    }
    last[e.series.path()] = {e.index, e.event_time};
  }
  EXPECT_EQ(last.size(), 3u);
}

TEST(Synthetic, SitesOfTheirOwnNameTheirStations) {
  SyntheticSource tutorial(2, 2, 1), site(2, 2, 1, 5000);
  AlarmEvent e;
  ASSERT_TRUE(tutorial.next(e));
  EXPECT_EQ(e.series.station, "1160629000");
  ASSERT_TRUE(site.next(e));
  EXPECT_EQ(e.series.station, "5000");
  ASSERT_TRUE(site.next(e));
  EXPECT_EQ(e.series.station, "5001");
}

TEST(Publisher, LivePayloadsCarryTheTimeTheyAreSent) {
  SyntheticSource s(1, 1, 1);
  AlarmEvent e;
  ASSERT_TRUE(s.next(e));
  EXPECT_EQ(payload_as_sent(e, false), format_payload(e));
  const double before = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  AlarmEvent sent;
  ASSERT_TRUE(parse_payload(payload_as_sent(e, true), sent));
  const double after = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_GE(sent.event_time, before);
  EXPECT_LE(sent.event_time, after);
  EXPECT_EQ(sent.index, e.index);
  EXPECT_EQ(sent.value, e.value);
}

TEST(RawFile, ReadsEventsAndSkipsBadLinesWithTheirNumbers) {
  test::TempDir dir;
  std::ofstream(dir / "raw.csv") << "0,983,1160629000,121,308,1487441883,231,230,True,\n"
                                    "garbage\n"
                                    "\n"
                                    "1,984,1160629000,121,308,1487442194,231,230,True,\n";
  RawFileReader reader(dir / "raw.csv");
  AlarmEvent e;
  ASSERT_TRUE(reader.next(e));
  ASSERT_TRUE(reader.next(e));
  EXPECT_EQ(e.index, 1);
  EXPECT_FALSE(reader.next(e));
  EXPECT_EQ(reader.skipped(), 1);
}

TEST(RawFile, MissingFileIsAnError) {
  EXPECT_THROW(RawFileReader("/nonexistent/raw.csv"), Error);
}

TEST(RawFile, ReadsTheTutorialsSensorFile) {
  EDGEML_REQUIRE_SHARED("data/bts/1160629000_121_308_train_send.csv");
  RawFileReader reader(test::shared_file("data/bts/1160629000_121_308_train_send.csv"));
  AlarmEvent e;
  int n = 0;
  while (reader.next(e)) ++n;
  EXPECT_EQ(n, 799);
  EXPECT_EQ(reader.skipped(), 0);
}

}  // namespace
}  // namespace edgeml::ingest
