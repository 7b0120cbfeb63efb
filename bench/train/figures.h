// What each side of bench_train reports per model: edgeml's manifest.json
// and the PyTorch baseline's JSON share these fields.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace edgeml::bench {

struct ModelFigures {
  std::string name;
  double test_mae = 0, val_mae = 0, train_mae = 0;
  double training_seconds = 0;
};

// Reads {"models": [{"name", "test_mae", "val_mae", "train_mae",
// "training_seconds", ...}, ...], ...}; other fields are ignored. Throws
// Error naming the file, the model and the field that is missing or wrong.
std::vector<ModelFigures> read_model_figures(const std::filesystem::path& json_file);

// The same from JSON text; `source` names it in errors.
std::vector<ModelFigures> parse_model_figures(const std::string& json_text, const std::string& source);

// Per model (in the first run's order): the mean of each figure over the
// runs (one run: one seed's figures), and in how many runs test_mae was at
// most `reference_test_mae(name)` (a negative reference counts none).
// Throws Error when a run lacks a model the first has.
struct SeedSummary {
  ModelFigures mean;
  int runs = 0;
  int reached = 0;
  // The test MAE's spread over the runs: range and population standard deviation.
  double min_test_mae = 0, max_test_mae = 0, sd_test_mae = 0;
};
std::vector<SeedSummary> summarize_runs(const std::vector<std::vector<ModelFigures>>& runs,
                                        double (*reference_test_mae)(const std::string& name));

// The model of that name, if the list has it.
std::optional<ModelFigures> find_model(const std::vector<ModelFigures>& models, const std::string& name);

}  // namespace edgeml::bench
