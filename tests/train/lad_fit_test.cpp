// The exact linear fit: the least-absolute-deviations minimum, found on
// problems whose minimum is known.
#include "train/lad_fit.h"

#include <limits>
#include <random>

#include <gtest/gtest.h>

#include "core/error.h"

namespace edgeml::train {
namespace {

double mae_of(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, const Eigen::VectorXd& w, double bias) {
  return ((x * w).array() + bias - y.array()).abs().mean();
}

TEST(LadFit, FindsTheLineUnderItsRowsAndIgnoresOutliers) {
  Eigen::MatrixXd x(24, 1);
  Eigen::VectorXd y(24);
  for (int i = 0; i < 24; ++i) {
    x(i, 0) = i;
    y(i) = 2 * i + 1;
  }
  for (int i : {3, 9, 15, 21}) y(i) += 100;  // least squares would move by 16.7
  LadFit fit = fit_least_absolute_deviations(x, y);
  EXPECT_NEAR(fit.weights(0), 2, 1e-9);
  EXPECT_NEAR(fit.bias, 1, 1e-9);
  EXPECT_NEAR(fit.mae, 400.0 / 24, 1e-9);
  EXPECT_GE(fit.iterations.size(), 2u);
  EXPECT_EQ(fit.iterations.back()(0), fit.weights(0));
}

// With one feature the minimum is a line through two rows: every pair tried.
TEST(LadFit, EqualsTheBestLineThroughTwoRows) {
  std::mt19937 rng(7);
  std::normal_distribution<double> noise(0, 1);
  std::exponential_distribution<double> spikes(0.5);
  for (int trial = 0; trial < 5; ++trial) {
    Eigen::MatrixXd x(40, 1);
    Eigen::VectorXd y(40);
    for (int i = 0; i < 40; ++i) {
      x(i, 0) = noise(rng) * 3;
      y(i) = 0.7 * x(i, 0) - 2 + noise(rng) + (i % 7 == 0 ? spikes(rng) * 10 : 0);
    }
    double best = std::numeric_limits<double>::infinity();
    for (int i = 0; i < 40; ++i)
      for (int j = i + 1; j < 40; ++j) {
        if (x(i, 0) == x(j, 0)) continue;
        const double slope = (y(j) - y(i)) / (x(j, 0) - x(i, 0));
        best = std::min(best, mae_of(x, y, Eigen::VectorXd::Constant(1, slope), y(i) - slope * x(i, 0)));
      }
    LadFit fit = fit_least_absolute_deviations(x, y);
    EXPECT_NEAR(fit.mae, best, 1e-9 * best) << "trial " << trial;
    EXPECT_NEAR(mae_of(x, y, fit.weights, fit.bias), fit.mae, 1e-12);
  }
}

// A column that repeats another up to a constant (the tutorial's value and
// threshold) gets weight 0, not a huge weight its twin cancels.
TEST(LadFit, AColumnThatRepeatsAnotherGetsNoWeight) {
  Eigen::MatrixXd x(30, 3);
  Eigen::VectorXd y(30);
  for (int i = 0; i < 30; ++i) {
    x(i, 0) = i;
    x(i, 1) = (i % 5) * 0.5;
    x(i, 2) = x(i, 1);
    y(i) = 0.5 * i - 3 * x(i, 1) + (i % 3 == 0 ? 1 : 0);
  }
  LadFit fit = fit_least_absolute_deviations(x, y);
  EXPECT_EQ(fit.weights(2), 0);
  EXPECT_NEAR(fit.weights(1), -3, 1e-6);
  EXPECT_LT(std::abs(fit.weights(0)) + std::abs(fit.weights(1)) + std::abs(fit.bias), 10);
}

TEST(LadFit, FewerRowsThanCoefficientsStillFitThem) {
  Eigen::MatrixXd x(1, 2);
  x << 1, 2;
  Eigen::VectorXd y = Eigen::VectorXd::Constant(1, 5);
  LadFit fit = fit_least_absolute_deviations(x, y);
  EXPECT_NEAR(mae_of(x, y, fit.weights, fit.bias), 0, 1e-9);
}

TEST(LadFit, RefusesNoRowsAndMismatchedLabels) {
  EXPECT_THROW(fit_least_absolute_deviations(Eigen::MatrixXd(0, 1), Eigen::VectorXd(0)), Error);
  EXPECT_THROW(fit_least_absolute_deviations(Eigen::MatrixXd::Zero(3, 1), Eigen::VectorXd::Zero(2)), Error);
}

}  // namespace
}  // namespace edgeml::train
