#include "train/trainer.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <numeric>
#include <optional>

#include <fmt/format.h>

#include "core/error.h"
#include "train/flush_denormals.h"
#include "train/lad_fit.h"
#include "train/loss.h"
#include "train/optimizer.h"
#include "train/random.h"
#include "train/weight_average.h"

namespace edgeml::train {

namespace {

using Matrix = Mlp<float>::Matrix;

// The model's own stream: the seed and its name, so models do not share draws.
std::mt19937 model_rng(const ModelSpec& spec, std::uint32_t seed) {
  std::vector<std::uint32_t> words = {seed};
  for (char c : spec.name) words.push_back(static_cast<unsigned char>(c));
  std::seed_seq seq(words.begin(), words.end());
  return std::mt19937(seq);
}

void check(const ModelSpec& spec, const TrainingData& data, const TrainOptions& options) {
  const int epochs = planned_epochs(spec, options);
  if (epochs < 1) throw Error(fmt::format("{}: epochs must be at least 1, not {}", spec.name, epochs));
  if (spec.batch_size < 1) throw Error(fmt::format("{}: batch size must be at least 1, not {}", spec.name, spec.batch_size));
  if (spec.layers.empty() || spec.layers.back().units != 1)
    throw Error(fmt::format("{}: a model's last layer gives its one output", spec.name));
  if (data.test.rows.rows() < 1) throw Error(fmt::format("{}: no test rows", data.test.source));
  if (data.train.rows.rows() < 2)
    throw Error(fmt::format("{}: {} training rows; at least 2 are needed (one for validation)", data.train.source,
                            data.train.rows.rows()));
}

// What every step of one model's training uses, and the buffers its batches
// are gathered into, so that an epoch allocates nothing but its last, shorter batch.
struct Training {
  Mlp<float>& net;
  Optimizer<float>& optimizer;
  LossFunction<float> loss;
  WeightAverage* average;  // null: no moving average
  std::size_t batch_size;
  std::vector<std::size_t> order;
  Matrix x, y, gradient;
};

// One epoch over the shuffled rows; returns the mean batch loss weighted by
// batch size, as Keras reports `loss`.
double run_epoch(Training& t, const Matrix& x, const Matrix& y, std::mt19937& rng) {
  shuffle(rng, t.order);
  double total = 0;
  const std::size_t n = t.order.size();
  for (std::size_t start = 0; start < n; start += t.batch_size) {
    const auto rows = static_cast<Eigen::Index>(std::min(n, start + t.batch_size) - start);
    t.x.resize(rows, x.cols());
    t.y.resize(rows, 1);
    for (Eigen::Index i = 0; i < rows; ++i) {
      const auto row = static_cast<Eigen::Index>(t.order[start + static_cast<std::size_t>(i)]);
      t.x.row(i) = x.row(row);
      t.y(i, 0) = y(row, 0);
    }
    const Matrix& prediction = t.net.forward(t.x);
    total += double{t.loss.value(prediction, t.y)} * static_cast<double>(rows);
    t.loss.gradient(prediction, t.y, t.gradient);
    t.net.backward(t.gradient);
    t.optimizer.step(t.net.parameters(), t.net.gradients());
    if (t.average) t.average->update(t.net);
  }
  return total / static_cast<double>(n);
}

// The spec's optimiser over shuffled batches, validating after each epoch,
// keeping the epoch that validates best and stopping early if the spec asks
// (trainer.h).
void train_with_optimizer(TrainedModel& model, const TrainOptions& options, const Matrix& x, const Matrix& y,
                          const Matrix& x_val, const Matrix& y_val, std::mt19937& rng) {
  const ModelSpec& spec = model.spec;
  std::unique_ptr<Optimizer<float>> optimizer = make_optimizer<float>(spec.optimizer);
  std::optional<WeightAverage> average;
  if (options.weight_average_momentum > 0) average.emplace(model.network, static_cast<float>(options.weight_average_momentum));
  Training t{model.network, *optimizer, {spec.loss, static_cast<float>(spec.huber_delta)}, average ? &*average : nullptr,
             static_cast<std::size_t>(spec.batch_size), std::vector<std::size_t>(static_cast<std::size_t>(x.rows())), {}, {}, {}};
  std::iota(t.order.begin(), t.order.end(), 0);
  TrainingResult& r = model.result;
  r.fit = optimizer_name(spec.optimizer.kind);
  std::vector<Mlp<float>::Layer> kept_layers;
  const int epochs = planned_epochs(spec, options);
  int best = 0;
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    r.loss.push_back(run_epoch(t, x, y, rng));
    const Mlp<float>& evaluated = average ? average->network() : model.network;
    r.val_loss.push_back(t.loss.value(evaluated.predict(x_val), y_val));
    const bool better = best == 0 || r.val_loss.back() < r.val_loss[static_cast<std::size_t>(best - 1)];
    if (better) best = epoch;
    if (!options.keep_best_epoch || better) {
      r.kept_epoch = epoch;
      kept_layers = evaluated.layers();
    }
    if (options.on_epoch) options.on_epoch(epoch, epochs);
    if (spec.patience > 0 && epoch - best >= spec.patience) break;
  }
  model.network.layers() = kept_layers;
}

// A linear model's exact fit on the training rows (the validation rows held
// out, as the optimiser's training holds them out). Its iterations stand in
// for epochs, in the loss curves and in keeping the one validating best.
void fit_exactly(TrainedModel& model, const Matrix& x, const Matrix& y, const Matrix& x_val, const Matrix& y_val,
                 bool keep_best) {
  const Eigen::MatrixXd xd = x.cast<double>(), xd_val = x_val.cast<double>();
  const Eigen::VectorXd yd = y.col(0).cast<double>(), yd_val = y_val.col(0).cast<double>();
  const LadFit fit = fit_least_absolute_deviations(xd, yd);
  const Eigen::Index k = xd.cols();
  TrainingResult& r = model.result;
  r.fit = kExactFit;
  r.loss = fit.iteration_mae;
  for (const Eigen::VectorXd& b : fit.iterations)
    r.val_loss.push_back(xd_val.rows() == 0 ? 0.0 : ((xd_val * b.head(k)).array() + b(k) - yd_val.array()).abs().mean());
  r.kept_epoch = static_cast<int>(fit.iterations.size());
  Eigen::VectorXd kept(k + 1);
  kept << fit.weights, fit.bias;
  if (keep_best && xd_val.rows() > 0) {
    r.kept_epoch = static_cast<int>(std::min_element(r.val_loss.begin(), r.val_loss.end()) - r.val_loss.begin()) + 1;
    kept = fit.iterations[static_cast<std::size_t>(r.kept_epoch - 1)];
  }
  Mlp<float>::Layer& layer = model.network.layers().at(0);
  layer.weights = kept.head(k).cast<float>();
  layer.bias.setConstant(static_cast<float>(kept(k)));
}

// What the network sees and learns of `e`: for a gap target, the inputs
// without prev_time (the last), and the gap after it.
Examples network_examples(const ModelSpec& spec, const Examples& e) {
  if (spec.target != Target::gap) return e;
  const Eigen::Index n = e.x.cols() - 1;
  return {e.x.leftCols(n), e.y - e.x.col(n), e.rows};
}

// Rows at a series' start have fewer past events than derived features read.
void check_rows_with_past(const ModelSpec& spec, const Examples& train, const Examples& test, const TrainingData& data) {
  if (train.x.rows() >= 2 && test.x.rows() >= 1) return;
  throw Error(fmt::format("{}: {} of {} training rows and {} of {} test rows have the past events its features need",
                          spec.name, train.x.rows(), data.train.rows.rows(), test.x.rows(), data.test.rows.rows()));
}

void check_finite(const Examples& e, const std::string& source) {
  if (!e.x.allFinite() || !e.y.allFinite())
    throw Error(fmt::format("{}: a value or label is beyond float32's range", source));
}

double mae(const TrainedModel& model, const Examples& e) {
  return (model.predict(e.x) - e.y).cast<double>().cwiseAbs().mean();
}

}  // namespace

