#include "train/plots.h"

#include <algorithm>
#include <cmath>
#include <csignal>
#include <fstream>
#include <numeric>
#include <optional>

#include <fmt/format.h>

#include "core/error.h"
#include "core/process.h"
#include "protocol/label.h"

namespace edgeml::train {

namespace fs = std::filesystem;

namespace {

// A file name part from a model name: anything but [A-Za-z0-9_.-] becomes '_',
// so no name can reach outside plots/ or break the gnuplot script.
std::string file_stem(std::size_t position, const std::string& name) {
  std::string stem = fmt::format("{}-", position + 1);
  for (char c : name.substr(0, 60)) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                 c == '-' || (c == '.' && stem.back() != '.');
    stem += plain ? c : '_';
  }
  return stem;
}

// A gnuplot single-quoted string: only a doubled quote is special there.
std::string quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += "''";
    else out += (static_cast<unsigned char>(c) < 0x20) ? ' ' : c;
  }
  return out + "'";
}

void write_text(const fs::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary);
  out << text;
  if (!out.flush()) throw Error(fmt::format("cannot write {}", file.string()));
}

double at(const std::vector<double>& values, std::size_t i) { return i < values.size() ? values[i] : NAN; }

// epoch, loss, val_loss
std::string loss_data(const TrainingResult& r) {
  std::string text;
  for (std::size_t i = 0; i < std::max(r.loss.size(), r.val_loss.size()); ++i)
    text += fmt::format("{} {} {}\n", i + 1, at(r.loss, i), at(r.val_loss, i));
  return text;
}

std::size_t test_rows(const TrainingResult& r) {
  return std::min({r.test_index.size(), r.test_truth.size(), r.test_prediction.size()});
}

// index, truth, prediction; sorted by index so the prediction draws as a line
std::string test_data(const TrainingResult& r) {
  std::vector<std::size_t> order(test_rows(r));
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return r.test_index[a] < r.test_index[b]; });
  std::string text;
  for (auto i : order) text += fmt::format("{} {} {}\n", r.test_index[i], r.test_truth[i], r.test_prediction[i]);
  return text;
}

std::string terminal(const std::string& png, const std::string& title) {
  return fmt::format(
      "reset\nset terminal pngcairo size 720,480 font 'sans,10' noenhanced\nset output {}\nset title {}\n"
      "set grid\nset key top right box opaque\n",
      quoted(png), quoted(title));
}

// What the loss curve's points are: the optimiser's epochs, or an exact fit's iterations.
struct LossAxis {
  std::string caption;
  std::string unit;
  std::string measure;  // the y axis
};
LossAxis loss_axis(const TrainingResult& r) {
  if (r.fit == kExactFit) return {"MAE per iteration of the exact fit", "iteration", "MAE (thousands of seconds)"};
  const std::string loss = r.loss_name == "huber" ? "Huber loss" : r.loss_name == "mse" ? "MSE" : "MAE";
  const char* unit = r.loss_name == "mse" ? "squared thousands of seconds" : "thousands of seconds";
  return {loss + " per epoch", "epoch", fmt::format("{} ({})", loss, unit)};
}

std::string loss_plot(const TrainingResult& r, const std::string& data, const std::string& png) {
  bool positive = std::all_of(r.loss.begin(), r.loss.end(), [](double v) { return v > 0; }) &&
                  std::all_of(r.val_loss.begin(), r.val_loss.end(), [](double v) { return v > 0; });
  const LossAxis axis = loss_axis(r);
  return terminal(png, r.name + ": " + axis.caption) + fmt::format("set xlabel '{}'\n", axis.unit) +
         fmt::format("set ylabel '{}'\n", axis.measure) + (positive ? "set logscale y\n" : "") +
         fmt::format("plot {} using 1:2 with lines lw 2 title 'loss (fitted rows)', \\\n"
                     "  '' using 1:3 with lines lw 2 title 'val_loss (held-out rows)'\n",
                     quoted(data));
}

std::string truth_plot(const TrainingResult& r, const std::string& data, const std::string& png) {
  std::size_t n = test_rows(r);
  double lo = INFINITY, hi = -INFINITY;
  for (std::size_t i = 0; i < n; ++i)
    for (double v : {r.test_truth[i], r.test_prediction[i]})
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  std::string range;
  if (lo < hi) {
    double margin = (hi - lo) * 0.05;
    range = fmt::format("set xrange [{0}:{1}]\nset yrange [{0}:{1}]\n", lo - margin, hi + margin);
  }
  return terminal(png, r.name + ": predictions against truth (test rows)") +
         "set size ratio -1\nset key top left box opaque\nset xlabel 'truth (thousands of seconds)'\n"
         "set ylabel 'prediction (thousands of seconds)'\n" +
         range +
         fmt::format("plot {} using 2:3 with points pt 7 ps 0.6 title 'test rows', \\\n"
                     "  x with lines dt 2 lw 1.5 lc 'black' title 'y = x'\n",
                     quoted(data));
}

std::string index_plot(const TrainingResult& r, const std::string& data, const std::string& png) {
  return terminal(png, r.name + ": prediction over index (test rows)") +
         fmt::format("set key top left box opaque\nset xlabel 'index'\nset ylabel 'thousands of seconds from {:.0f}'\n",
                     kLabelOffset) +
         fmt::format("plot {} using 1:2 with points pt 7 ps 0.6 lc rgb '#999999' title 'data', \\\n"
                     "  '' using 1:3 with lines lw 2 lc rgb '#c0392b' title 'prediction'\n",
                     quoted(data));
}

