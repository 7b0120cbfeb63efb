#include "train/quantized_export.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include <fmt/format.h>

#include "convert/quantize_graph.h"
#include "convert/tflite_writer.h"
#include "core/error.h"
#include "core/sha256.h"
#include "runtime/interpreter.h"
#include "runtime/model_file.h"

namespace edgeml::train {

namespace {

namespace fs = std::filesystem;

// Enough runs for a stable median of a call that takes about a microsecond;
// the warm-up ones fill the caches and settle the branch predictors.
constexpr int kWarmupRuns = 50;
constexpr int kTimedRuns = 300;

void check_rows(const Eigen::MatrixXf& x, Eigen::Index width, const std::string& what, const std::string& model) {
  if (x.rows() == 0) throw Error(fmt::format("{}: int8 export needs {}, and there are none", model, what));
  if (x.cols() != width)
    throw Error(fmt::format("{}: its {} have {} features, the model takes {}", model, what, x.cols(), width));
}

void set_input(runtime::Interpreter& interpreter, const Eigen::MatrixXf& x, Eigen::Index row) {
  std::span<float> input = interpreter.input(0);
  for (Eigen::Index c = 0; c < x.cols(); ++c) input[static_cast<std::size_t>(c)] = x(row, c);
}

double test_mae(runtime::Interpreter& interpreter, const Examples& test) {
  double sum = 0;
  for (Eigen::Index r = 0; r < test.x.rows(); ++r) {
    set_input(interpreter, test.x, r);
    interpreter.invoke();
    sum += std::fabs(static_cast<double>(interpreter.output(0)[0]) - test.y(r));
  }
  return sum / static_cast<double>(test.x.rows());
}

// Each call timed alone, as a node answers one request at a time; the median
// ignores the runs an interrupt or another process lengthened.
double median_microseconds(runtime::Interpreter& interpreter, const Eigen::MatrixXf& x) {
  std::vector<double> times;
  for (int run = 0; run < kWarmupRuns + kTimedRuns; ++run) {
    auto start = std::chrono::steady_clock::now();
    set_input(interpreter, x, run % x.rows());
    interpreter.invoke();
    std::chrono::duration<double, std::micro> took = std::chrono::steady_clock::now() - start;
    if (run >= kWarmupRuns) times.push_back(took.count());
  }
  auto middle = times.begin() + static_cast<std::ptrdiff_t>(times.size() / 2);
  std::nth_element(times.begin(), middle, times.end());
  return *middle;
}

FileFigures measure(const std::vector<std::uint8_t>& bytes, const fs::path& file, const Examples& test) {
  runtime::Interpreter interpreter(runtime::read_model(bytes, file.string()));
  if (interpreter.input(0).size() != static_cast<std::size_t>(test.x.cols()))
    throw Error(fmt::format("{} takes {} inputs, the test rows have {} features", file.string(),
                            interpreter.input(0).size(), test.x.cols()));
  return {bytes.size(), test_mae(interpreter, test), median_microseconds(interpreter, test.x)};
}

}  // namespace

std::vector<std::vector<float>> calibration_rows(const Eigen::MatrixXf& features, std::size_t limit) {
  auto rows = static_cast<std::size_t>(features.rows());
  std::size_t count = std::min(rows, limit);
  std::vector<std::vector<float>> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    auto r = static_cast<Eigen::Index>(i * rows / count);
    out.emplace_back(features.row(r).begin(), features.row(r).end());
  }
  return out;
}

FileFigures measure_model_file(const fs::path& file, const Examples& test) {
  return measure(runtime::read_model_bytes(file), file, test);
}

Int8Figures export_int8(const TrainedModel& model, const std::string& version, const ModelFiles& float_files,
                        const Eigen::MatrixXf& train_features, const Examples& test) {
  auto width = static_cast<Eigen::Index>(model.spec.inputs().size());
  check_rows(train_features, width, "training rows", model.spec.name);
  check_rows(test.x, width, "test rows", model.spec.name);
  if (test.y.size() != test.x.rows())
    throw Error(fmt::format("{}: {} test rows but {} labels", model.spec.name, test.x.rows(), test.y.size()));
  fs::path int8_file = fs::path(float_files.tflite).replace_extension(".int8.tflite");
  runtime::Graph q = convert::quantize_fully_connected(model_graph(model, version), calibration_rows(train_features),
                                                       {.vector_layers_float = true, .float_outputs = {kPrevTimeTensor}});
  convert::write_tflite_file(q, int8_file);

  std::vector<std::uint8_t> bytes = runtime::read_model_bytes(int8_file);
  Int8Figures f;
  f.file = int8_file.filename().string();
  f.sha256 = sha256_hex({reinterpret_cast<const char*>(bytes.data()), bytes.size()});
  f.float_model = measure_model_file(float_files.tflite, test);
  f.int8_model = measure(bytes, int8_file, test);
  return f;
}

}  // namespace edgeml::train
