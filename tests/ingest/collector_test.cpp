#include "ingest/collector.h"
#include "ingest/sqlite_event_store.h"

#include <algorithm>
#include <mutex>

#include <gtest/gtest.h>

#include "protocol/receipt.h"

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

TEST(TopicMatches, APublishableTopicHasNoWildcardsAndALimit) {
  EXPECT_TRUE(is_publishable_topic("edgeml/replies/asker"));
  EXPECT_FALSE(is_publishable_topic(""));
  EXPECT_FALSE(is_publishable_topic("edgeml/replies/+"));
  EXPECT_FALSE(is_publishable_topic("edgeml/#"));
  EXPECT_FALSE(is_publishable_topic(std::string("a\0b", 3)));
  EXPECT_FALSE(is_publishable_topic(std::string(2000, 'a')));
}

TEST(Collector, StoresEventsOnceAndSeesTheFinish) {
  test::TempDir dir;
  SqliteEventStore store(dir / "e.db");
  Collector c(store, nullptr, {});
  c.handle("alarm/1160629000/121/308", "0.0,1487441883.0,231,230,True");
  c.handle("alarm/1160629000/121/308", "0.0,1487441883.0,231,230,True");
  c.flush();
  EXPECT_FALSE(c.finish_seen());
  c.handle("alarm/finish", "True");
  c.flush();
  EXPECT_TRUE(c.finish_seen());
  CollectorCounts n = c.counts();
  EXPECT_EQ(n.stored, 1);
  EXPECT_EQ(n.duplicates, 1);
  EXPECT_EQ(n.rejected, 0);
}

TEST(Collector, RejectsMalformedMessagesAndKeepsGoing) {
  test::TempDir dir;
  SqliteEventStore store(dir / "e.db");
  Collector c(store, nullptr, {});
  c.handle("alarm/1/2/3", "");
  c.handle("alarm/1/2/3", std::string("\x00\x01\xff", 3));
  c.handle("alarm/1/2/3", "1,2,3");
  c.handle("alarm/1/2/3", "a,b,c,d,e");
  c.handle("alarm/1/2/3", std::string(100000, '9'));
  c.handle("alarm/2/3", "0.0,1487441883.0,231,230,True");
  c.handle("alarm/finish", "False");
  c.handle("alarm/1/2/3", "1.0,1487441884.0,231,230,True");
  c.flush();
  CollectorCounts n = c.counts();
  EXPECT_EQ(n.rejected, 7);
  EXPECT_EQ(n.stored, 1);
  EXPECT_EQ(store.reject_count(), 7);
  EXPECT_EQ(test::count_rows(dir / "e.db", "SELECT count(*) FROM rejects WHERE reason LIKE '%fields%'"), 2);
  EXPECT_EQ(test::count_rows(dir / "e.db", "SELECT count(*) FROM rejects WHERE reason = ''"), 0);
}

// The views name string literals, which outlive the message.
mq::Message asking_receipt(std::string_view topic, std::string_view payload, std::string_view sequence) {
  mq::Message m;
  m.topic = topic;
  m.payload = payload;
  m.response_topic = receipt_topic("sensor-1", "run1");
  m.correlation_data = sequence;
  return m;
}

TEST(Collector, SendsReceiptsForWhatItCommittedDuplicatesAndRejectsIncluded) {
  test::TempDir dir;
  SqliteEventStore store(dir / "e.db");
  Collector c(store, nullptr, {});
  std::mutex mutex;
  std::vector<std::uint64_t> receipted;
  std::vector<std::string> topics;
  c.set_receipt_sender([&](const std::string& topic, const std::string& payload) {
    std::lock_guard lock(mutex);
    topics.push_back(topic);
    ASSERT_TRUE(decode_receipt(payload, receipted));
  });
  c.handle(asking_receipt("alarm/1160629000/121/308", "0.0,1487441883.0,231,230,True", "7"));
  c.handle(asking_receipt("alarm/1160629000/121/308", "0.0,1487441883.0,231,230,True", "8"));  // a resend
  c.handle(asking_receipt("alarm/1160629000/121/308", "not an event", "9"));
  c.handle(asking_receipt("alarm/1160629000/121/308", "1.0,1487441884.0,231,230,True", "x"));  // no sequence
  c.handle("alarm/1160629000/121/308", "2.0,1487441885.0,231,230,True");  // asks for none
  mq::Message elsewhere = asking_receipt("alarm/1160629000/121/308", "3.0,1487441886.0,231,230,True", "10");
  elsewhere.response_topic = "edgeml/deploy/all/m";  // receipts go under edgeml/receipts/ only
  c.handle(elsewhere);
  c.flush();
  ASSERT_TRUE(c.wait_receipts_delivered(std::chrono::seconds(10)));
  std::lock_guard lock(mutex);
  std::sort(receipted.begin(), receipted.end());
  EXPECT_EQ(receipted, (std::vector<std::uint64_t>{7, 8, 9}));
  for (const std::string& t : topics) EXPECT_EQ(t, "edgeml/receipts/sensor-1/run1");
  EXPECT_EQ(store.event_count(), 4);
}

}  // namespace
}  // namespace edgeml::ingest
