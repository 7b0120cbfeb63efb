// The writer thread against another connection's locks: a lock is waited out,
// a broken store is not.
#include "ingest/store_writer.h"
#include "ingest/sqlite_event_store.h"

#include <sqlite3.h>

#include <atomic>
#include <mutex>
#include <set>

#include <gtest/gtest.h>

#include "protocol/receipt.h"
#include "support/test_support.h"

namespace edgeml::ingest {
namespace {

using namespace std::chrono_literals;

constexpr auto kBusyTimeout = 50ms;

// Another process's connection to the same database, as a reader or a backup tool has.
class OtherConnection {
 public:
  explicit OtherConnection(const std::filesystem::path& path) { sqlite3_open(path.c_str(), &db_); }
  ~OtherConnection() { sqlite3_close(db_); }
  bool exec(const char* sql) { return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) == SQLITE_OK; }

 private:
  sqlite3* db_ = nullptr;
};

PendingWrite event_write(int i) {
  PendingWrite w;
  w.event.series = {"1160629000", "121", "308"};
  w.event.index = i;
  w.event.event_time = 1000 + i;
  w.receipt_topic = "edgeml/receipts/sensor/run";
  w.sequence = static_cast<std::uint64_t>(i);
  return w;
}

// The sequences of every receipt sent, and whether one went out while the lock was held.
struct ReceiptLog {
  std::mutex mutex;
  std::set<std::uint64_t> sequences;
  std::atomic<bool> lock_held{false};
  std::atomic<bool> sent_while_locked{false};

  void attach(StoreWriter& writer) {
    writer.set_receipt_sender([this](const std::string&, const std::string& payload) {
      if (lock_held) sent_while_locked = true;
      std::vector<std::uint64_t> got;
      ASSERT_TRUE(decode_receipt(payload, got));
      std::lock_guard lock(mutex);
      sequences.insert(got.begin(), got.end());
    });
  }
};

TEST(StoreWriter, WaitsOutALockHeldLongerThanTheBusyTimeoutAndCommitsEverything) {
  test::TempDir dir;
  SqliteEventStore store(dir / "e.db", kBusyTimeout);
  OtherConnection other(dir / "e.db");
  StoreWriter writer(store, nullptr, 2048, LockRetry{.attempts = 1000, .first_pause = 5ms, .longest_pause = 20ms});
  ReceiptLog receipts;
  receipts.attach(writer);

  ASSERT_TRUE(other.exec("BEGIN IMMEDIATE"));
  receipts.lock_held = true;
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(writer.push(event_write(i)));
  // Held through several busy timeouts before it is released.
  ASSERT_TRUE(test::wait_until([&] { return writer.lock_retries() >= 3; }, 10s));
  receipts.lock_held = false;
  ASSERT_TRUE(other.exec("COMMIT"));
  writer.flush();

  EXPECT_FALSE(writer.failure()) << *writer.failure();
  EXPECT_EQ(writer.counts().stored, 100);
  EXPECT_EQ(store.event_count(), 100);
  EXPECT_FALSE(receipts.sent_while_locked);
  EXPECT_EQ(receipts.sequences.size(), 100u);
}

TEST(StoreWriter, ALockNeverReleasedEndsAsAFailureWithNothingReceipted) {
  test::TempDir dir;
  SqliteEventStore store(dir / "e.db", 10ms);
  OtherConnection other(dir / "e.db");
  StoreWriter writer(store, nullptr, 2048, LockRetry{.attempts = 3, .first_pause = 1ms, .longest_pause = 2ms});
  ReceiptLog receipts;
  receipts.attach(writer);

  ASSERT_TRUE(other.exec("BEGIN IMMEDIATE"));
  ASSERT_TRUE(writer.push(event_write(0)));
  writer.flush();
  ASSERT_TRUE(writer.failure());
  EXPECT_NE(writer.failure()->find("locked"), std::string::npos) << *writer.failure();
  EXPECT_NE(writer.failure()->find("3 attempts"), std::string::npos) << *writer.failure();
  EXPECT_EQ(writer.lock_retries(), 2);
  EXPECT_TRUE(receipts.sequences.empty());
  EXPECT_FALSE(writer.push(event_write(1)));
  ASSERT_TRUE(other.exec("ROLLBACK"));
  EXPECT_EQ(store.event_count(), 0);
}

TEST(StoreWriter, AStoreThatFailsForAnotherReasonFailsAtOnce) {
  test::TempDir dir;
  SqliteEventStore store(dir / "e.db", kBusyTimeout);
  OtherConnection other(dir / "e.db");
  StoreWriter writer(store, nullptr);
  std::string reported;
  writer.set_failure_handler([&](const std::string& why) { reported = why; });

  ASSERT_TRUE(other.exec("DROP TABLE events"));
  ASSERT_TRUE(writer.push(event_write(0)));
  writer.flush();
  ASSERT_TRUE(writer.failure());
  EXPECT_EQ(writer.lock_retries(), 0);
  EXPECT_EQ(reported, *writer.failure());
  EXPECT_NE(reported.find("e.db"), std::string::npos) << reported;
}

}  // namespace
}  // namespace edgeml::ingest
