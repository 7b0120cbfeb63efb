// A small multilayer perceptron of dense layers (Keras' Dense: y = x W + b,
// then the layer's activation). Scalar is float for training (as Keras) and
// double for checking gradients. Once a batch size has been seen, forward()
// and backward() reuse their buffers: an epoch allocates nothing.
#pragma once

#include <random>
#include <vector>

#include <Eigen/Core>

#include "train/model_spec.h"

namespace edgeml::train {

template <typename Scalar>
class Mlp {
 public:
  using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;

  struct Layer {
    Matrix weights;  // inputs x units
    Matrix bias;     // 1 x units
    Activation activation = Activation::linear;
  };

  // Layers reading `inputs` values; weights Glorot-uniform from `rng`, biases zero.
  Mlp(int inputs, const std::vector<DenseLayer>& layers, std::mt19937& rng);

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
  const std::vector<Matrix*>& parameters() { return parameters_; }
  const std::vector<Matrix*>& gradients() { return gradients_pointers_; }

  Mlp(const Mlp& other);
  Mlp& operator=(const Mlp& other);

 private:
  void point_at_members();

  std::vector<Layer> layers_;
  std::vector<Layer> gradients_;
  std::vector<Matrix> activations_;  // layer inputs, then the output
  std::vector<Matrix> deltas_;       // the loss's gradient at each layer's output
  std::vector<Matrix*> parameters_, gradients_pointers_;
  Matrix scratch_, product_;  // backward()'s transposed copies, never copied with the network
};

// Applies `activation` to every element of `m`, and multiplies `delta` by
// its derivative, told from the activation's output `out`.
template <typename Scalar>
void activate(Activation activation, typename Mlp<Scalar>::Matrix& m);
template <typename Scalar>
void scale_by_derivative(Activation activation, const typename Mlp<Scalar>::Matrix& out,
                         typename Mlp<Scalar>::Matrix& delta);

}  // namespace edgeml::train
