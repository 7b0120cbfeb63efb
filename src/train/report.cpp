#include "train/report.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <utility>

#include <fmt/format.h>

#include "core/error.h"
#include "train/plots.h"

namespace edgeml::train {

namespace fs = std::filesystem;

namespace {

// The tutorial's Keras models on the same split (../shared/spec/wire-protocol.md).
constexpr std::array<std::pair<std::string_view, double>, 4> kTutorialTestMae{{
    {"single_var_LR", 1.398},
    {"multi_var_LR", 1.418},
    {"DNN_single_regression", 0.639},
    {"DNN_multi_regression", 0.740},
}};

// Markdown text: a backslash before each character that can start markup
// (emphasis, code, a link, a table cell, HTML, an entity), so a name cannot
// open any; paths keep their slashes and dots readable.
std::string markdown(std::string_view text) {
  std::string out;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) out += ' ';
    else if (std::string_view("\\`*_[]<>|!&#~").find(c) != std::string_view::npos) (out += '\\') += c;
    else out += c;
  }
  return out;
}

// One line of terminal text: control characters would move the cursor.
std::string printable(std::string_view text) {
  std::string out(text);
  std::replace_if(out.begin(), out.end(), [](char c) { auto u = static_cast<unsigned char>(c); return u < 0x20 || u == 0x7f; }, '?');
  return out;
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (const auto& part : parts) out += (out.empty() ? "" : std::string(separator)) + part;
  return out;
}

std::string mae_table_markdown(const std::vector<TrainingResult>& results) {
  std::string text =
      "| model | features | test MAE | tutorial's test MAE | ours - tutorial | train MAE | val MAE | training (s) |\n"
      "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n";
  for (const auto& r : results) {
    std::optional<double> tutorial = tutorial_test_mae(r.name);
    std::vector<std::string> features;
    for (const auto& f : r.features) features.push_back(markdown(f));
    text += fmt::format("| {} | {} | **{:.3f}** | {} | {} | {:.3f} | {:.3f} | {:.2f} |\n", markdown(r.name),
                        join(features, ", "), r.test_mae, tutorial ? fmt::format("{:.3f}", *tutorial) : "-",
                        tutorial ? fmt::format("{:+.3f}", r.test_mae - *tutorial) : "-", r.train_mae, r.val_mae,
                        r.training_seconds);
  }
  return text;
}

std::string models_table_markdown(const std::vector<TrainingResult>& results) {
  std::string text =
      "| model | dense layers | loss | fit | epochs run | kept epoch | fitted rows | validation rows |\n"
      "| --- | --- | --- | --- | ---: | ---: | ---: | ---: |\n";
  for (const auto& r : results) {
    // An exact fit has no epochs; its iterations are what its loss curve shows.
    const bool exact = r.fit == kExactFit;
    text += fmt::format("| {} | {} | {} | {} | {}{} | {} | {} | {} |\n", markdown(r.name), markdown(r.layers),
                        markdown(r.loss_name), markdown(r.fit), r.loss.size(), exact ? " iterations" : "",
                        exact ? "-" : std::to_string(r.kept_epoch), r.train_rows, r.validation_rows);
  }
  return text;
}

// Only when some model has an int8 file (edgeml train --int8).
std::string int8_section(const std::vector<TrainingResult>& results) {
  std::string rows;
  for (const auto& r : results) {
    if (!r.int8) continue;
    const FileFigures &f = r.int8->float_model, &q = r.int8->int8_model;
    double change = f.test_mae > 0 ? 100 * (q.test_mae - f.test_mae) / f.test_mae : 0;
    rows += fmt::format("| {} | {} | {} | {:.3f} | {:.3f} | {:+.1f}% | {:.2f} | {:.2f} |\n", markdown(r.name), f.bytes,
                        q.bytes, f.test_mae, q.test_mae, change, f.microseconds, q.microseconds);
  }
  if (rows.empty()) return "";
  return "\n## Float and int8\n\n"
         "Each model's .tflite beside its .int8.tflite (quantised after training, calibrated on the training rows), "
         "both run by edgeml's runtime on every test row; time is the median of single-row inferences.\n\n"
         "| model | float size (bytes) | int8 size (bytes) | float test MAE | int8 test MAE | MAE change | float "
         "µs/inference | int8 µs/inference |\n"
         "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n" +
         rows;
}

