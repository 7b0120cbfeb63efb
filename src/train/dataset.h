// Alarm events read for training: the tutorial's columns (index, event_time,
// value, valueThreshold, isActive) from its CSV or from the collector's
// database. Rows with a missing value are dropped, as the tutorial's dropna()
// did; anything else that is not a finite number is an Error naming the file,
// line and column.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include <Eigen/Core>

namespace edgeml::train {

// Columns of EventTable::rows.
enum Column : Eigen::Index { kIndex = 0, kEventTime = 1, kValue = 2, kThreshold = 3, kColumnCount = 4 };

struct EventTable {
  Eigen::MatrixXd rows;     // one event per row, columns as above
  std::size_t dropped = 0;  // rows left out for a missing value
  std::string source;       // file, and series for a database
  // Of several series pooled: each row's series, an index into series_names.
  // Both empty: the rows are of one series.
  std::vector<std::size_t> series;
  std::vector<std::string> series_names;

  // The series of `row` ("STATION/DATAPOINT/ALARM"), or "" for one series' rows.
  const std::string& series_of(Eigen::Index row) const;
};

// The tutorial's CSV: a header naming exactly the five columns (any order),
// then one event per line. Empty, "nan" and "NA" cells count as missing.
EventTable read_training_csv(const std::filesystem::path& path);

// One series of the collector's database (an SQLite file, or a postgresql://
// URL as a path); `series` (STATION/DATAPOINT/ALARM) may be empty when the
// database holds only one. Rows in arrival order.
EventTable read_event_db(const std::filesystem::path& path, const std::string& series);

// The series of a collector's database, "STATION/DATAPOINT/ALARM" each; none
// for any other file.
std::vector<std::string> series_in(const std::filesystem::path& path);

// Every series of a collector's database in one table, each row knowing its series.
EventTable read_pooled_db(const std::filesystem::path& path);

// Either of the above, told by the file's content (SQLite's header), or a
// PostgreSQL database by its URL.
EventTable read_events(const std::filesystem::path& path, const std::string& series);

// Rows `order[0]`, `order[1]`, ... of `table`.
EventTable select_rows(const EventTable& table, const std::vector<Eigen::Index>& order);

}  // namespace edgeml::train
