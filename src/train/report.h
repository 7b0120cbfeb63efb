// The training report: report.md in the output directory with the test-MAE
// table beside the tutorial's figures and, per model, PNG plots drawn by
// gnuplot. The report is written even when gnuplot is missing, fails or
// hangs; it then says which plots are missing and why.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/label.h"
#include "train/baselines.h"
#include "train/plots.h"
#include "train/training_result.h"

namespace edgeml::train {

// What the results were trained on, as the report states it.
struct ReportContext {
  std::string train_file, test_file;
  std::size_t train_rows = 0;       // rows the model was fitted on
  std::size_t validation_rows = 0;  // training rows held out for validation
  std::size_t test_rows = 0;
  std::size_t epochs = 0, batch_size = 0;
  std::string split;                // e.g. "time-ordered 80/20", "random 80/20, seed 0", "given"
  std::vector<Forecast> forecasts;  // naive forecasts of the test rows, to compare the models with
  double label_offset = kLabelOffset, label_scale = kLabelScale;  // label = (event_time - offset) / scale
  // The gnuplot to run: a name searched in PATH or a path. Empty: "gnuplot",
  // else Debian's "gnuplot-nox" (whose "gnuplot" link may not be set up).
  std::string gnuplot;
  std::chrono::milliseconds plot_timeout{60'000};
};

// Writes out_dir/report.md (creating out_dir) and out_dir/plots/. Throws
// Error when report.md itself cannot be written; plot failures only show in it.
void write_report(const std::vector<TrainingResult>& results, const std::filesystem::path& out_dir,
                  const ReportContext& context);
// The same with the plots already drawn (a PlotDrawer's, in the results' order).
void write_report(const std::vector<TrainingResult>& results, const std::filesystem::path& out_dir,
                  const ReportContext& context, const std::vector<ModelPlots>& plots);

// A plain-text table of train/validation/test MAE, the tutorial's test MAE
// and training time per model, for a terminal.
std::string format_mae_table(const std::vector<TrainingResult>& results);

// The tutorial's test MAE for one of its four model names.
std::optional<double> tutorial_test_mae(std::string_view model_name);

}  // namespace edgeml::train
