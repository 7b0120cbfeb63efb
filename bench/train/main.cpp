// bench_train: `edgeml train` beside PyTorch training the same four models
// with the same data, split and hyper-parameters, in one run.
//
// Both sides run as child processes back to back, once per seed; each reports
// its test MAE and training seconds per model, and the harness times each
// process. One run's test MAE swings with the seed by about as much as the
// two sides differ, so the table compares means over several seeds.
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.h"
#include "core/process.h"
#include "core/temp_dir.h"
#include "figures.h"
#include "protocol/label.h"
#include "protocol/manifest.h"

namespace edgeml::bench {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kModels[] = {"single_var_LR", "multi_var_LR", "DNN_single_regression", "DNN_multi_regression"};
constexpr double kTutorialTestMae[] = {1.398, 1.418, 0.639, 0.740};
// The goal: this much faster than PyTorch in total training time and in the
// processes' wall time, with each model's mean test MAE at most the better of
// the tutorial's figure and PyTorch's mean.
constexpr double kTrainingSpeedGoal = 30;
constexpr double kWallSpeedGoal = 15;

struct Options {
  std::string data_dir = EDGEML_BENCH_DATA_DIR;
  std::string train, test;  // default: data_dir/train.csv, data_dir/test.csv
  int epochs = 100;
  int seeds = 3;  // each side trains with seeds 0 .. seeds-1
  bool last_epoch = false;
  std::string weight_average = "0.99";  // momentum, given to both sides as written
  int torch_threads = 1;
  std::string python = "/usr/bin/python3";
  std::string edgeml = EDGEML_BINARY;
  std::string edgeml_manifest;  // use this manifest instead of running edgeml train
  std::string dir;              // where both write; default the temp dir
  bool keep = false;
  double timeout_s = 3600;
};

// One side's figures, one run per seed.
struct Side {
  std::vector<std::vector<ModelFigures>> runs;
  std::vector<double> wall_seconds;  // each whole process, as the harness timed it
};

double tutorial_test_mae(const std::string& name) {
  for (std::size_t i = 0; i < std::size(kModels); ++i)
    if (name == kModels[i]) return kTutorialTestMae[i];
  return -1;
}

std::string tail(const fs::path& log) {
  std::ifstream in(log);
  std::ostringstream text;
  text << in.rdbuf();
  std::string all = text.str();
  return all.size() > 2000 ? "..." + all.substr(all.size() - 2000) : all;
}

// Runs argv to the end, within the timeout; returns its wall time.
double run_timed(const std::vector<std::string>& argv, const fs::path& log, const Options& o) {
  fmt::print(stderr, "running: {}\n", fmt::join(argv, " "));
  auto start = Clock::now();
  Process child(argv, log.string());
  auto timeout = std::chrono::milliseconds(static_cast<long>(o.timeout_s * 1000));
  std::optional<int> status = child.wait_for(timeout);
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (!status) {
    child.stop(SIGKILL, std::chrono::milliseconds(1000));
    throw Error(fmt::format("{} did not finish within {} s; its output:\n{}", argv[0], o.timeout_s, tail(log)));
  }
  if (*status != 0) throw Error(fmt::format("{} exited with status {}; its output:\n{}", argv[0], *status, tail(log)));
  return seconds;
}

Side run_edgeml(const Options& o, const fs::path& work) {
  if (!o.edgeml_manifest.empty()) {
    fmt::print(stderr, "edgeml: figures from {} (edgeml train not run)\n", o.edgeml_manifest);
    return {{read_model_figures(o.edgeml_manifest)}, {}};
  }
  Side side;
  for (int seed = 0; seed < o.seeds; ++seed) {
    fs::path out = work / fmt::format("edgeml-{}", seed);
    std::vector<std::string> argv = {o.edgeml, "train",  "--train", o.train, "--test", o.test, "--out", out.string(),
                                     "--epochs", std::to_string(o.epochs), "--seed", std::to_string(seed)};
    if (o.last_epoch) argv.push_back("--last-epoch");
    argv.insert(argv.end(), {"--weight-average", o.weight_average, "--label-offset", fmt::format("{}", kLabelOffset),
                             "--label-scale", fmt::format("{}", kLabelScale)});
    side.wall_seconds.push_back(run_timed(argv, work / fmt::format("edgeml-{}.log", seed), o));
    side.runs.push_back(read_model_figures(out / kManifestFileName));
  }
  return side;
}

Side run_torch(const Options& o, const fs::path& work) {
  Side side;
  for (int seed = 0; seed < o.seeds; ++seed) {
    fs::path out = work / fmt::format("torch-{}.json", seed);
    std::vector<std::string> argv = {o.python, EDGEML_TORCH_BASELINE, "--train", o.train, "--test", o.test,
                                     "--epochs", std::to_string(o.epochs), "--threads", std::to_string(o.torch_threads),
                                     "--seed", std::to_string(seed), "--output", out.string()};
    if (o.last_epoch) argv.push_back("--last-epoch");
    argv.insert(argv.end(), {"--weight-average", o.weight_average, "--label-offset", fmt::format("{}", kLabelOffset),
                             "--label-scale", fmt::format("{}", kLabelScale)});
    side.wall_seconds.push_back(run_timed(argv, work / fmt::format("torch-{}.log", seed), o));
    side.runs.push_back(read_model_figures(out));
  }
  return side;
}

std::string ratio(double baseline, double ours) { return ours > 0 ? fmt::format("{:.1f}x", baseline / ours) : "-"; }

double mean(const std::vector<double>& values) {
  double sum = 0;
  for (double v : values) sum += v;
  return values.empty() ? 0 : sum / static_cast<double>(values.size());
}

void print_header(const Side& edgeml, const Side& torch, const Options& o) {
  fmt::print("\nbench_train: {} epochs, {}, weight average momentum {}; PyTorch on the CPU with {} thread(s)\n",
             o.epochs, o.last_epoch ? "last epoch kept" : "best validation epoch kept", o.weight_average,
             o.torch_threads);
  fmt::print("means over seeds 0..{} (edgeml: {} run(s), PyTorch: {}); times in seconds per run; \"reached\": runs "
             "whose test MAE is at most the tutorial's\n",
             o.seeds - 1, edgeml.runs.size(), torch.runs.size());
  if (!o.edgeml_manifest.empty()) fmt::print("edgeml's figures are read from {}, not measured\n", o.edgeml_manifest);
  fmt::print("\n{:<24} {:>9} {:>9} {:>8} {:>11} {:>11} {:>9} {:>15}\n", "model", "edgeml", "PyTorch", "speed-up",
             "edgeml MAE", "PyTorch MAE", "tutorial", "reached (e / P)");
}

// Each model's test MAE over the seeds, both sides: one seed's figure can
// differ from the mean by as much as the sides differ.
void print_spreads(const std::vector<SeedSummary>& ours, const std::vector<SeedSummary>& base) {
  auto spread = [](const SeedSummary& s) {
    return fmt::format("{:.3f}-{:.3f} (sd {:.3f})", s.min_test_mae, s.max_test_mae, s.sd_test_mae);
  };
  fmt::print("\n{:<24} {:>26} {:>26}\n", "test MAE over the seeds", "edgeml: min-max (sd)", "PyTorch: min-max (sd)");
  for (const char* model : kModels)
    for (const SeedSummary& e : ours)
      for (const SeedSummary& t : base)
        if (e.mean.name == model && t.mean.name == model)
          fmt::print("{:<24} {:>26} {:>26}\n", model, spread(e), spread(t));
}

// Prints the table; returns whether the goal holds.
bool print_comparison(const Side& edgeml, const Side& torch, const Options& o) {
  print_header(edgeml, torch, o);
  auto ours_all = summarize_runs(edgeml.runs, tutorial_test_mae);
  auto base_all = summarize_runs(torch.runs, tutorial_test_mae);
  std::vector<std::string> above_bar;
  double edgeml_total = 0, torch_total = 0;
  for (std::size_t i = 0; i < std::size(kModels); ++i) {
    auto pick = [&](const std::vector<SeedSummary>& all) -> const SeedSummary* {
      for (const SeedSummary& s : all)
        if (s.mean.name == kModels[i]) return &s;
      return nullptr;
    };
    const SeedSummary* ours = pick(ours_all);
    const SeedSummary* base = pick(base_all);
    if (!ours || !base)
      throw Error(fmt::format("{} is missing from {}", kModels[i], ours ? "PyTorch's figures" : "edgeml's manifest"));
    const ModelFigures &e = ours->mean, &t = base->mean;
    edgeml_total += e.training_seconds, torch_total += t.training_seconds;
    if (e.test_mae > std::min(kTutorialTestMae[i], t.test_mae)) above_bar.push_back(kModels[i]);
    fmt::print("{:<24} {:>9.3f} {:>9.3f} {:>8} {:>11.3f} {:>11.3f} {:>9.3f} {:>15}\n", kModels[i], e.training_seconds,
               t.training_seconds, ratio(t.training_seconds, e.training_seconds), e.test_mae, t.test_mae,
               kTutorialTestMae[i], fmt::format("{}/{} / {}/{}", ours->reached, ours->runs, base->reached, base->runs));
  }
  fmt::print("{:<24} {:>9.3f} {:>9.3f} {:>8}\n", "total (training)", edgeml_total, torch_total,
             ratio(torch_total, edgeml_total));
  double torch_wall = mean(torch.wall_seconds);
  if (!edgeml.wall_seconds.empty())
    fmt::print("{:<24} {:>9.3f} {:>9.3f} {:>8}\n", "total (process wall)", mean(edgeml.wall_seconds), torch_wall,
               ratio(torch_wall, mean(edgeml.wall_seconds)));
  else
    fmt::print("{:<24} {:>9} {:>9.3f}\n", "total (process wall)", "-", torch_wall);
  print_spreads(ours_all, base_all);
  const bool fast = edgeml_total > 0 && torch_total / edgeml_total >= kTrainingSpeedGoal;
  const bool fast_wall = !edgeml.wall_seconds.empty() && torch_wall / mean(edgeml.wall_seconds) >= kWallSpeedGoal;
  const bool mae_ok = above_bar.empty();
  auto met = [](bool ok) { return ok ? "met" : "not met"; };
  fmt::print("\ngoal: >= {:.0f}x PyTorch's total training time and >= {:.0f}x its process wall time, every mean "
             "test MAE at most the better of the tutorial's and PyTorch's: {} (training {}, wall {}, MAE {}{})\n",
             kTrainingSpeedGoal, kWallSpeedGoal, met(fast && fast_wall && mae_ok), met(fast), met(fast_wall),
             met(mae_ok), mae_ok ? "" : fmt::format(": {} above", fmt::join(above_bar, ", ")));
  return fast && fast_wall && mae_ok;
}

void resolve_data(Options& o) {
  if (o.train.empty()) o.train = (fs::path(o.data_dir) / "train.csv").string();
  if (o.test.empty()) o.test = (fs::path(o.data_dir) / "test.csv").string();
  for (const auto& file : {o.train, o.test})
    if (!fs::is_regular_file(file))
      throw Error(fmt::format("data file {} is missing (give --data-dir, or --train and --test)", file));
}

}  // namespace

