// Per-model PNG plots of a training run, drawn by gnuplot in a child process
// from a generated script and data files.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/process.h"
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

// Draws each model's plots under dir/plots as soon as the model is given,
// through one gnuplot that starts with the drawer and reads each model's
// commands from a pipe: its start-up and drawing run beside the training of
// the next model instead of after them all. Never throws for gnuplot's
// failures: each plot says whether it was drawn and, if not, why.
class PlotDrawer {
 public:
  // `timeout` bounds all the drawing, from the drawer's start.
  PlotDrawer(std::filesystem::path dir, const std::string& gnuplot, std::chrono::milliseconds timeout);
  PlotDrawer(const PlotDrawer&) = delete;
  PlotDrawer& operator=(const PlotDrawer&) = delete;

  // Writes the model's data files and sends gnuplot its commands.
  void start(const TrainingResult& result);
  // Waits for gnuplot (a late one is stopped), writes plots/plots.gp (every
  // command sent, to draw them again by hand) and says, per model in the
  // order given, which plots were drawn.
  std::vector<ModelPlots> finish();

 private:
  // Keeps the commands for plots.gp and sends them to gnuplot, if it reads.
  void send(const std::string& commands);

  std::filesystem::path dir_;
  std::chrono::steady_clock::time_point deadline_;
  std::chrono::milliseconds timeout_;
  std::string program_;
  std::optional<Process> gnuplot_;
  std::string failure_;  // why gnuplot cannot draw, once known
  std::string script_;   // every command sent
  std::vector<ModelPlots> plots_;
};

// Every model's plots at once, with a PlotDrawer.
std::vector<ModelPlots> draw_plots(const std::vector<TrainingResult>& results, const std::filesystem::path& dir,
                                   const std::string& gnuplot, std::chrono::milliseconds timeout);

// Whether the file starts with the 8-byte PNG signature.
bool is_png(const std::filesystem::path& file);

}  // namespace edgeml::train
