#include "train/trainer.h"

#include <algorithm>
#include <chrono>
#include <numeric>
#include <optional>

#include <fmt/format.h>

#include "core/error.h"
#include "train/flush_denormals.h"
#include "train/lad_fit.h"
#include "train/random.h"
#include "train/weight_average.h"

namespace edgeml::train {

namespace {

using Matrix = Mlp<float>::Matrix;

std::vector<int> layer_widths(const ModelSpec& spec) {
  std::vector<int> widths = {static_cast<int>(feature_names(spec.features).size())};
  widths.insert(widths.end(), spec.hidden.begin(), spec.hidden.end());
  widths.push_back(1);
  return widths;
}

// The model's own stream: the seed and its name, so models do not share draws.
std::mt19937 model_rng(const ModelSpec& spec, std::uint32_t seed) {
  std::vector<std::uint32_t> words = {seed};
  for (char c : spec.name) words.push_back(static_cast<unsigned char>(c));
  std::seed_seq seq(words.begin(), words.end());
  return std::mt19937(seq);
}

void check(const TrainingData& data, const TrainOptions& options) {
  if (options.epochs < 1) throw Error(fmt::format("epochs must be at least 1, not {}", options.epochs));
  if (options.batch_size < 1) throw Error(fmt::format("batch size must be at least 1, not {}", options.batch_size));
  if (data.test.rows.rows() < 1) throw Error(fmt::format("{}: no test rows", data.test.source));
  if (data.train.rows.rows() < 2)
    throw Error(fmt::format("{}: {} training rows; at least 2 are needed (one for validation)", data.train.source,
                            data.train.rows.rows()));
}

// One epoch over the shuffled rows, updating `average` (if any) after each
// step; returns the mean batch loss weighted by batch size, as Keras reports `loss`.
double run_epoch(Mlp<float>& net, Adam<float>& adam, WeightAverage* average, const Matrix& x, const Matrix& y,
                 int batch_size, std::mt19937& rng, std::vector<std::size_t>& order) {
  shuffle(rng, order);
  double total = 0;
  const std::size_t n = order.size(), batch = static_cast<std::size_t>(batch_size);
  for (std::size_t start = 0; start < n; start += batch) {
    std::vector<Eigen::Index> rows(order.begin() + static_cast<std::ptrdiff_t>(start),
                                   order.begin() + static_cast<std::ptrdiff_t>(std::min(n, start + batch)));
    Matrix xb = x(rows, Eigen::all), yb = y(rows, Eigen::all);
    const Matrix& prediction = net.forward(xb);
    total += double{mean_absolute_error<float>(prediction, yb)} * static_cast<double>(rows.size());
    net.backward(mean_absolute_error_gradient<float>(prediction, yb));
    adam.step(net.parameters(), net.gradients());
    if (average) average->update(net);
  }
  return total / static_cast<double>(n);
}

// Adam over shuffled batches, validating after each epoch and keeping the
// epoch that validates best (trainer.h).
void train_with_adam(TrainedModel& model, const TrainOptions& options, const Matrix& x, const Matrix& y,
                     const Matrix& x_val, const Matrix& y_val, std::mt19937& rng) {
  Adam<float> adam(static_cast<float>(model.spec.learning_rate));
  std::vector<std::size_t> order(static_cast<std::size_t>(x.rows()));
  std::iota(order.begin(), order.end(), 0);
  TrainingResult& r = model.result;
  std::optional<WeightAverage> average;
  if (options.weight_average_momentum > 0) average.emplace(model.network, static_cast<float>(options.weight_average_momentum));
  std::vector<Mlp<float>::Layer> kept_layers;
  for (int epoch = 1; epoch <= options.epochs; ++epoch) {
    r.loss.push_back(run_epoch(model.network, adam, average ? &*average : nullptr, x, y, options.batch_size, rng, order));
    const Mlp<float>& evaluated = average ? average->network() : model.network;
    r.val_loss.push_back(mean_absolute_error<float>(evaluated.predict(x_val), y_val));
    if (!options.keep_best_epoch || r.kept_epoch == 0 || r.val_loss.back() < r.val_loss[r.kept_epoch - 1]) {
      r.kept_epoch = epoch;
      kept_layers = evaluated.layers();
    }
    if (options.on_epoch) options.on_epoch(epoch);
  }
  model.network.layers() = kept_layers;
}

// A linear model's exact fit on the training rows (the validation rows held
// out, as Adam's training holds them out). Its iterations stand in for epochs
// in the loss curves.
void fit_exactly(TrainedModel& model, const Matrix& x, const Matrix& y, const Matrix& x_val, const Matrix& y_val) {
  const Eigen::MatrixXd xd = x.cast<double>(), xd_val = x_val.cast<double>();
  const Eigen::VectorXd yd = y.col(0).cast<double>(), yd_val = y_val.col(0).cast<double>();
  const LadFit fit = fit_least_absolute_deviations(xd, yd);
  const Eigen::Index k = xd.cols();
  TrainingResult& r = model.result;
  r.fit = "least absolute deviations";
  r.loss = fit.iteration_mae;
  for (const Eigen::VectorXd& b : fit.iterations)
    r.val_loss.push_back(xd_val.rows() == 0 ? 0.0 : ((xd_val * b.head(k)).array() + b(k) - yd_val.array()).abs().mean());
  r.kept_epoch = static_cast<int>(fit.iterations.size());
  Mlp<float>::Layer& layer = model.network.layers().at(0);
  layer.weights = fit.weights.cast<float>();
  layer.bias.setConstant(static_cast<float>(fit.bias));
}

void check_finite(const Examples& e, const std::string& source) {
  if (!e.x.allFinite() || !e.y.allFinite())
    throw Error(fmt::format("{}: a value or label is beyond float32's range", source));
}

double mae(const TrainedModel& model, const Examples& e) {
  return (model.predict(e.x) - e.y).cast<double>().cwiseAbs().mean();
}

}  // namespace

const std::vector<ModelSpec>& tutorial_models() {
  static const std::vector<ModelSpec> models = {
      {"single_var_LR", FeatureSet::single, {}, 0.1},
      {"multi_var_LR", FeatureSet::multi, {}, 0.1},
      {"DNN_single_regression", FeatureSet::single, {64, 64}, 0.001},
      {"DNN_multi_regression", FeatureSet::multi, {64, 64}, 0.001},
  };
  return models;
}

const ModelSpec& tutorial_model(const std::string& name) {
  for (const ModelSpec& spec : tutorial_models())
    if (spec.name == name) return spec;
  std::vector<std::string> names;
  for (const ModelSpec& spec : tutorial_models()) names.push_back(spec.name);
  throw Error(fmt::format("no model '{}'; the models are {}", name, fmt::join(names, ", ")));
}

Eigen::VectorXf TrainedModel::predict(const Eigen::MatrixXf& features) const {
  return network.predict(normalization.apply(features)).col(0);
}

TrainedModel train_model(const ModelSpec& spec, const TrainingData& data, const TrainOptions& options) {
  check(data, options);
  FlushDenormals flush_denormals;
  auto started = std::chrono::steady_clock::now();
  Examples all_train = make_examples(data.train, spec.features, data.label);
  Examples test = make_examples(data.test, spec.features, data.label);
  check_finite(all_train, data.train.source);
  check_finite(test, data.test.source);
  ValidationHoldout holdout = hold_out_validation(all_train, options.validation_fraction);
  std::mt19937 rng = model_rng(spec, options.seed);
  // The tutorial adapted its normalizer on every training row, validation rows included.
  TrainedModel model{spec, Normalization::adapt(all_train.x), Mlp<float>(layer_widths(spec), rng), {}};
  const Matrix x = model.normalization.apply(holdout.train.x), y = holdout.train.y;
  const Matrix x_val = model.normalization.apply(holdout.validation.x), y_val = holdout.validation.y;
  TrainingResult& r = model.result;
  if (spec.hidden.empty() && options.exact_linear_fit)
    fit_exactly(model, x, y, x_val, y_val);
  else
    train_with_adam(model, options, x, y, x_val, y_val, rng);
  r.training_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  for (Mlp<float>::Matrix* p : model.network.parameters())
    if (!p->allFinite()) throw Error(fmt::format("{}: training diverged (a weight is not finite)", spec.name));
  r.name = spec.name;
  r.features = feature_names(spec.features);
  r.train_mae = mae(model, holdout.train);
  r.val_mae = mae(model, holdout.validation);
  r.test_mae = mae(model, test);
  Eigen::VectorXf prediction = model.predict(test.x);
  r.test_index.assign(test.x.col(0).begin(), test.x.col(0).end());
  r.test_truth.assign(test.y.begin(), test.y.end());
  r.test_prediction.assign(prediction.begin(), prediction.end());
  return model;
}

}  // namespace edgeml::train