int run(int argc, char** argv) {
  Options o;
  CLI::App app{"edgeml train beside PyTorch training the same four models on the same data"};
  app.add_option("--data-dir", o.data_dir, "directory with train.csv and test.csv")->capture_default_str();
  app.add_option("--train", o.train, "training CSV (default: DATA_DIR/train.csv)");
  app.add_option("--test", o.test, "test CSV (default: DATA_DIR/test.csv)");
  app.add_option("--epochs", o.epochs, "epochs, given to both")->check(CLI::Range(1, 100'000))->capture_default_str();
  app.add_option("--seeds", o.seeds, "runs per side, with seeds 0..N-1; figures are their means")
      ->check(CLI::Range(1, 1000))->capture_default_str();
  app.add_flag("--last-epoch", o.last_epoch, "both sides keep the last epoch's weights, not the best validation epoch's");
  app.add_option("--weight-average", o.weight_average, "momentum of the weights' moving average (0: none), for both")
      ->check(CLI::Range(0.0, 0.9999))->capture_default_str();
  app.add_option("--torch-threads", o.torch_threads, "torch.set_num_threads")->check(CLI::Range(1, 256))->capture_default_str();
  app.add_option("--python", o.python, "Python with torch (Debian's python3-torch)")->capture_default_str();
  app.add_option("--edgeml", o.edgeml, "the edgeml executable")->capture_default_str();
  app.add_option("--edgeml-manifest", o.edgeml_manifest, "read edgeml's figures from this manifest.json instead of running edgeml train");
  app.add_option("--dir", o.dir, "where both sides write (default: the temp dir)");
  app.add_flag("--keep", o.keep, "keep what both sides wrote (edgeml's report, PyTorch's JSON)");
  app.add_option("--timeout", o.timeout_s, "seconds each side may take")->check(CLI::PositiveNumber)->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  fs::path work;
  try {
    resolve_data(o);
    work = make_unique_dir(o.dir.empty() ? fs::temp_directory_path() : fs::path(o.dir), "bench-train");
    Side edgeml = run_edgeml(o, work);
    Side torch = run_torch(o, work);
    print_comparison(edgeml, torch, o);
  } catch (const std::exception& e) {  // Error, and filesystem errors of the work directory
    fmt::print(stderr, "bench_train: {}\n", e.what());
    if (!work.empty()) fmt::print(stderr, "(outputs kept in {})\n", work.string());
    return 1;
  }
  if (o.keep) fmt::print("outputs kept in {}\n", work.string());
  else {
    std::error_code ignored;
    fs::remove_all(work, ignored);
  }
  return 0;
}

}  // namespace edgeml::bench

int main(int argc, char** argv) { return edgeml::bench::run(argc, argv); }
