#include "train/lad_fit.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "core/error.h"

namespace edgeml::train {

namespace {

// [x, 1]: the bias as one more coefficient.
Eigen::MatrixXd with_ones(const Eigen::MatrixXd& x) {
  Eigen::MatrixXd a(x.rows(), x.cols() + 1);
  a << x, Eigen::VectorXd::Ones(x.rows());
  return a;
}

double mean_absolute(const Eigen::VectorXd& r) { return r.cwiseAbs().mean(); }

// The columns that carry information of their own, in order. One that is
// zero or repeats others up to rounding (the tutorial's value and threshold
// columns differ by a constant, so normalised they are equal) is left out
// and gets weight 0: fitted, it would get a huge weight and its twin the
// opposite one, cancelling in double precision and not in the model's float32.
std::vector<Eigen::Index> independent_columns(const Eigen::MatrixXd& a) {
  Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(a);
  qr.setThreshold(1e-6);
  std::vector<Eigen::Index> kept;
  for (Eigen::Index i = 0; i < qr.rank(); ++i) kept.push_back(qr.colsPermutation().indices()(i));
  std::sort(kept.begin(), kept.end());
  return kept;
}

// Weighted least squares: minimises sum w_i (y_i - a_i . b)^2.
Eigen::VectorXd weighted_least_squares(const Eigen::MatrixXd& a, const Eigen::VectorXd& y, const Eigen::VectorXd& w) {
  const Eigen::VectorXd root = w.cwiseSqrt();
  const Eigen::MatrixXd aw = root.asDiagonal() * a;
  return aw.completeOrthogonalDecomposition().solve(root.cwiseProduct(y));
}

// The rows, of the n given, with the smallest residuals under b.
std::vector<Eigen::Index> closest_rows(const Eigen::MatrixXd& a, const Eigen::VectorXd& y, const Eigen::VectorXd& b,
                                       std::size_t n) {
  const Eigen::VectorXd r = (y - a * b).cwiseAbs();
  std::vector<Eigen::Index> order(static_cast<std::size_t>(a.rows()));
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  n = std::min(n, order.size());
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n), order.end(),
                    [&](Eigen::Index i, Eigen::Index j) { return r(i) < r(j); });
  order.resize(n);
  return order;
}

// The minimum lies at a vertex: as many residuals zero as there are
// coefficients. The iterations end near it, so among the rows they leave
// closest, every choice of that many is tried as the vertex, and the search
// moves to the best one until none is better. Small models only (the number
// of choices grows fast with the coefficients); larger ones keep b.
Eigen::VectorXd polish(const Eigen::MatrixXd& a, const Eigen::VectorXd& y, Eigen::VectorXd b) {
  constexpr Eigen::Index kMaxCoefficients = 6;
  constexpr int kMaxRounds = 20;
  const Eigen::Index k = a.cols();
  if (a.rows() < k || k > kMaxCoefficients) return b;
  double best = mean_absolute(y - a * b);
  for (int round = 0; round < kMaxRounds; ++round) {
    const std::vector<Eigen::Index> rows = closest_rows(a, y, b, static_cast<std::size_t>(k) + 8);
    std::vector<bool> chosen(rows.size(), false);
    std::fill(chosen.begin(), chosen.begin() + k, true);
    std::vector<Eigen::Index> subset(static_cast<std::size_t>(k));
    bool moved = false;
    do {
      for (std::size_t i = 0, j = 0; i < rows.size(); ++i)
        if (chosen[i]) subset[j++] = rows[i];
      const Eigen::FullPivLU<Eigen::MatrixXd> lu(a(subset, Eigen::all));
      if (!lu.isInvertible()) continue;
      const Eigen::VectorXd vertex = lu.solve(y(subset));
      if (const double mae = mean_absolute(y - a * vertex); mae < best) {
        best = mae;
        b = vertex;
        moved = true;
      }
    } while (std::prev_permutation(chosen.begin(), chosen.end()));
    if (!moved) break;
  }
  return b;
}

}  // namespace

LadFit fit_least_absolute_deviations(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, const LadOptions& options) {
  if (x.rows() == 0) throw Error("least absolute deviations: no rows to fit");
  if (x.rows() != y.size())
    throw Error(fmt::format("least absolute deviations: {} rows of features but {} labels", x.rows(), y.size()));
  const Eigen::MatrixXd full = with_ones(x);
  const std::vector<Eigen::Index> columns = independent_columns(full);
  const Eigen::MatrixXd a = full(Eigen::all, columns);
  // A residual this small counts as zero: its weight would otherwise grow
  // without bound as the fit passes through its row.
  const double floor = 1e-9 * std::max(1.0, y.cwiseAbs().maxCoeff());
  LadFit fit;
  Eigen::VectorXd b = weighted_least_squares(a, y, Eigen::VectorXd::Ones(a.rows()));
  double mae = mean_absolute(y - a * b);
  fit.iterations.push_back(b);
  fit.iteration_mae.push_back(mae);
  for (int i = 0; i < options.max_iterations; ++i) {
    const Eigen::VectorXd w = (y - a * b).cwiseAbs().cwiseMax(floor).cwiseInverse();
    const Eigen::VectorXd next = weighted_least_squares(a, y, w);
    const double next_mae = mean_absolute(y - a * next);
    if (!(next_mae < mae)) break;  // no progress (or not a number): keep what there is
    const bool converged = mae - next_mae < options.tolerance * mae;
    b = next;
    mae = next_mae;
    fit.iterations.push_back(b);
    fit.iteration_mae.push_back(mae);
    if (converged) break;
  }
  if (Eigen::VectorXd vertex = polish(a, y, b); vertex != b) {
    b = vertex;
    mae = mean_absolute(y - a * b);
    fit.iterations.push_back(b);
    fit.iteration_mae.push_back(mae);
  }
  fit.mae = mae;
  for (Eigen::VectorXd& coefficients : fit.iterations) {  // back to every column, 0 for those left out
    Eigen::VectorXd all = Eigen::VectorXd::Zero(full.cols());
    all(columns) = coefficients;
    coefficients = all;
  }
  fit.weights = fit.iterations.back().head(x.cols());
  fit.bias = fit.iterations.back()(x.cols());
  return fit;
}

}  // namespace edgeml::train
