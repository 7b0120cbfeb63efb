// edgeml train: the models of a spec (by default the tutorial's four) from
// the collector's database or the tutorial's CSV, written as .tflite and
// .onnx with a manifest.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "cli/common.h"
#include "core/error.h"
#include "ingest/event_store.h"
#include "protocol/label.h"
#include "protocol/series_id.h"
#include "train/manifest.h"
#include "train/model_export.h"
#include "train/quantized_export.h"
#include "train/report.h"
#include "train/trainer.h"

namespace edgeml::cli {

namespace {

namespace fs = std::filesystem;

struct TrainArgs {
  std::string data, series, train, test, spec;
  std::string split = "random";
  bool pooled = false;
  bool print_spec = false;
  std::vector<std::string> models;  // empty: all the spec's
  int epochs = 0;                   // 0: each model's own
  std::string out = "models";
  std::string version;
  bool int8 = false;
  train::TrainOptions options;
  train::LabelTransform label;
};

std::string utc_version() {
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &utc);
  return text;
}

train::TrainingData load_data(const TrainArgs& args, std::string& split) {
  train::TrainingData data;
  data.label = args.label;
  if (!args.data.empty()) {
    train::EventTable table = args.pooled ? train::read_pooled_db(args.data) : train::read_events(args.data, args.series);
    train::TrainTestSplit parts;
    if (args.split == "time") {
      std::size_t repeated = 0;
      parts = train::time_split(table, 0.8, repeated);
      if (repeated > 0) spdlog::info("left out {} rows that repeat earlier ones", repeated);
      split = "time-ordered 80/20 (the earlier 80% of the events to train, the later 20% to test)";
    } else {
      parts = train::random_split(table, 0.8, args.options.seed);
      split = fmt::format("random 80/20, seed {}", args.options.seed);
    }
    data.train = std::move(parts.train);
    data.test = std::move(parts.test);
    data.train.dropped = table.dropped;
  } else {
    data.train = train::read_events(args.train, args.series);
    data.test = train::read_events(args.test, args.series);
    split = "given";
  }
  if (data.train.dropped + data.test.dropped > 0)
    spdlog::info("dropped {} rows with a missing value", data.train.dropped + data.test.dropped);
  spdlog::info("{} training rows, {} test rows", data.train.rows.rows(), data.test.rows.rows());
  return data;
}

// "  DNN_single_regression [==========          ]  50/100" on one terminal line.
void draw_progress(const std::string& name, int epoch, int epochs) {
  constexpr int kWidth = 30;
  int done = epoch * kWidth / epochs;
  fmt::print(stderr, "\r  {:<22} [{}{}] {:>4}/{}", name, std::string(static_cast<std::size_t>(done), '='),
             std::string(static_cast<std::size_t>(kWidth - done), ' '), epoch, epochs);
  if (epoch == epochs) fmt::print(stderr, "\r\033[K");
}

// The specs to train: the file's or the tutorial's, those --models names.
std::vector<train::ModelSpec> chosen_specs(const TrainArgs& args) {
  std::vector<train::ModelSpec> all = args.spec.empty() ? train::tutorial_models() : train::read_model_spec_file(args.spec);
  if (args.models.empty()) return all;
  std::vector<train::ModelSpec> chosen;
  for (const std::string& name : args.models) {
    auto it = std::find_if(all.begin(), all.end(), [&](const train::ModelSpec& s) { return s.name == name; });
    if (it == all.end()) {
      std::vector<std::string> names;
      for (const auto& s : all) names.push_back(s.name);
      throw Error(fmt::format("--models: no model '{}' in {}; its models are {}", name,
                              args.spec.empty() ? "the built-in spec" : args.spec, fmt::join(names, ", ")));
    }
    chosen.push_back(*it);
  }
  return chosen;
}

// A figure every item shares, or 0 when they differ.
template <typename Item, typename Field>
std::size_t shared(const std::vector<Item>& items, Field field) {
  for (const Item& item : items)
    if (field(item) != field(items.front())) return 0;
  return items.empty() ? 0 : static_cast<std::size_t>(field(items.front()));
}

train::ReportContext report_context(const TrainArgs& args, const train::TrainingData& data) {
  train::ReportContext c;
  const std::string data_name = ingest::printable_location(args.data);  // a URL's password stays out of reports
  c.train_file = args.data.empty() ? args.train : data_name;
  c.test_file = args.data.empty() ? args.test
                : data_name + (args.split == "time" ? " (the later 20%)" : " (the held-out 20%)");
  c.test_rows = static_cast<std::size_t>(data.test.rows.rows());
  c.label_offset = args.label.offset;
  c.label_scale = args.label.scale;
  return c;
}

// What the models share, said once at the report's top; 0 where they differ.
void complete_context(train::ReportContext& c, const std::vector<train::TrainingResult>& results,
                      const std::vector<train::ModelSpec>& specs, const train::TrainOptions& options) {
  c.train_rows = shared(results, [](const train::TrainingResult& r) { return r.train_rows; });
  c.validation_rows = shared(results, [](const train::TrainingResult& r) { return r.validation_rows; });
  c.epochs = shared(specs, [&](const train::ModelSpec& s) { return train::planned_epochs(s, options); });
  c.batch_size = shared(specs, [](const train::ModelSpec& s) { return s.batch_size; });
}

// The int8 file beside the float ones, calibrated on every training row
// (validation rows included: they are the model's input range too).
train::Int8Figures export_int8(const train::TrainedModel& model, const std::string& version,
                               const train::ModelFiles& files, const train::TrainingData& data) {
  Eigen::MatrixXf train_features = train::examples_for(model.spec, data.train, data).x;
  train::Examples test = train::examples_for(model.spec, data.test, data);
  train::Int8Figures f = train::export_int8(model, version, files, train_features, test);
  spdlog::info("{}: int8 {} bytes (float {}), test MAE {:.3f} (float {:.3f}), {:.2f} us per inference (float {:.2f})",
               f.file, f.int8_model.bytes, f.float_model.bytes, f.int8_model.test_mae, f.float_model.test_mae,
               f.int8_model.microseconds, f.float_model.microseconds);
  return f;
}

// One series' data, and the models trained on it.
struct SeriesRun {
  std::string series;  // empty: the data's one series
  train::TrainingData data;
  std::string split;
  std::vector<train::TrainedModel> models;
};

// A database of several series without --series: one run per series.
std::vector<SeriesRun> load_runs(const TrainArgs& args) {
  std::vector<SeriesRun> runs;
  const std::vector<std::string> all = args.data.empty() || !args.series.empty() ? std::vector<std::string>{}
                                                                                  : train::series_in(args.data);
  if (args.pooled) {
    SeriesRun& run = runs.emplace_back();
    run.data = load_data(args, run.split);
    spdlog::info("{} series pooled: one set of models for all, the series a feature of each",
                 run.data.train.series_names.size());
    return runs;
  }
  if (all.size() > 1)
    spdlog::info("{} holds {} series: a set of models for each", ingest::printable_location(args.data), all.size());
  for (const std::string& series : all.size() > 1 ? all : std::vector<std::string>{args.series}) {
    TrainArgs one = args;
    one.series = series;
    SeriesRun& run = runs.emplace_back();
    run.series = all.size() > 1 ? series : "";
    run.data = load_data(one, run.split);
  }
  return runs;
}

// A pooled model tells its series by one input per series: series:S is 1
// for a row (or request) of S.
void add_series_features(std::vector<train::ModelSpec>& specs, const std::vector<std::string>& series) {
  for (train::ModelSpec& spec : specs)
    for (const std::string& s : series) {
      std::string feature = std::string(kSeriesFeaturePrefix) + s;
      if (std::find(spec.features.begin(), spec.features.end(), feature) == spec.features.end())
        spec.features.push_back(feature);
    }
}

// A forecast's name with its series, when there are several.
void name_forecasts(std::vector<train::Forecast>& forecasts, const SeriesRun& run) {
  if (run.series.empty()) return;
  for (train::Forecast& f : forecasts) f.name += " @" + run.series;
}

void run_train(TrainArgs args) {
  std::vector<train::ModelSpec> specs = chosen_specs(args);
  if (args.print_spec) {
    fmt::print("{}\n", train::model_specs_json(specs).dump(2));
    return;
  }
  if (args.data.empty() == args.train.empty())
    throw Error("give either --data FILE or --train FILE --test FILE");
  if (args.version.empty()) args.version = utc_version();
  if (args.epochs > 0) args.options.epochs = args.epochs;
  std::vector<SeriesRun> runs = load_runs(args);
  if (args.pooled) add_series_features(specs, runs.front().data.train.series_names);
  std::error_code ec;
  fs::create_directories(args.out, ec);
  if (ec || !fs::is_directory(args.out))
    throw Error(fmt::format("cannot make directory '{}': {}", args.out, ec ? ec.message() : "a file is in the way"));
  std::vector<train::TrainingResult> results;
  train::ReportContext context = report_context(args, runs.front().data);
  context.split = runs.front().split;
  context.forecasts.clear();
  // Each model's plots are drawn while the next one trains.
  train::PlotDrawer plots(args.out, context.gnuplot, context.plot_timeout);
  std::vector<nlohmann::json> manifests;
  for (SeriesRun& run : runs) {
    for (const train::ModelSpec& spec : specs) {
      train::TrainOptions options = args.options;
      if (stderr_is_terminal()) options.on_epoch = [&](int epoch, int epochs) { draw_progress(spec.name, epoch, epochs); };
      train::TrainedModel& model = run.models.emplace_back(train::train_model(spec, run.data, options));
      if (stderr_is_terminal()) fmt::print(stderr, "\r\033[K");
      model.series = run.series;
      model.result.name = model.entry_name();
      train::ModelFiles files = train::write_model_files(model, args.version, args.out);
      spdlog::info("{}: test MAE {:.3f} in {:.3f} s", model.result.name, model.result.test_mae, model.result.training_seconds);
      if (args.int8) model.result.int8 = export_int8(model, args.version, files, run.data);
      results.push_back(model.result);
      plots.start(results.back());
    }
    std::vector<train::Forecast> forecasts = train::naive_forecasts(run.data);
    name_forecasts(forecasts, run);
    context.forecasts.insert(context.forecasts.end(), forecasts.begin(), forecasts.end());
    manifests.push_back(train::manifest_json(run.models, run.data, {args.version, run.split, args.options}));
  }
  complete_context(context, results, specs, args.options);
  write_manifest_file(runs.size() == 1 ? manifests.front() : train::merge_series_manifests(manifests), args.out);
  train::write_report(results, args.out, context, plots.finish());
  fmt::print("{}", train::format_mae_table(results));
  fmt::print("models, manifest.json and report.md in {}\n", args.out);
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto args = std::make_shared<TrainArgs>();
  auto* cmd = app.add_subcommand("train", "train the tutorial's models or your own; write .tflite, .onnx and manifest.json");
  auto* data = cmd->add_option("--data", args->data,
                               "collector database (SQLite file or postgresql:// URL) or training CSV, split 80/20 "
                               "at random");
  cmd->add_option("--series", args->series, "STATION/DATAPOINT/ALARM to train on, from a database (default: every "
                                            "series of it, a set of models for each)");
  cmd->add_option("--split", args->split, "how --data is split 80/20: random (by --seed, as the tutorial did) or time "
                                          "(the earlier events to train, the later to test; repeated rows left out)")
      ->check(CLI::IsMember({"random", "time"}))->capture_default_str()->needs(data);
  cmd->add_flag("--pooled", args->pooled, "with a database of several series: one set of models on all of them, "
                                         "each series an input (series:S, 1 for its rows), instead of a set for each")
      ->needs(data)->excludes("--series");
  auto* train_file = cmd->add_option("--train", args->train, "training rows (CSV or database), with --test");
  auto* test_file = cmd->add_option("--test", args->test, "test rows (CSV or database), with --train");
  train_file->needs(test_file)->excludes(data);
  test_file->needs(train_file)->excludes(data);
  cmd->add_option("--spec", args->spec, "JSON file of the models to train (README: Your own models); default: the "
                                        "tutorial's four")->check(CLI::ExistingFile);
  cmd->add_flag("--print-spec", args->print_spec, "print the models' spec as --spec reads it, and train nothing");
  cmd->add_option("--models", args->models, "models of the spec to train, comma-separated (default: all)")->delimiter(',');
  cmd->add_option("--out", args->out, "directory for the model files and manifest.json")->capture_default_str();
  cmd->add_option("--epochs", args->epochs, "passes over the training rows, for every model (default: each model's "
                                            "spec's, 100 for the tutorial's)")->check(CLI::PositiveNumber);
  cmd->add_option("--seed", args->options.seed, "seed of the split, initial weights and shuffling")->capture_default_str();
  cmd->add_flag("!--adam-linear", args->options.exact_linear_fit,
                "train the linear models on the MAE with their optimiser (Adam, as the tutorial did) instead of "
                "fitting them exactly (least absolute deviations on the training rows: their loss's minimum)");
  cmd->add_flag("!--last-epoch", args->options.keep_best_epoch,
                "keep the last epoch's weights (as the tutorial did), not the epoch with the lowest validation MAE");
  cmd->add_option("--weight-average", args->options.weight_average_momentum,
                  "momentum of the moving average of the weights that is validated and kept; 0: the weights as they are")
      ->check(CLI::Range(0.0, 0.9999))->capture_default_str();
  cmd->add_option("--label-offset", args->label.offset, fmt::format("label = (event_time - offset) / scale; default {:.0f}", kLabelOffset));
  cmd->add_option("--label-scale", args->label.scale, "label = (event_time - offset) / scale")->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--int8", args->int8,
                "also write each model quantised to int8 as NAME.int8.tflite (calibrated on the training rows) and "
                "compare its size, test MAE and inference time with the float model's in report.md");
  cmd->add_option("--model-version", args->version, "version recorded for every model (default: UTC time now)");
  cmd->callback([args] { run_train(*args); });
}

}  // namespace edgeml::cli
