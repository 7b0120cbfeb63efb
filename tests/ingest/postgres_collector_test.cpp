// The collector and `edgeml export` with the PostgreSQL store: what they do
// with an SQLite file, they do the same with a database.
#include <gtest/gtest.h>

#include "ingest/collector.h"
#include "ingest/postgres_event_store.h"
#include "ingest/sqlite_event_store.h"
#include "support/postgres_server.h"
#include "support/postgres_testing.h"

namespace edgeml::ingest {
namespace {


class PostgresCollectorTest : public test::PostgresTest {
 protected:
  test::TempDir dir_;
};

TEST_F(PostgresCollectorTest, StoresEventsOnceRejectsTheRestAndMirrorsTheNewOnes) {
  PostgresEventStore store(url_);
  CsvMirror csv(dir_ / "alarms.csv", store);
  Collector c(store, &csv, {});
  c.handle("alarm/1160629000/121/308", "0.0,1487441883.0,231,230,True");
  c.handle("alarm/1160629000/121/308", "0.0,1487441883.0,231,230,True");
  c.handle("alarm/1160629000/121/308", "1.0,1487441983.0,229,230,False");
  c.handle("alarm/1/2/3", "a,b,c,d,e");
  c.handle("alarm/finish", "True");
  c.flush();
  EXPECT_TRUE(c.finish_seen());
  const CollectorCounts n = c.counts();
  EXPECT_EQ(n.stored, 2);
  EXPECT_EQ(n.duplicates, 1);
  EXPECT_EQ(n.rejected, 1);
  EXPECT_FALSE(c.failure());
  EXPECT_EQ(store.event_count(), 2);
  EXPECT_EQ(store.reject_count(), 1);
  EXPECT_EQ(test::read_file(dir_ / "alarms.csv"),
            std::string(kTrainingCsvHeader) + "\n0.0,1487441883.0,231,230,True\n1.0,1487441983.0,229,230,False\n");
}

TEST_F(PostgresCollectorTest, ExportFromPostgresEqualsExportFromSqlite) {
  SqliteEventStore sqlite(dir_ / "alarms.db");
  PostgresEventStore postgres(url_);
  test::write_sample_batches(sqlite);
  test::write_sample_batches(postgres);
  ASSERT_EQ(postgres.series(), sqlite.series());
  EXPECT_EQ(export_training_csv(postgres, std::nullopt, dir_ / "pg.csv"), 60);
  export_training_csv(sqlite, std::nullopt, dir_ / "sqlite.csv");
  EXPECT_EQ(test::read_file(dir_ / "pg.csv"), test::read_file(dir_ / "sqlite.csv"));

  // And through `edgeml export`, one series.
  for (const auto& [db, csv] : {std::pair{url_, "pg-one.csv"}, std::pair{(dir_ / "alarms.db").string(), "one.csv"}}) {
    Process p = test::run_edgeml(
        {"export", "--db", db, "--series", "1160629000/121/308", "--csv", (dir_ / csv).string()}, dir_ / "export.log");
    ASSERT_EQ(p.wait_for(std::chrono::seconds(60)), 0) << test::read_file(dir_ / "export.log");
  }
  EXPECT_EQ(test::read_file(dir_ / "pg-one.csv"), test::read_file(dir_ / "one.csv"));
  EXPECT_NE(test::read_file(dir_ / "export.log").find("wrote 40 rows"), std::string::npos);
}

}  // namespace
}  // namespace edgeml::ingest