Examples examples_for(const ModelSpec& spec, const EventTable& rows, const TrainingData& data) {
  const SeriesPast past = series_events({&data.train, &data.test});
  return make_examples(rows, spec.inputs(), data.label, &past);
}

std::string TrainedModel::entry_name() const {
  if (series.empty()) return spec.name;
  std::string stem = series;
  std::replace(stem.begin(), stem.end(), '/', '_');
  return spec.name + "@" + stem;
}

int planned_epochs(const ModelSpec& spec, const TrainOptions& options) { return options.epochs.value_or(spec.epochs); }

Eigen::VectorXf TrainedModel::predict(const Eigen::MatrixXf& inputs) const {
  if (spec.target != Target::gap) return network.predict(normalization.apply(inputs)).col(0);
  const Eigen::Index n = inputs.cols() - 1;
  return network.predict(normalization.apply(inputs.leftCols(n))).col(0) + inputs.col(n);
}

TrainedModel train_model(const ModelSpec& spec, const TrainingData& data, const TrainOptions& options) {
  check(spec, data, options);
  FlushDenormals flush_denormals;
  auto started = std::chrono::steady_clock::now();
  const SeriesPast past = series_events({&data.train, &data.test});
  Examples all_train = make_examples(data.train, spec.inputs(), data.label, &past);
  Examples test = make_examples(data.test, spec.inputs(), data.label, &past);
  check_rows_with_past(spec, all_train, test, data);
  check_finite(all_train, data.train.source);
  check_finite(test, data.test.source);
  ValidationHoldout holdout = hold_out_validation(all_train, spec.validation_share);
  std::mt19937 rng = model_rng(spec, options.seed);
  // The tutorial adapted its normalizer on every training row, validation rows included.
  const auto width = static_cast<int>(spec.features.size());
  const Examples net_all = network_examples(spec, all_train), net_train = network_examples(spec, holdout.train),
                 net_val = network_examples(spec, holdout.validation);
  TrainedModel model{spec, spec.normalization ? Normalization::adapt(net_all.x) : Normalization::identity(width),
                     Mlp<float>(width, spec.layers, rng), {}, {}};
  const Matrix x = model.normalization.apply(net_train.x), y = net_train.y;
  const Matrix x_val = model.normalization.apply(net_val.x), y_val = net_val.y;
  TrainingResult& r = model.result;
  r.loss_name = loss_name(spec.loss);
  if (spec.is_linear() && spec.loss == Loss::mae && options.exact_linear_fit)
    fit_exactly(model, x, y, x_val, y_val, options.keep_best_epoch);
  else
    train_with_optimizer(model, options, x, y, x_val, y_val, rng);
  r.training_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  for (Mlp<float>::Matrix* p : model.network.parameters())
    if (!p->allFinite()) throw Error(fmt::format("{}: training diverged (a weight is not finite)", spec.name));
  r.name = spec.name;
  r.features = spec.inputs();
  for (const DenseLayer& l : spec.layers)
    r.layers += fmt::format("{}{} {}", r.layers.empty() ? "" : ", ", l.units, activation_name(l.activation));
  r.train_rows = static_cast<std::size_t>(holdout.train.x.rows());
  r.validation_rows = static_cast<std::size_t>(holdout.validation.x.rows());
  r.train_mae = mae(model, holdout.train);
  r.val_mae = mae(model, holdout.validation);
  r.test_mae = mae(model, test);
  r.test_rows = test.rows.size();
  Eigen::VectorXf prediction = model.predict(test.x);
  const Eigen::VectorXf index = data.test.rows(test.rows, Eigen::Index{kIndex}).cast<float>();
  r.test_index.assign(index.begin(), index.end());
  r.test_truth.assign(test.y.begin(), test.y.end());
  r.test_prediction.assign(prediction.begin(), prediction.end());
  return model;
}

}  // namespace edgeml::train
