// Per-model PNG plots of a training run, drawn by gnuplot in a child process
// from a generated script and data files.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "train/training_result.h"

namespace edgeml::train {

struct PlotFile {
  std::string caption;
  std::filesystem::path relative_path;  // from the report's directory
  bool drawn = false;                   // the file exists and is a PNG
  std::string missing_reason;           // when not drawn
};

struct ModelPlots {
  std::vector<PlotFile> files;  // loss per epoch, predictions against truth, over index
};

// Draws every model's plots under dir/plots. Never throws for gnuplot's
// failures: each plot says whether it was drawn and, if not, why.
std::vector<ModelPlots> draw_plots(const std::vector<TrainingResult>& results, const std::filesystem::path& dir,
                                   const std::string& gnuplot, std::chrono::milliseconds timeout);

// Whether the file starts with the 8-byte PNG signature.
bool is_png(const std::filesystem::path& file);

}  // namespace edgeml::train
