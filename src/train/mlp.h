// A small multilayer perceptron of dense layers (Keras' Dense: y = x W + b,
// optional ReLU), trained on the mean absolute error. Scalar is float for
// training (as Keras) and double for checking gradients.
#pragma once

#include <random>
#include <vector>

#include <Eigen/Core>

namespace edgeml::train {

template <typename Scalar>
class Mlp {
 public:
  using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;

  struct Layer {
    Matrix weights;  // inputs x units
    Matrix bias;     // 1 x units
    bool relu = false;
  };

  // widths: inputs, hidden units..., outputs; ReLU after every hidden layer.
  // Weights Glorot-uniform from `rng`, biases zero.
  Mlp(const std::vector<int>& widths, std::mt19937& rng);

  // Outputs, one row per row of x; keeps what backward() needs.
  const Matrix& forward(const Matrix& x);
  // The same without keeping anything.
  Matrix predict(const Matrix& x) const;
  // Gradients of a loss with respect to every weight and bias, given its
  // gradient with respect to the outputs of the last forward().
  void backward(const Matrix& output_gradient);

  std::vector<Layer>& layers() { return layers_; }
  const std::vector<Layer>& layers() const { return layers_; }
  // Weights and biases, layer by layer, and their gradients in the same order.
  std::vector<Matrix*> parameters();
  std::vector<Matrix*> gradients();

 private:
  std::vector<Layer> layers_;
  std::vector<Layer> gradients_;
  std::vector<Matrix> activations_;  // layer inputs, then the output
};

// Mean absolute error and its gradient with respect to `prediction`:
// sign(prediction - truth) / rows (0 where they are equal, as TensorFlow's abs).
template <typename Scalar>
Scalar mean_absolute_error(const typename Mlp<Scalar>::Matrix& prediction, const typename Mlp<Scalar>::Matrix& truth);
template <typename Scalar>
typename Mlp<Scalar>::Matrix mean_absolute_error_gradient(const typename Mlp<Scalar>::Matrix& prediction,
                                                          const typename Mlp<Scalar>::Matrix& truth);

// Adam as Keras computes it: m and v moving averages of the gradient and its
// square, each step p -= lr * sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + epsilon).
template <typename Scalar>
class Adam {
 public:
  using Matrix = typename Mlp<Scalar>::Matrix;

  explicit Adam(Scalar learning_rate, Scalar beta1 = Scalar(0.9), Scalar beta2 = Scalar(0.999),
                Scalar epsilon = Scalar(1e-7))
      : learning_rate_(learning_rate), beta1_(beta1), beta2_(beta2), epsilon_(epsilon) {}

  // One step for every parameter given its gradient (the same order each call).
  void step(const std::vector<Matrix*>& parameters, const std::vector<Matrix*>& gradients);

 private:
  Scalar learning_rate_, beta1_, beta2_, epsilon_;
  long steps_ = 0;
  std::vector<Matrix> m_, v_;
};

}  // namespace edgeml::train
