#include "ingest/collector.h"

#include <gtest/gtest.h>

#include "support/test_support.h"

namespace edgeml::ingest {
namespace {

TEST(TopicMatches, FollowsMqttWildcards) {
  EXPECT_TRUE(topic_matches("alarm/#", "alarm/finish"));
  EXPECT_TRUE(topic_matches("alarm/#", "alarm"));
  EXPECT_TRUE(topic_matches("#", "alarm/1/2/3"));
  EXPECT_TRUE(topic_matches("alarm/+/+/+", "alarm/1/2/3"));
  EXPECT_FALSE(topic_matches("alarm/+/+/+", "alarm/finish"));
  EXPECT_FALSE(topic_matches("alarm/1/2/3", "alarm/1/2"));
  EXPECT_TRUE(topic_matches("alarm/1/2/3", "alarm/1/2/3"));
}

TEST(Collector, StoresEventsOnceAndSeesTheFinish) {
  test::TempDir dir;
  EventStore store(dir / "e.db");
  Collector c(store, nullptr, {});
  c.handle("alarm/1160629000/121/308", "0.0,1487441883.0,231,230,True");
  c.handle("alarm/1160629000/121/308", "0.0,1487441883.0,231,230,True");
  EXPECT_FALSE(c.finish_seen());
  c.handle("alarm/finish", "True");
  EXPECT_TRUE(c.finish_seen());
  CollectorCounts n = c.counts();
  EXPECT_EQ(n.stored, 1);
  EXPECT_EQ(n.duplicates, 1);
  EXPECT_EQ(n.rejected, 0);
}

TEST(Collector, RejectsMalformedMessagesAndKeepsGoing) {
  test::TempDir dir;
  EventStore store(dir / "e.db");
  Collector c(store, nullptr, {});
  c.handle("alarm/1/2/3", "");
  c.handle("alarm/1/2/3", std::string("\x00\x01\xff", 3));
  c.handle("alarm/1/2/3", "1,2,3");
  c.handle("alarm/1/2/3", "a,b,c,d,e");
  c.handle("alarm/1/2/3", std::string(100000, '9'));
  c.handle("alarm/2/3", "0.0,1487441883.0,231,230,True");
  c.handle("alarm/finish", "False");
  c.handle("alarm/1/2/3", "1.0,1487441884.0,231,230,True");
  CollectorCounts n = c.counts();
  EXPECT_EQ(n.rejected, 7);
  EXPECT_EQ(n.stored, 1);
  EXPECT_EQ(store.reject_count(), 7);
  EXPECT_EQ(test::count_rows(dir / "e.db", "SELECT count(*) FROM rejects WHERE reason LIKE '%fields%'"), 2);
  EXPECT_EQ(test::count_rows(dir / "e.db", "SELECT count(*) FROM rejects WHERE reason = ''"), 0);
}

}  // namespace
}  // namespace edgeml::ingest