// The error of each test row at its event's time: where in the test period
// a model goes wrong (on a time-ordered split, how it ages).
std::string error_plot(const TrainingResult& r, const std::string& data, const std::string& png) {
  return terminal(png, r.name + ": error over time (test rows)") +
         fmt::format("set key top left box opaque\nset xlabel 'event time (thousands of seconds from {:.0f})'\n"
                     "set ylabel 'prediction - truth (thousands of seconds)'\n", kLabelOffset) +
         fmt::format("plot {} using 2:($3-$2) with impulses lc rgb '#c0392b' title 'error', \\\n"
                     "  0 with lines dt 2 lw 1.5 lc 'black' notitle\n",
                     quoted(data));
}

std::string find_gnuplot(const std::string& requested) {
  if (!requested.empty()) return find_program(requested);
  std::string found = find_program("gnuplot");
  return found.empty() ? find_program("gnuplot-nox") : found;
}

}  // namespace

bool is_png(const fs::path& file) {
  static const unsigned char signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  std::ifstream in(file, std::ios::binary);
  unsigned char head[8] = {};
  return in.read(reinterpret_cast<char*>(head), 8) && std::equal(head, head + 8, signature);
}

PlotDrawer::PlotDrawer(fs::path dir, const std::string& gnuplot, std::chrono::milliseconds timeout)
    : dir_(std::move(dir)), deadline_(std::chrono::steady_clock::now() + timeout), timeout_(timeout),
      program_(find_gnuplot(gnuplot)) {
  std::error_code ignored;  // a failure shows when the files are written
  fs::create_directories(dir_ / "plots", ignored);
  if (program_.empty()) {
    failure_ = fmt::format("gnuplot ('{}') was not found; install Debian's gnuplot-nox",
                           gnuplot.empty() ? "gnuplot" : gnuplot);
  } else {
    try {
      gnuplot_.emplace(std::vector<std::string>{program_}, (dir_ / "plots/gnuplot.log").string(), Process::Input::pipe);
    } catch (const Error& e) {
      failure_ = e.what();
    }
  }
  send(fmt::format("cd {}\n", quoted(dir_.string())));
}

void PlotDrawer::send(const std::string& commands) {
  script_ += commands;
  if (gnuplot_ && failure_.empty() && !gnuplot_->write_input(commands))
    failure_ = "gnuplot did not read its commands (see plots/gnuplot.log)";
}

void PlotDrawer::start(const TrainingResult& r) {
  ModelPlots& model = plots_.emplace_back();
  const std::string stem = "plots/" + file_stem(plots_.size() - 1, r.name);
  std::string commands;
  auto add = [&](std::string caption, const std::string& suffix, bool has_data, std::string plot) {
    PlotFile file{std::move(caption), stem + suffix, false, has_data ? "" : "no data to plot"};
    std::error_code ignored;  // a PNG left from an earlier run must not pass for this one's
    fs::remove(dir_ / file.relative_path, ignored);
    if (has_data) commands += plot;
    model.files.push_back(std::move(file));
  };
  const bool has_loss = !r.loss.empty() || !r.val_loss.empty();
  const bool has_test = test_rows(r) > 0;
  add(loss_axis(r).caption, "-loss.png", has_loss, loss_plot(r, stem + "-loss.dat", stem + "-loss.png"));
  add("predictions against truth", "-truth.png", has_test, truth_plot(r, stem + "-test.dat", stem + "-truth.png"));
  add("prediction over index", "-index.png", has_test, index_plot(r, stem + "-test.dat", stem + "-index.png"));
  add("error over time", "-error.png", has_test, error_plot(r, stem + "-test.dat", stem + "-error.png"));
  try {
    if (has_loss) write_text(dir_ / (stem + "-loss.dat"), loss_data(r));
    if (has_test) write_text(dir_ / (stem + "-test.dat"), test_data(r));
  } catch (const Error& e) {
    for (PlotFile& file : model.files) file.missing_reason = e.what();
    return;
  }
  send(commands);
}

std::vector<ModelPlots> PlotDrawer::finish() {
  if (gnuplot_) {
    gnuplot_->close_input();
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - std::chrono::steady_clock::now());
    std::optional<int> status = gnuplot_->wait_for(std::max(left, std::chrono::milliseconds(0)));
    if (!status) {
      gnuplot_->stop(SIGKILL, std::chrono::milliseconds(1000));
      failure_ = fmt::format("{} did not finish within {} s and was stopped", program_,
                             std::chrono::duration<double>(timeout_).count());
    } else if (*status != 0) {
      failure_ = fmt::format("{} exited with status {} (see plots/gnuplot.log)", program_, *status);
    }
    gnuplot_.reset();
  }
  try {
    write_text(dir_ / "plots/plots.gp", script_);
  } catch (const Error&) {
    // the plots themselves are what the report needs
  }
  for (ModelPlots& model : plots_)
    for (PlotFile& file : model.files) {
      file.drawn = file.missing_reason.empty() && is_png(dir_ / file.relative_path);
      if (!file.drawn && file.missing_reason.empty())
        file.missing_reason = !failure_.empty() ? failure_ : "gnuplot wrote no PNG (see plots/gnuplot.log)";
    }
  return std::move(plots_);
}

std::vector<ModelPlots> draw_plots(const std::vector<TrainingResult>& results, const fs::path& dir,
                                   const std::string& gnuplot, std::chrono::milliseconds timeout) {
  PlotDrawer drawer(dir, gnuplot, timeout);
  for (const TrainingResult& r : results) drawer.start(r);
  return drawer.finish();
}

}  // namespace edgeml::train
