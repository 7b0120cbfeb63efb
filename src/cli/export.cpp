// edgeml export: the collector's database as the tutorial's training CSV.
#include <fmt/format.h>

#include "cli/common.h"
#include "core/error.h"
#include "ingest/csv_mirror.h"

namespace edgeml::cli {

namespace {

struct ExportArgs {
  std::string db = "edgeml.db";
  std::string csv;
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
      throw Error(fmt::format("series {} is not in {}", wanted.path(), args.db));
    return wanted;
  }
  if (all.size() > 1) {
    std::string names;
    for (const auto& s : all) names += "\n  " + s.path();
    throw Error(fmt::format("{} holds {} series; pick one with --series, or --all to mix them:{}", args.db,
                            all.size(), names));
  }
  return std::nullopt;
}

void run_export(const ExportArgs& args) {
  if (!std::filesystem::exists(args.db)) throw Error(fmt::format("database '{}' does not exist", args.db));
  ingest::EventStore store(args.db);
  auto series = pick_series(store, args);
  std::int64_t rows = ingest::export_training_csv(store, series, args.csv);
  fmt::print("wrote {} rows{} to {}\n", rows, series ? " of " + series->path() : "", args.csv);
}

}  // namespace

void add_export_command(CLI::App& app) {
  auto args = std::make_shared<ExportArgs>();
  auto* cmd = app.add_subcommand("export", "write the collected events as the tutorial's training CSV");
  cmd->add_option("--db", args->db, "collector database")->capture_default_str();
  cmd->add_option("--csv", args->csv, "CSV file to write")->required();
  cmd->add_option("--series", args->series, "STATION/DATAPOINT/ALARM to export");
  cmd->add_flag("--all", args->all, "export every series into one file");
  cmd->callback([args] { run_export(*args); });
}

}  // namespace edgeml::cli
