// A linear model fitted by least absolute deviations: the weights and bias
// that minimise the mean absolute error on the given rows, the loss the
// tutorial's linear models train with Adam. Found by iteratively reweighted
// least squares, then polished to the vertex of the problem it approaches
// (a line through as many rows as it has coefficients), so the result is the
// exact minimum, the same for any seed, rather than where an optimiser's
// noisy walk stopped.
#pragma once

#include <vector>

#include <Eigen/Dense>

namespace edgeml::train {

struct LadFit {
  Eigen::VectorXd weights;  // one per column of x
  double bias = 0;
  double mae = 0;  // on the rows fitted
  // Each iteration's coefficients (weights, then the bias) and MAE on the
  // rows fitted, the last the fit's: for the loss curves a report draws.
  std::vector<Eigen::VectorXd> iterations;
  std::vector<double> iteration_mae;
};

struct LadOptions {
  int max_iterations = 100;
  // Stops when an iteration lowers the MAE by less than this share of it.
  double tolerance = 1e-10;
};

// x: one row per example; y: one label each. Throws Error when there are no
// rows or x and y disagree. A column that is zero or repeats others (up to
// rounding) gets weight 0; rows need not outnumber columns.
LadFit fit_least_absolute_deviations(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, const LadOptions& options = {});

}  // namespace edgeml::train
