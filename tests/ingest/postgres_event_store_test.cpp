// The PostgreSQL store against a private server: the same promises as the
// SQLite store's, and those of a store several collectors share.
#include "ingest/postgres_event_store.h"

#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "ingest/open_event_store.h"
#include "ingest/store_writer.h"
#include "support/postgres_server.h"
#include "support/postgres_testing.h"

namespace edgeml::ingest {
namespace {

using namespace std::chrono_literals;
using test::event;
using test::event_write;
using test::query_value;

class PostgresEventStoreTest : public test::PostgresTest {};

TEST_F(PostgresEventStoreTest, CreatesTheSchemaAndStoresEachEventOnce) {
  PostgresEventStore store(url_);
  EXPECT_EQ(query_value(url_, "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM "
                              "information_schema.columns WHERE table_name = 'events'"),
            "id,station,datapoint,alarm,idx,event_time,value,value_threshold,is_active,received_at");
  EXPECT_EQ(query_value(url_, "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM "
                              "information_schema.columns WHERE table_name = 'rejects'"),
            "id,received_at,topic,payload,payload_bytes,reason");
  bool stored = false;
  ASSERT_TRUE(store.insert(event(0), stored));
  EXPECT_TRUE(stored);
  ASSERT_TRUE(store.insert(event(0), stored));
  EXPECT_FALSE(stored);
  ASSERT_TRUE(store.insert(event(0, "42"), stored));  // another series
  EXPECT_TRUE(stored);
  EXPECT_EQ(store.event_count(), 2);
  PostgresEventStore again(url_);  // the tables are there: nothing is created or lost
  EXPECT_EQ(again.event_count(), 2);
}

TEST_F(PostgresEventStoreTest, KeepsRejectsWithTheirPayloadUpTo64KiB) {
  PostgresEventStore store(url_);
  ASSERT_TRUE(store.reject("alarm/1/2/3", std::string("\x00\xff\x01", 3), "not a number"));
  ASSERT_TRUE(store.reject("alarm/1/2/3", std::string(1 << 20, 'x'), "too large"));
  ASSERT_TRUE(store.reject("alarm/1/2/3", "x", std::string("bad \xff byte\0", 11)));  // still stored, as text
  EXPECT_EQ(store.reject_count(), 3);
  EXPECT_EQ(query_value(url_, "SELECT encode(payload, 'hex') FROM rejects WHERE reason = 'not a number'"), "00ff01");
  EXPECT_EQ(query_value(url_, "SELECT length(payload) || ' ' || payload_bytes FROM rejects WHERE reason = 'too large'"),
            "65536 1048576");
  EXPECT_EQ(query_value(url_, "SELECT reason FROM rejects WHERE payload = 'x'"), "bad \xef\xbf\xbd byte\xef\xbf\xbd");
}

TEST_F(PostgresEventStoreTest, ABatchIsOneTransactionAndSaysWhichEventsWereNew) {
  PostgresEventStore store(url_);
  bool stored = false;
  ASSERT_TRUE(store.insert(event(5), stored));
  std::vector<PendingWrite> batch{event_write(3), event_write(5), event_write(1), event_write(3)};
  PendingWrite reject;
  reject.kind = PendingWrite::Kind::reject;
  reject.topic = "alarm/1/2/3";
  reject.reason = "empty";
  batch.push_back(reject);
  batch.emplace_back().kind = PendingWrite::Kind::finish;
  ASSERT_TRUE(store.write(batch));
  std::vector<bool> flags;
  for (int i = 0; i < 4; ++i) flags.push_back(batch[i].stored);
  EXPECT_EQ(flags, (std::vector<bool>{true, false, true, false}));  // the later 3 is a duplicate inside the batch
  EXPECT_EQ(store.event_count(), 3);
  EXPECT_EQ(store.reject_count(), 1);
  std::vector<double> order;  // arrival order, not key order
  store.for_each(std::nullopt, 0, [&](const StoredEvent& r) { order.push_back(r.event.index); });
  EXPECT_EQ(order, (std::vector<double>{5, 3, 1}));
  StoredEvent first;
  store.for_each(SeriesId{"1160629000", "121", "308"}, 0, [&](const StoredEvent& r) {
    if (first.row == 0) first = r;
  });
  EXPECT_EQ(first.event.series, event(5).series);
  EXPECT_EQ(format_payload(first.event), format_payload(event(5)));
}

TEST_F(PostgresEventStoreTest, AReaderFindsTheTablesAndCreatesNone) {
  try {
    PostgresEventStore reader(url_, OpenMode::existing);
    FAIL() << "opened a database without tables";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no events"), std::string::npos) << e.what();
  }
  EXPECT_EQ(query_value(url_, "SELECT count(*) FROM pg_tables WHERE tablename = 'events'"), "0");
  PostgresEventStore writer(url_);
  bool stored = false;
  ASSERT_TRUE(writer.insert(event(1), stored));
  PostgresEventStore reader(url_, OpenMode::existing);
  EXPECT_EQ(reader.event_count(), 1);
  EXPECT_EQ(open_event_store(url_, OpenMode::existing)->series().size(), 1u);
}

TEST_F(PostgresEventStoreTest, ARefusedConnectionNamesTheUrlWithoutItsPassword) {
  const int closed = server().port() + 1;  // nothing listens there, as far as a test can tell
  for (const std::string& url : {fmt::format("postgresql://edgeml:s3cret@127.0.0.1:{}/x", closed),
                                 fmt::format("postgres://edgeml@127.0.0.1:{}/x?password=s3cret", closed),
                                 std::string("postgresql://edgeml:s3cret@127.0.0.1:notaport/x")}) {
    try {
      open_event_store(url);
      FAIL() << "connected to " << url;
    } catch (const Error& e) {
      const std::string what = e.what();
      EXPECT_EQ(what.find("s3cret"), std::string::npos) << what;
      EXPECT_NE(what.find(printable_location(url)), std::string::npos) << what;
      EXPECT_NE(what.find("edgeml@127.0.0.1"), std::string::npos) << what;
    }
  }
}

// Two collectors of one $share group, each with its store and writer, given
// the same events (a sender resent them to the other) in batches at once.
TEST_F(PostgresEventStoreTest, TwoStoresWritingOverlappingBatchesStoreEachEventOnce) {
  PostgresEventStore a(url_), b(url_);
  const LockRetry retry{.attempts = 100, .first_pause = 1ms, .longest_pause = 20ms};
  StoreWriter writer_a(a, nullptr, 256, retry), writer_b(b, nullptr, 256, retry);
  constexpr int kEvents = 3000;
  auto feed = [](StoreWriter& writer, int first, int last, int step) {
    for (int i = first; i != last; i += step) ASSERT_TRUE(writer.push(event_write(i)));
    writer.flush();
  };
  std::thread ta([&] { feed(writer_a, 0, 2 * kEvents / 3, 1); });
  std::thread tb([&] { feed(writer_b, kEvents - 1, kEvents / 3 - 1, -1); });  // the other way round
  ta.join();
  tb.join();
  EXPECT_FALSE(writer_a.failure());
  EXPECT_FALSE(writer_b.failure());
  const StoreCounts na = writer_a.counts(), nb = writer_b.counts();
  EXPECT_EQ(na.stored + nb.stored, kEvents);
  EXPECT_EQ(na.duplicates + nb.duplicates, kEvents / 3);
  EXPECT_EQ(a.event_count(), kEvents);
  EXPECT_EQ(query_value(url_, "SELECT count(DISTINCT idx) FROM events"), std::to_string(kEvents));
}

TEST_F(PostgresEventStoreTest, AfterTheServerRestartsTheWriterReconnectsAndLosesNothing) {
  PostgresEventStore store(url_);
  StoreWriter writer(store, nullptr, 2048, LockRetry{.attempts = 200, .first_pause = 20ms, .longest_pause = 100ms});
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(writer.push(event_write(i)));
  writer.flush();
  server().stop();
  for (int i = 100; i < 200; ++i) ASSERT_TRUE(writer.push(event_write(i)));
  std::this_thread::sleep_for(300ms);  // the writer tries, and is refused
  server().start();
  writer.flush();
  EXPECT_FALSE(writer.failure());
  EXPECT_GT(writer.lock_retries(), 0);
  EXPECT_EQ(writer.counts().stored, 200);
  EXPECT_EQ(store.event_count(), 200);
}

TEST_F(PostgresEventStoreTest, AFailureThatIsNotTransientIsNotBusyAndNamesTheStore) {
  PostgresEventStore store(url_);
  query_value(url_, "ALTER TABLE events ADD CHECK (value < 1000)");
  PendingWrite w = event_write(2000);  // value 2231
  Status s = store.write({&w, 1});
  ASSERT_FALSE(s);
  EXPECT_FALSE(store.busy());
  EXPECT_NE(s.reason().find(url_), std::string::npos) << s.reason();
  EXPECT_NE(s.reason().find("check constraint"), std::string::npos) << s.reason();
}

}  // namespace
}  // namespace edgeml::ingest
