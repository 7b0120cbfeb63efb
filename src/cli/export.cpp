// edgeml export: the collector's database as the tutorial's training CSV, or
// as an SQLite collector database of its own (a cloud store's rows to train
// from elsewhere).
#include <fmt/format.h>

#include "cli/common.h"
#include "core/error.h"
#include "ingest/csv_mirror.h"
#include "ingest/open_event_store.h"
#include "ingest/store_copy.h"

namespace edgeml::cli {

namespace {

struct ExportArgs {
  std::string db = "edgeml.db";
  std::string csv;
  std::string sqlite;
  std::string series;
  bool all = false;
};

std::optional<SeriesId> pick_series(ingest::EventStore& store, const ExportArgs& args) {
  if (args.all) return std::nullopt;
  std::vector<SeriesId> all = store.series();
  if (!args.series.empty()) {
    SeriesId wanted;
    if (Status s = parse_series_path(args.series, wanted); !s)
      throw Error(fmt::format("--series '{}': expected STATION/DATAPOINT/ALARM", args.series));
    if (std::find(all.begin(), all.end(), wanted) == all.end())
      throw Error(fmt::format("series {} is not in {}", wanted.path(), store.name()));
    return wanted;
  }
  if (all.size() > 1) {
    std::string names;
    for (const auto& s : all) names += "\n  " + s.path();
    throw Error(fmt::format("{} holds {} series; pick one with --series, or --all to mix them:{}", store.name(),
                            all.size(), names));
  }
  return std::nullopt;
}

void run_export(const ExportArgs& args) {
  if (args.csv.empty() && args.sqlite.empty()) throw Error("give --csv FILE, --sqlite FILE, or both");
  std::unique_ptr<ingest::EventStore> store = ingest::open_event_store(args.db, ingest::OpenMode::existing);
  auto series = pick_series(*store, args);
  const std::string of = series ? " of " + series->path() : "";
  if (!args.csv.empty()) {
    std::int64_t rows = ingest::export_training_csv(*store, series, args.csv);
    fmt::print("wrote {} rows{} to {}\n", rows, of, args.csv);
  }
  if (!args.sqlite.empty()) {
    // A new file only: rows added to another store's would not keep this one's order.
    if (std::filesystem::exists(args.sqlite)) throw Error(fmt::format("--sqlite '{}' exists already", args.sqlite));
    std::unique_ptr<ingest::EventStore> copy = ingest::open_event_store(args.sqlite);
    std::int64_t rows = ingest::copy_events(*store, series, *copy);
    fmt::print("wrote {} events{} to {}, in {}'s arrival order\n", rows, of, args.sqlite, store->name());
  }
}

}  // namespace

void add_export_command(CLI::App& app) {
  auto args = std::make_shared<ExportArgs>();
  auto* cmd = app.add_subcommand("export", "write the collected events as the tutorial's training CSV, or into a new SQLite database");
  cmd->add_option("--db", args->db, "collector database: an SQLite file or a postgresql:// URL")->capture_default_str();
  cmd->add_option("--csv", args->csv, "CSV file to write");
  cmd->add_option("--sqlite", args->sqlite,
                                 "new SQLite collector database to write the events into, in arrival order (the same "
                                 "rows train the same models)");
  cmd->add_option("--series", args->series, "STATION/DATAPOINT/ALARM to export");
  cmd->add_flag("--all", args->all, "export every series into one file");
  cmd->callback([args] { run_export(*args); });
}

}  // namespace edgeml::cli
