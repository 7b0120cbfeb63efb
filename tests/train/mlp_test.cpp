// The network's backward pass against finite differences for every
// activation, the losses and their gradients, Adam and SGD against
// hand-computed steps, Glorot initialisation and determinism.
#include <cmath>

#include <gtest/gtest.h>

#include "train/loss.h"
#include "train/mlp.h"
#include "train/optimizer.h"
#include "train/random.h"

namespace edgeml::train {
namespace {

using MatrixD = Mlp<double>::Matrix;

// L = sum(output .* weights): dL/doutput = weights, any backward() input.
double weighted_sum(Mlp<double>& net, const MatrixD& x, const MatrixD& weights) {
  return net.forward(x).cwiseProduct(weights).sum();
}

std::vector<DenseLayer> relu_layers(std::vector<int> units) {
  std::vector<DenseLayer> layers;
  for (std::size_t i = 0; i < units.size(); ++i)
    layers.push_back({units[i], i + 1 < units.size() ? Activation::relu : Activation::linear});
  return layers;
}

void expect_backward_matches_finite_differences(const std::vector<DenseLayer>& layers, double input_range = 2) {
  std::mt19937 rng(3);
  Mlp<double> net(3, layers, rng);
  for (auto* b : net.parameters()) b->array() += 0.05;  // non-zero biases exercise their gradients too
  MatrixD x = MatrixD::NullaryExpr(6, 3, [&] { return uniform_between(rng, -input_range, input_range); });
  MatrixD g = MatrixD::NullaryExpr(6, 1, [&] { return uniform_between(rng, -1, 1); });
  weighted_sum(net, x, g);
  net.backward(g);
  std::vector<MatrixD> analytic;
  for (auto* grad : net.gradients()) analytic.push_back(*grad);
  std::vector<MatrixD*> params = net.parameters();
  const double h = 1e-6;
  for (std::size_t p = 0; p < params.size(); ++p)
    for (Eigen::Index i = 0; i < params[p]->size(); ++i) {
      double saved = params[p]->data()[i];
      params[p]->data()[i] = saved + h;
      double up = weighted_sum(net, x, g);
      params[p]->data()[i] = saved - h;
      double down = weighted_sum(net, x, g);
      params[p]->data()[i] = saved;
      EXPECT_NEAR(analytic[p].data()[i], (up - down) / (2 * h), 1e-6) << "parameter " << p << " element " << i;
    }
}

TEST(TrainMlp, BackwardMatchesFiniteDifferences) { expect_backward_matches_finite_differences(relu_layers({5, 4, 1})); }

TEST(TrainMlp, BackwardMatchesFiniteDifferencesForEveryActivation) {
  for (Activation a : {Activation::relu6, Activation::tanh, Activation::sigmoid, Activation::linear}) {
    SCOPED_TRACE(activation_name(a));
    // For ReLU6, wide inputs put some units above 6, where no gradient passes.
    expect_backward_matches_finite_differences({{6, a}, {4, a}, {1, Activation::sigmoid}},
                                               a == Activation::relu6 ? 20 : 2);
  }
}

TEST(TrainMlp, ActivationsComputeTheirFunctions) {
  Mlp<double>::Matrix m(1, 4);
  m << -2, 0.5, 3, 8;
  auto applied = [&](Activation a) {
    Mlp<double>::Matrix copy = m;
    activate<double>(a, copy);
    return copy;
  };
  EXPECT_EQ(applied(Activation::relu), (Mlp<double>::Matrix(1, 4) << 0, 0.5, 3, 8).finished());
  EXPECT_EQ(applied(Activation::relu6), (Mlp<double>::Matrix(1, 4) << 0, 0.5, 3, 6).finished());
  EXPECT_DOUBLE_EQ(applied(Activation::tanh)(0), std::tanh(-2.0));
  EXPECT_DOUBLE_EQ(applied(Activation::sigmoid)(1), 1 / (1 + std::exp(-0.5)));
  EXPECT_EQ(applied(Activation::linear), m);
}

TEST(TrainMlp, MeanAbsoluteErrorGradientIsSignOverRows) {
  MatrixD prediction(4, 1), truth(4, 1);
  prediction << 1, 2, 3, 4;
  truth << 0, 2.5, 3, 10;
  EXPECT_DOUBLE_EQ(mean_absolute_error<double>(prediction, truth), (1 + 0.5 + 0 + 6) / 4.0);
  MatrixD g;
  LossFunction<double>{}.gradient(prediction, truth, g);
  EXPECT_EQ(g(0), 0.25);
  EXPECT_EQ(g(1), -0.25);
  EXPECT_EQ(g(2), 0);  // TensorFlow's abs has gradient 0 at 0
  EXPECT_EQ(g(3), -0.25);
}

TEST(TrainMlp, MseAndHuberLossesAndGradients) {
  MatrixD prediction(4, 1), truth(4, 1), g;
  prediction << 1, 2, 3, 4;
  truth << 0, 2.5, 3, 10;  // errors 1, -0.5, 0, -6
  LossFunction<double> mse{Loss::mse, 1}, huber{Loss::huber, 2};
  EXPECT_DOUBLE_EQ(mse.value(prediction, truth), (1 + 0.25 + 0 + 36) / 4.0);
  mse.gradient(prediction, truth, g);
  EXPECT_EQ(g, (MatrixD(4, 1) << 0.5, -0.25, 0, -3).finished());
  // 0.5 e^2 within delta 2; 2 * (6 - 1) beyond.
  EXPECT_DOUBLE_EQ(huber.value(prediction, truth), (0.5 + 0.125 + 0 + 10) / 4.0);
  huber.gradient(prediction, truth, g);
  EXPECT_EQ(g, (MatrixD(4, 1) << 0.25, -0.125, 0, -0.5).finished());
}

TEST(TrainMlp, SgdWithMomentumStepsMatchHandComputedValues) {
  // velocity = 0.9 velocity - 0.1 g; p += velocity, from p = 1 and gradients 0.5, -1.
  Sgd<double> sgd(0.1, 0.9);
  MatrixD p = MatrixD::Constant(1, 1, 1.0), g(1, 1);
  g(0) = 0.5;
  sgd.step({&p}, {&g});
  EXPECT_DOUBLE_EQ(p(0), 1 - 0.05);
  g(0) = -1;
  sgd.step({&p}, {&g});
  EXPECT_DOUBLE_EQ(p(0), 0.95 + (0.9 * -0.05 + 0.1));
}

TEST(TrainMlp, AdamStepsMatchHandComputedValues) {
  // p -= 0.1 * sqrt(1 - 0.999^t) / (1 - 0.9^t) * m / (sqrt(v) + 1e-7), worked out by hand for p = 1
  // and gradients 0.5, -1, 0.25.
  Adam<double> adam(0.1);
  MatrixD p = MatrixD::Constant(1, 1, 1.0), g(1, 1);
  const double gradients[] = {0.5, -1.0, 0.25};
  const double expected[] = {0.9000006324515321, 0.9366108815953381, 0.9502799101487422};
  for (int t = 0; t < 3; ++t) {
    g(0) = gradients[t];
    adam.step({&p}, {&g});
    EXPECT_NEAR(p(0), expected[t], 1e-12) << "step " << t + 1;
  }
}

TEST(TrainMlp, FloatAdamMatchesDouble) {
  Adam<float> adam(0.001f);
  Mlp<float>::Matrix p = Mlp<float>::Matrix::Constant(1, 1, 1.0f), g = Mlp<float>::Matrix::Constant(1, 1, 0.5f);
  adam.step({&p}, {&g});
  // Step 1: m = 0.05, v = 0.00025, rate = 0.001 * sqrt(0.001) / 0.1.
  EXPECT_NEAR(p(0), 1 - 0.001 * std::sqrt(0.001) / 0.1 * 0.05 / (std::sqrt(0.00025) + 1e-7), 1e-7);
}

TEST(TrainMlp, GlorotUniformWeightsZeroBiasesAndSeeded) {
  std::mt19937 a(11), b(11), c(12);
  const std::vector<DenseLayer> spec = relu_layers({64, 64, 1});
  Mlp<float> net(3, spec, a), same(3, spec, b), other(3, spec, c);
  const auto& layers = net.layers();
  ASSERT_EQ(layers.size(), 3u);
  EXPECT_TRUE(layers[0].activation == Activation::relu && layers[1].activation == Activation::relu &&
              layers[2].activation == Activation::linear);
  for (std::size_t l = 0; l < layers.size(); ++l) {
    double limit = std::sqrt(6.0 / static_cast<double>(layers[l].weights.rows() + layers[l].weights.cols()));
    EXPECT_LE(layers[l].weights.cwiseAbs().maxCoeff(), limit);
    EXPECT_GT(layers[l].weights.cwiseAbs().maxCoeff(), 0.9 * limit);
    EXPECT_EQ(layers[l].bias.cwiseAbs().maxCoeff(), 0);
    EXPECT_EQ(layers[l].weights, same.layers()[l].weights);
    EXPECT_NE(layers[l].weights, other.layers()[l].weights);
  }
}

TEST(TrainMlp, UniformBelowCoversItsRangeOnly) {
  std::mt19937 rng(5);
  std::vector<int> seen(7);
  for (int i = 0; i < 7000; ++i) ++seen.at(uniform_below(rng, 7));
  for (int count : seen) EXPECT_GT(count, 800);
  EXPECT_EQ(uniform_below(rng, 1), 0u);
}

}  // namespace
}  // namespace edgeml::train
