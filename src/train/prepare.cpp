#include "train/prepare.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>
#include <numeric>
#include <span>

#include <fmt/format.h>

#include "core/error.h"
#include "protocol/series_id.h"
#include "train/random.h"

namespace edgeml::train {

namespace {

Eigen::Index column_of(const std::string& feature) {
  if (feature == "index") return kIndex;
  if (feature == "value") return kValue;
  if (feature == "valueThreshold") return kThreshold;
  throw Error(fmt::format("no feature '{}'; the columns are index, value and valueThreshold", feature));
}

// A row's past: the events of its series below its index, the most recent
// kMaxPastEvents of them, as serving keeps them.
std::span<const PastEvent> past_of(const SeriesPast& past, const std::string& series, double index) {
  auto found = past.find(series);
  if (found == past.end()) return {};
  return recent_past(found->second, index);
}

// One feature's value for one row; nullopt when its past is too short.
using FeatureReader = std::function<std::optional<double>(Eigen::Index row)>;

FeatureReader feature_reader(const EventTable& table, const std::string& feature, const LabelTransform& label,
                             const SeriesPast* past) {
  if (std::optional<PastFeature> derived = parse_past_feature(feature)) {
    if (!past) throw Error(fmt::format("feature '{}' needs the series' past events", feature));
    return [&table, past, d = *derived, scale = LabelScale{label.offset, label.scale}](Eigen::Index row) {
      const double index = table.rows(row, kIndex);
      return past_feature_value(d, past_of(*past, table.series_of(row), index), index, scale);
    };
  }
  if (std::optional<SeriesId> series = parse_series_feature(feature))
    return [&table, path = series->path()](Eigen::Index row) {
      return std::optional<double>(table.series_of(row) == path ? 1.0 : 0.0);
    };
  const Eigen::Index column = column_of(feature);
  return [&table, column](Eigen::Index row) { return std::optional<double>(table.rows(row, column)); };
}

}  // namespace

SeriesPast series_events(const std::vector<const EventTable*>& parts) {
  SeriesPast past;
  for (const EventTable* part : parts)
    for (Eigen::Index r = 0; r < part->rows.rows(); ++r)
      past[part->series_of(r)].push_back({part->rows(r, kIndex), part->rows(r, kEventTime)});
  auto by_index = [](const PastEvent& a, const PastEvent& b) { return a.index < b.index; };
  auto same_index = [](const PastEvent& a, const PastEvent& b) { return a.index == b.index; };
  for (auto& [series, events] : past) {
    std::stable_sort(events.begin(), events.end(), by_index);
    events.erase(std::unique(events.begin(), events.end(), same_index), events.end());
  }
  return past;
}

Examples make_examples(const EventTable& table, const std::vector<std::string>& features, const LabelTransform& label,
                       const SeriesPast* past) {
  std::vector<FeatureReader> readers;
  for (const std::string& f : features) readers.push_back(feature_reader(table, f, label, past));
  std::vector<double> values;
  Examples e;
  for (Eigen::Index r = 0; r < table.rows.rows(); ++r) {
    const std::size_t start = values.size();
    for (const FeatureReader& read : readers)
      if (std::optional<double> v = read(r)) values.push_back(*v);
    if (values.size() - start == readers.size()) e.rows.push_back(r);
    else values.resize(start);
  }
  e.x = Eigen::Map<Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
            values.data(), static_cast<Eigen::Index>(e.rows.size()), static_cast<Eigen::Index>(features.size()))
            .cast<float>();
  const Eigen::VectorXd times = table.rows(e.rows, Eigen::Index{kEventTime});
  e.y = times.unaryExpr([&](double t) { return label.apply(t); }).cast<float>();
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

TrainTestSplit time_split(const EventTable& table, double train_fraction, std::size_t& repeated) {
  std::vector<Eigen::Index> order(static_cast<std::size_t>(table.rows.rows()));
  std::iota(order.begin(), order.end(), 0);
  auto key = [&](Eigen::Index r) { return std::pair(table.rows(r, kEventTime), table.rows(r, kIndex)); };
  std::stable_sort(order.begin(), order.end(), [&](Eigen::Index a, Eigen::Index b) { return key(a) < key(b); });
  // Rows of equal time and index are adjacent now; only an exact repeat goes.
  std::vector<Eigen::Index> kept;
  for (Eigen::Index r : order)
    if (kept.empty() || table.rows.row(r) != table.rows.row(kept.back())) kept.push_back(r);
  repeated = order.size() - kept.size();
  const std::size_t n = kept.size();
  auto train_rows = static_cast<std::size_t>(std::lround(train_fraction * static_cast<double>(n)));
  if (train_rows == 0 || train_rows >= n)
    throw Error(fmt::format("{}: {} distinct rows cannot be split {:g}/{:g} in time with rows on both sides",
                            table.source, n, train_fraction, 1 - train_fraction));
  const auto cut = kept.begin() + static_cast<std::ptrdiff_t>(train_rows);
  return {select_rows(table, {kept.begin(), cut}), select_rows(table, {cut, kept.end()})};
}

ValidationHoldout hold_out_validation(const Examples& examples, double fraction) {
  Eigen::Index n = examples.x.rows();
  auto train_rows = static_cast<Eigen::Index>(std::floor(static_cast<double>(n) * (1 - fraction)));
  if (train_rows < 1 || train_rows >= n)
    throw Error(fmt::format("{} training rows are too few to hold out {:g}% for validation; at least 2 are needed", n,
                            fraction * 100));
  ValidationHoldout h;
  h.train = {examples.x.topRows(train_rows), examples.y.head(train_rows), {}};
  h.validation = {examples.x.bottomRows(n - train_rows), examples.y.tail(n - train_rows), {}};
  if (examples.rows.size() == static_cast<std::size_t>(n)) {
    const auto cut = examples.rows.begin() + train_rows;
    h.train.rows.assign(examples.rows.begin(), cut);
    h.validation.rows.assign(cut, examples.rows.end());
  }
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
