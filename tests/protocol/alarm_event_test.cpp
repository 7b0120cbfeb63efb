#include "protocol/alarm_event.h"

#include <gtest/gtest.h>

namespace edgeml {
namespace {

TEST(AlarmEvent, ParsesTheSensorsRawLine) {
  AlarmEvent e;
  ASSERT_TRUE(parse_raw_line("0,983,1160629000,121,308,1487441883,231,230,True,", e));
  EXPECT_EQ(e.series, (SeriesId{"1160629000", "121", "308"}));
  EXPECT_EQ(e.index, 0);
  EXPECT_EQ(e.event_time, 1487441883);
  EXPECT_EQ(e.value, 231);
  EXPECT_EQ(e.threshold, 230);
  EXPECT_TRUE(e.active);
}

TEST(AlarmEvent, RawLineWithoutTrailingCommaOrWithCarriageReturn) {
  AlarmEvent e;
  EXPECT_TRUE(parse_raw_line("5,988,1,2,3,1487442935,229,230,False", e));
  EXPECT_FALSE(e.active);
  EXPECT_TRUE(parse_raw_line("5,988,1,2,3,1487442935,229,230,False,\r", e));
}

TEST(AlarmEvent, RawLineErrorsSayWhatIsWrong) {
  AlarmEvent e;
  Status s = parse_raw_line("0,983,1160629000,121,308,1487441883,abc,230,True,", e);
  ASSERT_FALSE(s);
  EXPECT_NE(s.reason().find("value"), std::string::npos);
  s = parse_raw_line("0,983,1160629000", e);
  ASSERT_FALSE(s);
  EXPECT_NE(s.reason().find("3 fields"), std::string::npos);
  EXPECT_FALSE(parse_raw_line("0,983,,121,308,1487441883,231,230,True,", e));
  EXPECT_FALSE(parse_raw_line("0,983,1,121,308,1487441883,231,230,Maybe,", e));
}

TEST(AlarmEvent, PayloadIsTheTutorials) {
  AlarmEvent e;
  e.index = 0;
  e.event_time = 1487441883;
  e.value = 231;
  e.threshold = 230;
  e.active = true;
  EXPECT_EQ(format_payload(e), "0.0,1487441883.0,231,230,True");
  e.index = 12.5;
  e.value = 230.25;
  e.active = false;
  EXPECT_EQ(format_payload(e), "12.5,1487441883.0,230.25,230,False");
}

TEST(AlarmEvent, PayloadRoundTrips) {
  AlarmEvent in;
  in.index = 41;
  in.event_time = 1487500000;
  in.value = 232;
  in.threshold = 230;
  in.active = true;
  AlarmEvent out;
  ASSERT_TRUE(parse_payload(format_payload(in), out));
  EXPECT_EQ(out.index, in.index);
  EXPECT_EQ(out.event_time, in.event_time);
  EXPECT_EQ(out.value, in.value);
  EXPECT_EQ(out.threshold, in.threshold);
  EXPECT_EQ(out.active, in.active);
}

TEST(AlarmEvent, MalformedPayloadsAreRefusedWithAReason) {
  AlarmEvent e;
  const char* bad[] = {"",
                       "1,2,3",
                       "1,2,3,4,True,extra",
                       "x,1487441883.0,231,230,True",
                       "1.0,1487441883.0,nan,230,True",
                       "1.0,1487441883.0,inf,230,True",
                       "1.0,1e999,231,230,True",
                       "1.0,1487441883.0,231,230,yes",
                       "1.0,,231,230,True",
                       "\xff\xfe\x00\x01"};
  for (const char* p : bad) {
    Status s = parse_payload(p, e);
    EXPECT_FALSE(s) << p;
    EXPECT_FALSE(s.reason().empty()) << p;
  }
  EXPECT_FALSE(parse_payload(std::string(5000, '1'), e));
}

TEST(AlarmEvent, TopicCarriesTheSeries) {
  SeriesId id{"1160629000", "121", "308"};
  EXPECT_EQ(alarm_topic(id), "alarm/1160629000/121/308");
  SeriesId parsed;
  ASSERT_TRUE(parse_series_topic("alarm/1160629000/121/308", parsed));
  EXPECT_EQ(parsed, id);
  EXPECT_FALSE(parse_series_topic("alarm/finish", parsed));
  EXPECT_FALSE(parse_series_topic("alarm//121/308", parsed));
  EXPECT_FALSE(parse_series_topic("", parsed));
  EXPECT_FALSE(parse_series_topic("1160629000/121/308", parsed));
  EXPECT_FALSE(parse_series_topic("/1160629000/121/308", parsed));
  ASSERT_TRUE(parse_series_path("1160629000/121/308", parsed));
  EXPECT_EQ(parsed, id);
  EXPECT_FALSE(parse_series_path("x/1160629000/121/308", parsed));
  EXPECT_FALSE(parse_series_path("/121/308", parsed));
  EXPECT_FALSE(parse_series_path("1/2", parsed));
  ASSERT_TRUE(parse_series_topic("site/a/alarm/1/2/3", parsed));
  EXPECT_EQ(parsed, (SeriesId{"1", "2", "3"}));
}

}  // namespace
}  // namespace edgeml
