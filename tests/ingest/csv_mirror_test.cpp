#include "ingest/csv_mirror.h"
#include "ingest/sqlite_event_store.h"

#include <fstream>

#include <gtest/gtest.h>

#include "support/test_support.h"

namespace edgeml::ingest {
namespace {

AlarmEvent event(double index) {
  AlarmEvent e;
  e.series = {"1160629000", "121", "308"};
  e.index = index;
  e.event_time = 1487441883 + index;
  e.value = 231;
  e.threshold = 230;
  e.active = true;
  return e;
}

void insert(SqliteEventStore& store, double index) {
  bool stored;
  ASSERT_TRUE(store.insert(event(index), stored));
}

TEST(CsvMirror, WritesTheTutorialsFormat) {
  test::TempDir dir;
  SqliteEventStore store(dir / "e.db");
  CsvMirror csv(dir / "e.csv", store);
  insert(store, 0);
  ASSERT_TRUE(csv.append(event(0)));
  EXPECT_EQ(test::read_file(dir / "e.csv"),
            "index,event_time,value,valueThreshold,isActive\n0.0,1487441883.0,231,230,True\n");
}

TEST(CsvMirror, CatchesUpWithTheStoreAndRepairsATornLine) {
  test::TempDir dir;
  SqliteEventStore store(dir / "e.db");
  {
    CsvMirror csv(dir / "e.csv", store);
    insert(store, 0);
    ASSERT_TRUE(csv.append(event(0)));
  }
  // A crash after the commit of events 1 and 2, in the middle of writing event 1's line.
  insert(store, 1);
  insert(store, 2);
  std::ofstream(dir / "e.csv", std::ios::app) << "1.0,14874";
  CsvMirror csv(dir / "e.csv", store);
  EXPECT_EQ(csv.lines(), 3);
  EXPECT_EQ(test::read_file(dir / "e.csv"),
            "index,event_time,value,valueThreshold,isActive\n"
            "0.0,1487441883.0,231,230,True\n"
            "1.0,1487441884.0,231,230,True\n"
            "2.0,1487441885.0,231,230,True\n");
}

TEST(CsvMirror, ExportsOneSeries) {
  test::TempDir dir;
  SqliteEventStore store(dir / "e.db");
  insert(store, 0);
  AlarmEvent other = event(0);
  other.series.station = "7";
  bool stored;
  store.insert(other, stored);
  EXPECT_EQ(export_training_csv(store, SeriesId{"1160629000", "121", "308"}, dir / "t.csv"), 1);
  EXPECT_EQ(test::read_file(dir / "t.csv"), "index,event_time,value,valueThreshold,isActive\n0.0,1487441883.0,231,230,True\n");
  EXPECT_THROW(export_training_csv(store, std::nullopt, dir / "missing-dir" / "t.csv"), Error);
}

}  // namespace
}  // namespace edgeml::ingest
