#include "train/prepare.h"

#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "core/error.h"
#include "train/random.h"

namespace edgeml::train {

namespace {

Eigen::Index column_of(const std::string& feature) {
  if (feature == "index") return kIndex;
  if (feature == "value") return kValue;
  if (feature == "valueThreshold") return kThreshold;
  throw Error(fmt::format("no feature '{}'; the features are index, value and valueThreshold", feature));
}

}  // namespace

Examples make_examples(const EventTable& table, const std::vector<std::string>& features, const LabelTransform& label) {
  Examples e;
  std::vector<Eigen::Index> columns;
  for (const std::string& f : features) columns.push_back(column_of(f));
  e.x = table.rows(Eigen::all, columns).cast<float>();
  e.y = table.rows.col(kEventTime).unaryExpr([&](double t) { return label.apply(t); }).cast<float>();
  return e;
}

TrainTestSplit random_split(const EventTable& table, double train_fraction, std::uint32_t seed) {
  auto n = static_cast<std::size_t>(table.rows.rows());
  auto train_rows = static_cast<std::size_t>(std::lround(train_fraction * static_cast<double>(n)));
  if (train_rows == 0 || train_rows >= n)
    throw Error(fmt::format("{}: {} rows cannot be split {:g}/{:g} with rows on both sides", table.source, n,
                            train_fraction, 1 - train_fraction));
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937 rng(seed);
  shuffle(rng, order);
  std::vector<Eigen::Index> train(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(train_rows));
  std::vector<Eigen::Index> test(order.begin() + static_cast<std::ptrdiff_t>(train_rows), order.end());
  std::sort(test.begin(), test.end());
  TrainTestSplit split{select_rows(table, train), select_rows(table, test)};
  return split;
}

ValidationHoldout hold_out_validation(const Examples& examples, double fraction) {
  Eigen::Index n = examples.x.rows();
  auto train_rows = static_cast<Eigen::Index>(std::floor(static_cast<double>(n) * (1 - fraction)));
  if (train_rows < 1 || train_rows >= n)
    throw Error(fmt::format("{} training rows are too few to hold out {:g}% for validation; at least 2 are needed", n,
                            fraction * 100));
  ValidationHoldout h;
  h.train = {examples.x.topRows(train_rows), examples.y.head(train_rows)};
  h.validation = {examples.x.bottomRows(n - train_rows), examples.y.tail(n - train_rows)};
  return h;
}

Normalization Normalization::adapt(const Eigen::MatrixXf& x) {
  Eigen::MatrixXd xd = x.cast<double>();
  Eigen::RowVectorXd mean = xd.colwise().mean();
  Eigen::RowVectorXd variance = (xd.rowwise() - mean).array().square().colwise().mean();
  // A constant column's mean may round off its value; its variance is zero all the same.
  for (Eigen::Index c = 0; c < xd.cols(); ++c)
    if (xd.col(c).minCoeff() == xd.col(c).maxCoeff()) variance[c] = 0;
  Normalization n;
  n.mean = mean.cast<float>();
  n.variance = variance.cast<float>();
  n.factor = variance.unaryExpr([](double v) { return v > 0 ? 1 / std::sqrt(v) : 1.0; }).cast<float>();
  return n;
}

Normalization Normalization::identity(Eigen::Index width) {
  Normalization n;
  n.mean = Eigen::RowVectorXf::Zero(width);
  n.variance = Eigen::RowVectorXf::Ones(width);
  n.factor = Eigen::RowVectorXf::Ones(width);
  return n;
}

Eigen::MatrixXf Normalization::apply(const Eigen::MatrixXf& x) const {
  return ((x.rowwise() - mean).array().rowwise() * factor.array()).matrix();
}

}  // namespace edgeml::train
