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
      "reset\nset terminal pngcairo size 900,600 font 'sans,11' noenhanced\nset output {}\nset title {}\n"
      "set grid\nset key top right box opaque\n",
      quoted(png), quoted(title));
}

std::string loss_plot(const TrainingResult& r, const std::string& data, const std::string& png) {
  bool positive = std::all_of(r.loss.begin(), r.loss.end(), [](double v) { return v > 0; }) &&
                  std::all_of(r.val_loss.begin(), r.val_loss.end(), [](double v) { return v > 0; });
  const bool exact = r.fit != "adam";  // an exact fit's iterations, not epochs
  return terminal(png, r.name + (exact ? ": MAE per iteration of the exact fit" : ": MAE per epoch")) +
         (exact ? "set xlabel 'iteration'\n" : "set xlabel 'epoch'\n") + "set ylabel 'MAE (thousands of seconds)'\n" + (positive ? "set logscale y\n" : "") +
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

std::string find_gnuplot(const std::string& requested) {
  if (!requested.empty()) return find_program(requested);
  std::string found = find_program("gnuplot");
  return found.empty() ? find_program("gnuplot-nox") : found;
}

// Runs gnuplot on the script; returns why it failed, or nothing.
std::optional<std::string> run_gnuplot(const std::string& requested, const fs::path& script, const fs::path& log,
                                       std::chrono::milliseconds timeout) {
  std::string program = find_gnuplot(requested);
  if (program.empty())
    return fmt::format("gnuplot ('{}') was not found; install Debian's gnuplot-nox",
                       requested.empty() ? "gnuplot" : requested);
  try {
    Process gnuplot({program, script.string()}, log.string());
    std::optional<int> status = gnuplot.wait_for(timeout);
    if (!status) {
      gnuplot.stop(SIGKILL, std::chrono::milliseconds(1000));
      return fmt::format("{} did not finish within {} s and was stopped", program, std::chrono::duration<double>(timeout).count());
    }
    if (*status != 0) return fmt::format("{} exited with status {} (see plots/{})", program, *status, log.filename().string());
  } catch (const Error& e) {
    return e.what();
  }
  return std::nullopt;
}

}  // namespace

bool is_png(const fs::path& file) {
  static const unsigned char signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  std::ifstream in(file, std::ios::binary);
  unsigned char head[8] = {};
  return in.read(reinterpret_cast<char*>(head), 8) && std::equal(head, head + 8, signature);
}

std::vector<ModelPlots> draw_plots(const std::vector<TrainingResult>& results, const fs::path& dir,
                                   const std::string& gnuplot, std::chrono::milliseconds timeout) {
  std::vector<ModelPlots> plots(results.size());
  std::string script = fmt::format("cd {}\n", quoted(dir.string()));
  std::error_code plots_dir_error;
  fs::create_directories(dir / "plots", plots_dir_error);
  for (std::size_t m = 0; m < results.size(); ++m) {
    const TrainingResult& r = results[m];
    std::string stem = "plots/" + file_stem(m, r.name);
    auto add = [&](std::string caption, const std::string& suffix, bool has_data, std::string plot) {
      PlotFile file{std::move(caption), stem + suffix, false, has_data ? "" : "no data to plot"};
      std::error_code ignored;  // a PNG left from an earlier run must not pass for this one's
      fs::remove(dir / file.relative_path, ignored);
      if (has_data) script += plot;
      plots[m].files.push_back(std::move(file));
    };
    bool has_loss = !r.loss.empty() || !r.val_loss.empty();
    bool has_test = test_rows(r) > 0;
    add("MAE per epoch", "-loss.png", has_loss, loss_plot(r, stem + "-loss.dat", stem + "-loss.png"));
    add("predictions against truth", "-truth.png", has_test, truth_plot(r, stem + "-test.dat", stem + "-truth.png"));
    add("prediction over index", "-index.png", has_test, index_plot(r, stem + "-test.dat", stem + "-index.png"));
    try {
      if (has_loss) write_text(dir / (stem + "-loss.dat"), loss_data(r));
      if (has_test) write_text(dir / (stem + "-test.dat"), test_data(r));
    } catch (const Error& e) {
      for (auto& file : plots[m].files) file.missing_reason = e.what();
    }
  }

  std::optional<std::string> failure;
  try {
    write_text(dir / "plots/plots.gp", script);
    failure = run_gnuplot(gnuplot, dir / "plots/plots.gp", dir / "plots/gnuplot.log", timeout);
  } catch (const Error& e) {
    failure = e.what();
  }
  for (auto& model : plots)
    for (auto& file : model.files) {
      file.drawn = file.missing_reason.empty() && is_png(dir / file.relative_path);
      if (!file.drawn && file.missing_reason.empty())
        file.missing_reason = failure ? *failure : "gnuplot wrote no PNG (see plots/gnuplot.log)";
    }
  return plots;
}

}  // namespace edgeml::train
