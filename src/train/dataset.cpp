#include "train/dataset.h"

#include <array>
#include <cmath>
#include <fstream>
#include <vector>

#include <fmt/format.h>

#include "protocol/alarm_event.h"
#include "core/csv.h"
#include "core/error.h"
#include "ingest/open_event_store.h"

namespace edgeml::train {

namespace fs = std::filesystem;

namespace {

constexpr std::array<const char*, 5> kColumnNames = {"index", "event_time", "value", "valueThreshold", "isActive"};
constexpr std::size_t kIsActive = 4;

// pandas reads these as missing values, and dropna() then drops the row.
bool is_missing(std::string_view cell) { return cell.empty() || cell == "nan" || cell == "NaN" || cell == "NA"; }

// Where each of the five columns is in a line, from the header.
std::array<std::size_t, 5> column_positions(std::string_view header, const std::string& where) {
  std::array<std::string_view, 16> fields;
  std::size_t count = split_csv(header, fields);
  if (count > fields.size()) throw Error(fmt::format("{}: header has {} columns; expected the 5 of {}", where, count,
                                                     fmt::join(kColumnNames, ",")));
  std::array<std::size_t, 5> positions;
  positions.fill(count);
  for (std::size_t f = 0; f < count; ++f) {
    std::size_t c = 0;
    while (c < kColumnNames.size() && fields[f] != kColumnNames[c]) ++c;
    if (c == kColumnNames.size())
      throw Error(fmt::format("{}: unexpected column '{}'; expected exactly {}", where, fields[f], fmt::join(kColumnNames, ",")));
    if (positions[c] != count) throw Error(fmt::format("{}: column '{}' appears twice", where, fields[f]));
    positions[c] = f;
  }
  for (std::size_t c = 0; c < kColumnNames.size(); ++c)
    if (positions[c] == count) throw Error(fmt::format("{}: no column '{}' in the header", where, kColumnNames[c]));
  return positions;
}

EventTable from_values(std::vector<double>& values, std::size_t dropped, std::string source) {
  EventTable table;
  auto n = static_cast<Eigen::Index>(values.size() / kColumnCount);
  table.rows = Eigen::Map<Eigen::Matrix<double, Eigen::Dynamic, kColumnCount, Eigen::RowMajor>>(values.data(), n, kColumnCount);
  table.dropped = dropped;
  table.source = std::move(source);
  return table;
}

bool is_sqlite_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::array<char, 16> magic{};
  in.read(magic.data(), magic.size());
  return in && std::string_view(magic.data(), magic.size()) == std::string_view("SQLite format 3\0", 16);
}

bool is_postgres(const fs::path& path) { return ingest::is_postgres_location(path.string()); }

// A collector's store that is there already: an SQLite file or a PostgreSQL URL.
std::unique_ptr<ingest::EventStore> open_store(const fs::path& path) {
  if (!is_postgres(path) && !is_sqlite_file(path))
    throw Error(fmt::format("'{}' is not an SQLite database", path.string()));
  return ingest::open_event_store(path.string(), ingest::OpenMode::existing);
}

}  // namespace

EventTable read_training_csv(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw Error(fmt::format("cannot open '{}'", path.string()));
  std::string line;
  if (!std::getline(in, line)) throw Error(fmt::format("{}: empty file; expected a header {}", path.string(), fmt::join(kColumnNames, ",")));
  std::array<std::size_t, 5> positions = column_positions(line, path.string() + ":1");
  std::vector<double> values;
  std::size_t dropped = 0;
  for (std::size_t number = 2; std::getline(in, line); ++number) {
    if (line.empty() || line == "\r") continue;
    std::string where = fmt::format("{}:{}", path.string(), number);
    std::array<std::string_view, 6> cells;
    std::size_t count = split_csv(line, cells);
    if (count != kColumnNames.size())
      throw Error(fmt::format("{}: {} cells; the header names {}", where, count, kColumnNames.size()));
    std::array<double, kColumnCount> row{};
    bool missing = false;
    for (std::size_t c = 0; c < kColumnNames.size(); ++c) {
      std::string_view cell = cells[positions[c]];
      if (is_missing(cell)) {
        missing = true;
        continue;
      }
      Status s = Status::ok();
      if (c == kIsActive) {
        bool active = false;
        s = parse_bool(cell, kColumnNames[c], active);
      } else {
        s = parse_number(cell, kColumnNames[c], row[c]);
      }
      if (!s) throw Error(fmt::format("{}: {}", where, s.reason()));
    }
    if (missing) {
      ++dropped;
      continue;
    }
    values.insert(values.end(), row.begin(), row.end());
  }
  return from_values(values, dropped, path.string());
}

