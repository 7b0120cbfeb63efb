#include "ingest/sqlite_event_store.h"
#include "ingest/open_event_store.h"

#include <cstdio>

#include <gtest/gtest.h>

#include "support/test_support.h"

namespace edgeml::ingest {
namespace {

AlarmEvent event(double index, double time, std::string station = "1160629000") {
  AlarmEvent e;
  e.series = {std::move(station), "121", "308"};
  e.index = index;
  e.event_time = time;
  e.value = 231;
  e.threshold = 230;
  e.active = true;
  return e;
}

TEST(EventStore, StoresEachEventOnce) {
  test::TempDir dir;
  SqliteEventStore store(dir / "e.db");
  bool stored = false;
  ASSERT_TRUE(store.insert(event(0, 100), stored));
  EXPECT_TRUE(stored);
  ASSERT_TRUE(store.insert(event(0, 100), stored));
  EXPECT_FALSE(stored);
  ASSERT_TRUE(store.insert(event(0, 101), stored));  // same index, other time: another event
  EXPECT_TRUE(stored);
  ASSERT_TRUE(store.insert(event(0, 100, "42"), stored));  // other series
  EXPECT_TRUE(stored);
  EXPECT_EQ(store.event_count(), 3);
}

TEST(EventStore, SurvivesReopeningAndKeepsArrivalOrder) {
  test::TempDir dir;
  {
    SqliteEventStore store(dir / "e.db");
    bool stored;
    for (int i = 5; i > 0; --i) ASSERT_TRUE(store.insert(event(i, 1000 + i), stored));
  }
  SqliteEventStore store(dir / "e.db");
  std::vector<double> order;
  store.for_each(std::nullopt, 0, [&](const StoredEvent& r) { order.push_back(r.event.index); });
  EXPECT_EQ(order, (std::vector<double>{5, 4, 3, 2, 1}));
  EXPECT_TRUE(std::filesystem::exists(dir / "e.db-wal"));
}

TEST(EventStore, FiltersBySeries) {
  test::TempDir dir;
  SqliteEventStore store(dir / "e.db");
  bool stored;
  store.insert(event(0, 1, "a"), stored);
  store.insert(event(0, 1, "b"), stored);
  store.insert(event(1, 2, "a"), stored);
  ASSERT_EQ(store.series().size(), 2u);
  int n = 0;
  store.for_each(SeriesId{"a", "121", "308"}, 0, [&](const StoredEvent&) { ++n; });
  EXPECT_EQ(n, 2);
}

TEST(EventStore, KeepsRejectsWithTopicPayloadAndReason) {
  test::TempDir dir;
  SqliteEventStore store(dir / "e.db");
  std::string binary("\x00\xff\x01", 3);
  ASSERT_TRUE(store.reject("alarm/1/2/3", binary, "not a number"));
  ASSERT_TRUE(store.reject("alarm/1/2/3", std::string(1 << 20, 'x'), "too large"));
  EXPECT_EQ(store.reject_count(), 2);
  EXPECT_EQ(test::count_rows(dir / "e.db", "SELECT length(payload) FROM rejects WHERE id = 1"), 3);
  EXPECT_EQ(test::count_rows(dir / "e.db", "SELECT payload_bytes FROM rejects WHERE id = 2"), 1 << 20);
}

TEST(EventStore, UnopenableDatabaseNamesTheFile) {
  test::TempDir dir;
  std::filesystem::create_directory(dir / "a-directory");
  try {
    SqliteEventStore store(dir / "a-directory");
    FAIL() << "opened a directory as a database";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("a-directory"), std::string::npos);
  }
}

TEST(EventStore, ADamagedFileIsRefusedAtOpenWithTheDamage) {
  test::TempDir dir;
  {
    SqliteEventStore store(dir / "e.db");
    bool stored = false;
    ASSERT_TRUE(store.begin());
    for (int i = 0; i < 2000; ++i) ASSERT_TRUE(store.insert(event(i, 100 + i), stored));
    ASSERT_TRUE(store.commit());
  }
  // Overwrite pages in the middle of the file (the WAL was checkpointed on close).
  {
    std::FILE* f = std::fopen((dir / "e.db").c_str(), "r+b");
    ASSERT_NE(f, nullptr);
    std::fseek(f, 8192, SEEK_SET);
    std::string junk(16384, '\x5a');
    std::fwrite(junk.data(), 1, junk.size(), f);
    std::fclose(f);
  }
  try {
    SqliteEventStore store(dir / "e.db");
    FAIL() << "opened a damaged database";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("damaged"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("e.db"), std::string::npos) << e.what();
  }
}

TEST(EventStore, AGroupIsStoredWholeOrNotAtAll) {
  test::TempDir dir;
  SqliteEventStore store(dir / "e.db");
  bool stored = false;
  ASSERT_TRUE(store.begin());
  ASSERT_TRUE(store.insert(event(0, 100), stored));
  ASSERT_TRUE(store.insert(event(1, 101), stored));
  store.rollback();
  EXPECT_EQ(store.event_count(), 0);
  ASSERT_TRUE(store.begin());
  ASSERT_TRUE(store.insert(event(0, 100), stored));
  ASSERT_TRUE(store.insert(event(1, 101), stored));
  ASSERT_TRUE(store.commit());
  EXPECT_EQ(store.event_count(), 2);
}

}  // namespace
}  // namespace edgeml::ingest

namespace edgeml::ingest {
namespace {

TEST(EventStoreLocation, AUrlIsPrintedWithoutItsPassword) {
  EXPECT_EQ(printable_location("postgresql://u:pw@h:5432/db"), "postgresql://u@h:5432/db");
  EXPECT_EQ(printable_location("postgresql://u:p@ss@h/db"), "postgresql://u@h/db");
  EXPECT_EQ(printable_location("postgres://u@h/db?sslmode=require&password=x&connect_timeout=3"),
            "postgres://u@h/db?sslmode=require&connect_timeout=3");
  EXPECT_EQ(printable_location("postgresql://h/db?password=x"), "postgresql://h/db");
  EXPECT_EQ(printable_location("postgresql://u@h/db"), "postgresql://u@h/db");
  EXPECT_EQ(printable_location("data/a:b@c.db"), "data/a:b@c.db");  // a file's name is left alone
  EXPECT_TRUE(is_postgres_location("postgres://h/db"));
  EXPECT_FALSE(is_postgres_location("postgresql.db"));
}

TEST(EventStoreLocation, AReaderDoesNotCreateAMissingFile) {
  test::TempDir dir;
  const std::string what = test::error_of([&] { open_event_store((dir / "none.db").string(), OpenMode::existing); });
  EXPECT_NE(what.find("none.db' does not exist"), std::string::npos) << what;
  EXPECT_FALSE(std::filesystem::exists(dir / "none.db"));
  EXPECT_EQ(open_event_store((dir / "new.db").string())->event_count(), 0);  // the collector creates it
}

}  // namespace
}  // namespace edgeml::ingest
