// What the trainer's tests share: small CSV files and data sets.
#pragma once

#include <filesystem>
#include <string>

#include "train/trainer.h"

namespace edgeml::train::test {

// Writes `text` to `path` and returns the path.
std::filesystem::path write_text(const std::filesystem::path& path, const std::string& text);

// A CSV of `rows` events in the tutorial's format: index i, event_time growing
// about linearly with i, value and threshold mostly constant.
std::string synthetic_csv(int rows);

// Training data from synthetic_csv, split 80/20 with seed 1.
TrainingData synthetic_data(int rows);

// A few epochs only: the tests that use it check plumbing, not accuracy.
TrainOptions quick_options(int epochs = 3);

// Six models that are not the tutorial's, from a spec file's JSON: every
// activation, loss and optimiser, a model without normalisation, features
// in another order, a sigmoid output, early stopping, features of the past
// and a gap target.
extern const char* const kOwnModelsSpec;
std::vector<ModelSpec> own_models();

}  // namespace edgeml::train::test

namespace edgeml::train::test {

// Writes the model's .tflite and .onnx into `dir`, reads each back, runs it in
// our interpreter on the features of `rows`, and expects the trainer's own
// predictions within 1e-5 (relative to the prediction where it exceeds 1:
// float32 sums in another order differ in their last bits).
// Derived features read the past of the series `data` holds.
void expect_files_reproduce(const TrainedModel& model, const EventTable& rows, const TrainingData& data,
                            const std::filesystem::path& dir);

}  // namespace edgeml::train::test