// Every model and naive forecast on the test rows, each against the best of
// the tutorial's four models in this run (when any was trained).
std::string forecast_section(const std::vector<TrainingResult>& results, const std::vector<Forecast>& forecasts,
                             const std::string& split) {
  if (forecasts.empty()) return "";
  std::optional<double> best;
  for (const auto& r : results)
    if (tutorial_test_mae(r.name) && (!best || r.test_mae < *best)) best = r.test_mae;
  auto against = [&](double mae) { return best && *best > 0 ? fmt::format("{:+.1f}%", 100 * (mae / *best - 1)) : "-"; };
  std::string text = fmt::format(
      "\n## Against naive forecasts\n\nSplit: {}. Test MAE of every model and of two forecasts that read only the "
      "series' past, each against the best of the tutorial's models here.\n\n"
      "| model or forecast | features | test rows | test MAE | against the best tutorial model |\n"
      "| --- | --- | ---: | ---: | ---: |\n", markdown(split));
  for (const auto& r : results) {
    std::vector<std::string> features;
    for (const auto& f : r.features) features.push_back(markdown(f));
    text += fmt::format("| {} | {} | {} | {:.3f} | {} |\n", markdown(r.name), join(features, ", "), r.test_rows,
                        r.test_mae, against(r.test_mae));
  }
  for (const Forecast& f : forecasts)
    text += fmt::format("| naive: {} | {} | {} | {:.3f} | {} |\n", markdown(f.name), markdown(f.description),
                        f.test_rows, f.test_mae, against(f.test_mae));
  return text;
}

std::string data_section(const ReportContext& c) {
  std::string text =
      c.validation_rows > 0
          ? fmt::format("Training data: {}, {} rows fitted and {} held out for validation (the last {} rows, as "
                        "Keras' validation_split takes them).  \n",
                        markdown(c.train_file), c.train_rows, c.validation_rows, c.validation_rows)
          : fmt::format("Training data: {}, the last rows of it held out for validation, as many as each model's "
                        "spec says (see Models).  \n", markdown(c.train_file));
  text += fmt::format("Test data: {}, {} rows.  \n", markdown(c.test_file), c.test_rows);
  if (c.epochs > 0) text += fmt::format("Epochs: {}, batch size: {}.  \n", c.epochs, c.batch_size);
  return text + fmt::format("MAE is in the label's unit, the label being (event_time - {:.0f}) / {:g}.\n",
                            c.label_offset, c.label_scale);
}

std::string plot_section(const std::vector<TrainingResult>& results, const std::vector<ModelPlots>& plots) {
  std::string text = "## Plots\n";
  for (std::size_t m = 0; m < results.size(); ++m) {
    text += fmt::format("\n### {}\n\n", markdown(results[m].name));
    for (const auto& file : plots[m].files) {
      if (file.drawn)
        text += fmt::format("![{}: {}]({})\n\n", markdown(results[m].name), file.caption,
                            file.relative_path.generic_string());
      else
        text += fmt::format("Plot missing ({}): {}\n\n", file.caption, markdown(file.missing_reason));
    }
  }
  return text;
}

}  // namespace

std::optional<double> tutorial_test_mae(std::string_view model_name) {
  for (const auto& [name, mae] : kTutorialTestMae)
    if (name == model_name) return mae;
  return std::nullopt;
}

void write_report(const std::vector<TrainingResult>& results, const fs::path& out_dir, const ReportContext& context) {
  std::error_code error;
  fs::create_directories(out_dir, error);
  if (error) throw Error(fmt::format("cannot create the report directory {}: {}", out_dir.string(), error.message()));
  write_report(results, out_dir, context, draw_plots(results, out_dir, context.gnuplot, context.plot_timeout));
}

void write_report(const std::vector<TrainingResult>& results, const fs::path& out_dir, const ReportContext& context,
                  const std::vector<ModelPlots>& plots) {
  std::string text = "# Training report\n\n" + data_section(context) + "\n## Test MAE\n\n" +
                     mae_table_markdown(results) + forecast_section(results, context.forecasts, context.split) +
                     int8_section(results) + "\n## Models\n\n" +
                     models_table_markdown(results) + "\n" + plot_section(results, plots);

  fs::path file = out_dir / "report.md";
  std::ofstream out(file, std::ios::binary);
  out << text;
  if (!out.flush()) throw Error(fmt::format("cannot write {}", file.string()));
}

std::string format_mae_table(const std::vector<TrainingResult>& results) {
  std::size_t width = 5;
  for (const auto& r : results) width = std::max(width, printable(r.name).size());
  std::string text = fmt::format("{:<{}}  {:>9}  {:>9}  {:>9}  {:>9}  {:>10}\n", "model", width, "test MAE", "tutorial",
                                 "train MAE", "val MAE", "time (s)");
  for (const auto& r : results) {
    std::optional<double> tutorial = tutorial_test_mae(r.name);
    text += fmt::format("{:<{}}  {:>9.3f}  {:>9}  {:>9.3f}  {:>9.3f}  {:>10.2f}\n", printable(r.name), width, r.test_mae,
                        tutorial ? fmt::format("{:.3f}", *tutorial) : "-", r.train_mae, r.val_mae,
                        r.training_seconds);
  }
  return text;
}

}  // namespace edgeml::train
