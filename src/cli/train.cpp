// edgeml train: the tutorial's four models from the collector's database or
// the tutorial's CSV, written as .tflite and .onnx with a manifest.
#include <chrono>
#include <ctime>
#include <filesystem>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/common.h"
#include "core/error.h"
#include "protocol/label.h"
#include "train/manifest.h"
#include "train/model_export.h"
#include "train/quantized_export.h"
#include "train/report.h"
#include "train/trainer.h"

namespace edgeml::cli {

namespace {

namespace fs = std::filesystem;

struct TrainArgs {
  std::string data, series, train, test;
  std::vector<std::string> models;
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
    train::EventTable table = train::read_events(args.data, args.series);
    train::TrainTestSplit parts = train::random_split(table, 0.8, args.options.seed);
    data.train = std::move(parts.train);
    data.test = std::move(parts.test);
    data.train.dropped = table.dropped;
    split = fmt::format("random 80/20, seed {}", args.options.seed);
  } else {
    data.train = train::read_events(args.train, args.series);
    data.test = train::read_events(args.test, args.series);
    split = "given";
  }
  if (data.train.dropped + data.test.dropped > 0)
    spdlog::info("dropped {} rows with a missing value", data.train.dropped + data.test.dropped);
  spdlog::info("{} training rows ({} for validation), {} test rows", data.train.rows.rows(),
               data.train.rows.rows() - static_cast<Eigen::Index>(std::floor(static_cast<double>(data.train.rows.rows()) *
                                                                             (1 - args.options.validation_fraction))),
               data.test.rows.rows());
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

train::ReportContext report_context(const TrainArgs& args, const train::TrainingData& data) {
  train::ReportContext c;
  c.train_file = args.data.empty() ? args.train : args.data;
  c.test_file = args.data.empty() ? args.test : args.data + " (the held-out 20%)";
  auto rows = static_cast<std::size_t>(data.train.rows.rows());
  c.train_rows = static_cast<std::size_t>(static_cast<double>(rows) * (1 - args.options.validation_fraction));
  c.validation_rows = rows - c.train_rows;
  c.test_rows = static_cast<std::size_t>(data.test.rows.rows());
  c.epochs = static_cast<std::size_t>(args.options.epochs);
  c.batch_size = static_cast<std::size_t>(args.options.batch_size);
  c.label_offset = args.label.offset;
  c.label_scale = args.label.scale;
  return c;
}

// The int8 file beside the float ones, calibrated on every training row
// (validation rows included: they are the model's input range too).
train::Int8Figures export_int8(const train::TrainedModel& model, const std::string& version,
                               const train::ModelFiles& files, const train::TrainingData& data) {
  Eigen::MatrixXf train_features = train::make_examples(data.train, model.spec.features, data.label).x;
  train::Examples test = train::make_examples(data.test, model.spec.features, data.label);
  train::Int8Figures f = train::export_int8(model, version, files, train_features, test);
  spdlog::info("{}: int8 {} bytes (float {}), test MAE {:.3f} (float {:.3f}), {:.2f} us per inference (float {:.2f})",
               f.file, f.int8_model.bytes, f.float_model.bytes, f.int8_model.test_mae, f.float_model.test_mae,
               f.int8_model.microseconds, f.float_model.microseconds);
  return f;
}

void run_train(TrainArgs args) {
  if (args.data.empty() == args.train.empty())
    throw Error("give either --data FILE or --train FILE --test FILE");
  if (args.version.empty()) args.version = utc_version();
  std::vector<train::ModelSpec> specs;
  for (const std::string& name : args.models) specs.push_back(train::tutorial_model(name));
  std::string split;
  train::TrainingData data = load_data(args, split);
  std::error_code ec;
  fs::create_directories(args.out, ec);
  if (ec || !fs::is_directory(args.out))
    throw Error(fmt::format("cannot make directory '{}': {}", args.out, ec ? ec.message() : "a file is in the way"));
  std::vector<train::TrainedModel> models;
  std::vector<train::TrainingResult> results;
  const train::ReportContext context = report_context(args, data);
  // Each model's plots are drawn while the next one trains.
  train::PlotDrawer plots(args.out, context.gnuplot, context.plot_timeout);
  for (const train::ModelSpec& spec : specs) {
    train::TrainOptions options = args.options;
    if (stderr_is_terminal()) options.on_epoch = [&](int epoch) { draw_progress(spec.name, epoch, options.epochs); };
    models.push_back(train::train_model(spec, data, options));
    results.push_back(models.back().result);
    plots.start(results.back());
    train::ModelFiles files = train::write_model_files(models.back(), args.version, args.out);
    spdlog::info("{}: test MAE {:.3f} in {:.3f} s", spec.name, results.back().test_mae, results.back().training_seconds);
    if (args.int8) results.back().int8 = models.back().result.int8 = export_int8(models.back(), args.version, files, data);
  }
  write_manifest_file(train::manifest_json(models, data, {args.version, split, args.options}), args.out);
  train::write_report(results, args.out, context, plots.finish());
  fmt::print("{}", train::format_mae_table(results));
  fmt::print("models, manifest.json and report.md in {}\n", args.out);
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto args = std::make_shared<TrainArgs>();
  for (const auto& spec : train::tutorial_models()) args->models.push_back(spec.name);
  auto* cmd = app.add_subcommand("train", "train the tutorial's models; write .tflite, .onnx and manifest.json");
  auto* data = cmd->add_option("--data", args->data, "collector database or training CSV, split 80/20 at random");
  cmd->add_option("--series", args->series, "STATION/DATAPOINT/ALARM to train on, from a database");
  auto* train_file = cmd->add_option("--train", args->train, "training rows (CSV or database), with --test");
  auto* test_file = cmd->add_option("--test", args->test, "test rows (CSV or database), with --train");
  train_file->needs(test_file)->excludes(data);
  test_file->needs(train_file)->excludes(data);
  cmd->add_option("--models", args->models, "models to train, comma-separated")->delimiter(',')->capture_default_str();
  cmd->add_option("--out", args->out, "directory for the model files and manifest.json")->capture_default_str();
  cmd->add_option("--epochs", args->options.epochs, "passes over the training rows")->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--seed", args->options.seed, "seed of the split, initial weights and shuffling")->capture_default_str();
  cmd->add_flag("!--adam-linear", args->options.exact_linear_fit,
                "train the linear models with Adam, as the tutorial did, instead of fitting them exactly (least "
                "absolute deviations on the training rows: their loss's minimum)");
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