EventTable read_event_db(const fs::path& path, const std::string& series) {
  std::unique_ptr<ingest::EventStore> store = open_store(path);
  const std::string& name = store->name();
  std::vector<SeriesId> all = store->series();
  SeriesId wanted;
  if (!series.empty()) {
    if (Status s = parse_series_path(series, wanted); !s)
      throw Error(fmt::format("--series '{}': expected STATION/DATAPOINT/ALARM", series));
    if (std::find(all.begin(), all.end(), wanted) == all.end())
      throw Error(fmt::format("series {} is not in {}", wanted.path(), name));
  } else if (all.size() > 1) {
    std::string names;
    for (const auto& s : all) names += "\n  " + s.path();
    throw Error(fmt::format("{} holds {} series; pick one with --series:{}", name, all.size(), names));
  } else if (all.empty()) {
    throw Error(fmt::format("{} holds no events", name));
  } else {
    wanted = all[0];
  }
  std::vector<double> values;
  store->for_each(wanted, 0, [&](const ingest::StoredEvent& stored) {
    const AlarmEvent& e = stored.event;
    values.insert(values.end(), {e.index, e.event_time, e.value, e.threshold});
  });
  return from_values(values, 0, fmt::format("{} series {}", name, wanted.path()));
}

std::vector<std::string> series_in(const fs::path& path) {
  std::vector<std::string> names;
  if (!is_postgres(path) && (!fs::is_regular_file(path) || !is_sqlite_file(path))) return names;
  for (const SeriesId& s : open_store(path)->series()) names.push_back(s.path());
  return names;
}

EventTable read_events(const fs::path& path, const std::string& series) {
  if (is_postgres(path)) return read_event_db(path, series);
  if (!fs::is_regular_file(path)) throw Error(fmt::format("'{}' does not exist or is not a file", path.string()));
  if (is_sqlite_file(path)) return read_event_db(path, series);
  if (!series.empty()) throw Error(fmt::format("--series applies to a database; '{}' is a CSV file", path.string()));
  return read_training_csv(path);
}

EventTable select_rows(const EventTable& table, const std::vector<Eigen::Index>& order) {
  EventTable out;
  out.rows = table.rows(order, Eigen::all);
  out.source = table.source;
  out.series_names = table.series_names;
  if (!table.series.empty())
    for (Eigen::Index r : order) out.series.push_back(table.series[static_cast<std::size_t>(r)]);
  return out;
}

const std::string& EventTable::series_of(Eigen::Index row) const {
  static const std::string one;
  return series.empty() ? one : series_names[series[static_cast<std::size_t>(row)]];
}

EventTable read_pooled_db(const fs::path& path) {
  EventTable pooled;
  pooled.series_names = series_in(path);
  const std::string name = ingest::printable_location(path.string());
  if (pooled.series_names.empty()) throw Error(fmt::format("{} holds no series to pool", name));
  std::vector<Eigen::MatrixXd> parts;
  Eigen::Index rows = 0;
  for (std::size_t k = 0; k < pooled.series_names.size(); ++k) {
    EventTable one = read_event_db(path, pooled.series_names[k]);
    rows += one.rows.rows();
    pooled.series.insert(pooled.series.end(), static_cast<std::size_t>(one.rows.rows()), k);
    parts.push_back(std::move(one.rows));
  }
  pooled.rows.resize(rows, kColumnCount);
  Eigen::Index at = 0;
  for (const Eigen::MatrixXd& part : parts) {
    pooled.rows.middleRows(at, part.rows()) = part;
    at += part.rows();
  }
  pooled.source = fmt::format("{}, {} series pooled", name, pooled.series_names.size());
  return pooled;
}

}  // namespace edgeml::train
