// Competing collectors without shared subscriptions: --partition K/N.
#include "ingest/collector.h"

#include <algorithm>
#include <mutex>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "ingest/partition.h"
#include "ingest/sqlite_event_store.h"
#include "support/test_support.h"

namespace edgeml::ingest {
namespace {

constexpr const char* kEvent = "0.0,1487441883.0,231,230,True";

TEST(Partition, ReadsKOfN) {
  Partition p = parse_partition("1/3");
  EXPECT_EQ(p.index, 1);
  EXPECT_EQ(p.count, 3);
  EXPECT_EQ(parse_partition("0/1").count, 1);
  for (const char* bad : {"2/2", "-1/2", "1", "a/b", "0/0", "1/2x", "/2", "0/", ""})
    EXPECT_NE(test::error_of([&] { parse_partition(bad); }).find("is not K/N"), std::string::npos) << bad;
}

// The value is FNV-1a 64 of "1160629000/121/308" (0x085115ab159967f7),
// reckoned apart from this code: collectors of one group running different
// builds must agree on it.
TEST(Partition, OfASeriesIsFixed) {
  const SeriesId series{"1160629000", "121", "308"};
  EXPECT_EQ(series_partition(series, 1000), 695);
  EXPECT_EQ(series_partition(series, 7), 5);
  EXPECT_EQ(series_partition(series, 2), 1);
  EXPECT_EQ(series_partition(series, 1), 0);
}

TEST(Partition, SpreadsSeriesOverCollectors) {
  int first = 0;
  for (int i = 0; i < 1000; ++i) first += series_partition({fmt::format("st{}", i), "121", "308"}, 2) == 0;
  EXPECT_GT(first, 400);
  EXPECT_LT(first, 600);
}

TEST(Partition, TopicsWithoutASeriesBelongToTheFirst) {
  EXPECT_TRUE(parse_partition("0/2").holds(nullptr));
  EXPECT_FALSE(parse_partition("1/2").holds(nullptr));
  EXPECT_TRUE(Partition{}.holds(nullptr));
}

struct PartitionedCollector {
  explicit PartitionedCollector(const test::TempDir& dir, const std::string& partition)
      : store(dir / (partition.substr(0, 1) + ".db")), collector(store, nullptr, options(partition)) {}

  static CollectorOptions options(const std::string& partition) {
    CollectorOptions o;
    o.partition = parse_partition(partition);
    return o;
  }

  SqliteEventStore store;
  Collector collector;
};

// Two collectors reading the same stream store each event once between them,
// every event of a series in the same one, and skip the rest.
TEST(CollectorPartition, TwoCollectorsShareTheStream) {
  test::TempDir dir;
  PartitionedCollector a(dir, "0/2"), b(dir, "1/2");
  for (auto* c : {&a.collector, &b.collector}) {
    for (int i = 0; i < 100; ++i) {
      c->handle(fmt::format("stations/north-7/alarm/st{}/121/308", i), kEvent);
      c->handle(fmt::format("stations/north-7/alarm/st{}/121/308", i), "1.0,1487441884.0,231,230,True");
    }
    c->handle("alarm/short", kEvent);  // no series: partition 0 rejects it
    c->handle("alarm/finish", "True");
    c->flush();
  }
  CollectorCounts na = a.collector.counts(), nb = b.collector.counts();
  EXPECT_EQ(na.stored + nb.stored, 200);
  EXPECT_GT(na.stored, 0);
  EXPECT_GT(nb.stored, 0);
  EXPECT_EQ(na.stored % 2, 0) << "a series was split between the collectors";
  EXPECT_EQ(na.skipped, nb.stored);
  EXPECT_EQ(nb.skipped, na.stored + 1);
  EXPECT_EQ(na.rejected, 1);
  EXPECT_EQ(nb.rejected, 0);
  EXPECT_EQ(a.store.event_count() + b.store.event_count(), 200);
  EXPECT_TRUE(a.collector.finish_seen());
  EXPECT_TRUE(b.collector.finish_seen());
}

// A reader acknowledging what is committed (collect --reader stream) hears of
// each delivery once it is committed, or needs no storing: another
// partition's event must not hold up its acknowledgement.
TEST(CollectorPartition, EveryDeliveryIsReportedDoneAfterItsCommitSkippedOnesToo) {
  test::TempDir dir;
  PartitionedCollector a(dir, "0/2");
  std::mutex mutex;
  std::vector<std::uint64_t> done;
  a.collector.set_commit_listener([&](std::uint64_t delivery) {
    std::lock_guard lock(mutex);
    done.push_back(delivery);
  });
  std::uint64_t delivery = 0;
  for (int i = 0; i < 40; ++i)
    a.collector.handle(fmt::format("stations/north-7/alarm/st{}/121/308", i), kEvent, ++delivery);
  a.collector.flush();
  const CollectorCounts n = a.collector.counts();
  EXPECT_GT(n.skipped, 0);
  EXPECT_EQ(n.stored + n.skipped, 40);
  std::lock_guard lock(mutex);
  ASSERT_FALSE(done.empty());
  EXPECT_EQ(done.back(), 40u);
  EXPECT_TRUE(std::is_sorted(done.begin(), done.end()));
}

// Events without a delivery (the Paho reader's) ask for no report.
TEST(CollectorPartition, WritesWithoutDeliveriesReportNothing) {
  test::TempDir dir;
  PartitionedCollector a(dir, "0/1");
  int calls = 0;
  a.collector.set_commit_listener([&](std::uint64_t) { ++calls; });
  a.collector.handle("stations/north-7/alarm/st1/121/308", kEvent);
  a.collector.flush();
  EXPECT_EQ(a.collector.counts().stored, 1);
  EXPECT_EQ(calls, 0);
}

}  // namespace
}  // namespace edgeml::ingest
