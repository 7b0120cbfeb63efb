// Training data from the collector's PostgreSQL store: the same tables, row
// for row, as from an SQLite store holding the same events.
#include <gtest/gtest.h>

#include "ingest/postgres_event_store.h"
#include "ingest/sqlite_event_store.h"
#include "support/postgres_server.h"
#include "support/postgres_testing.h"
#include "train/dataset.h"

namespace edgeml::train {
namespace {

class PostgresTrainData : public test::PostgresTest {
 protected:
  void SetUp() override {
    test::PostgresTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ingest::SqliteEventStore sqlite(sqlite_path());
    ingest::PostgresEventStore postgres(url_);
    test::write_sample_batches(sqlite);
    test::write_sample_batches(postgres);
  }
  std::filesystem::path sqlite_path() const { return dir_ / "alarms.db"; }

  test::TempDir dir_;
};

void expect_same(const EventTable& postgres, const EventTable& sqlite) {
  ASSERT_EQ(postgres.rows.rows(), sqlite.rows.rows());
  EXPECT_TRUE(postgres.rows == sqlite.rows);  // exactly: the same doubles in the same order
  EXPECT_EQ(postgres.dropped, sqlite.dropped);
  EXPECT_EQ(postgres.series, sqlite.series);
  EXPECT_EQ(postgres.series_names, sqlite.series_names);
}

TEST_F(PostgresTrainData, OneSeriesReadsAsFromSqliteInArrivalOrder) {
  for (const std::string series : {"1160629000/121/308", "a/121/308", "B/121/308"})
    expect_same(read_events(url_, series), read_events(sqlite_path(), series));
  EventTable one = read_events(url_, "1160629000/121/308");
  EXPECT_EQ(one.rows(0, kIndex), 19);  // the first to arrive, not the least
  EXPECT_NE(one.source.find(url_), std::string::npos) << one.source;
}

TEST_F(PostgresTrainData, SeriesAndPoolingFollowSqlite) {
  EXPECT_EQ(series_in(url_), series_in(sqlite_path()));
  EXPECT_EQ(series_in(url_), (std::vector<std::string>{"1160629000/121/308", "B/121/308", "a/121/308"}));
  expect_same(read_pooled_db(url_), read_pooled_db(sqlite_path()));
}

TEST_F(PostgresTrainData, ErrorsNameTheDatabaseWithoutItsPassword) {
  const std::string with_password =
      "postgresql://postgres:s3cret@" + url_.substr(std::string("postgresql://postgres@").size());
  const std::string what = test::error_of([&] { read_events(with_password, ""); });
  EXPECT_NE(what.find("holds 3 series"), std::string::npos) << what;
  EXPECT_EQ(what.find("s3cret"), std::string::npos) << what;
  EXPECT_NE(test::error_of([&] { read_events(url_, "x/y/z"); }).find("is not in"), std::string::npos);
}

}  // namespace
}  // namespace edgeml::train
