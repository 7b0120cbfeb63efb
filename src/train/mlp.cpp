#include "train/mlp.h"

#include <cmath>
#include <type_traits>

#include "train/float_kernels.h"
#include "train/random.h"

namespace edgeml::train {

template <typename Scalar>
Mlp<Scalar>::Mlp(int inputs, const std::vector<DenseLayer>& layers, std::mt19937& rng) {
  int in = inputs;
  for (const DenseLayer& spec : layers) {
    const int out = spec.units;
    // Glorot (Xavier) uniform: limit sqrt(6 / (fan_in + fan_out)), Keras' Dense default.
    double limit = std::sqrt(6.0 / (in + out));
    Layer layer;
    layer.weights = Matrix::NullaryExpr(in, out, [&] { return static_cast<Scalar>(uniform_between(rng, -limit, limit)); });
    layer.bias = Matrix::Zero(1, out);
    layer.activation = spec.activation;
    layers_.push_back(layer);
    gradients_.push_back({Matrix::Zero(in, out), Matrix::Zero(1, out), spec.activation});
    in = out;
  }
  activations_.resize(layers_.size() + 1);
  deltas_.resize(layers_.size());
  point_at_members();
}

template <typename Scalar>
Mlp<Scalar>::Mlp(const Mlp& other)
    : layers_(other.layers_), gradients_(other.gradients_), activations_(other.activations_), deltas_(other.deltas_) {
  point_at_members();
}

template <typename Scalar>
Mlp<Scalar>& Mlp<Scalar>::operator=(const Mlp& other) {
  layers_ = other.layers_;
  gradients_ = other.gradients_;
  activations_ = other.activations_;
  deltas_ = other.deltas_;
  point_at_members();
  return *this;
}

// The pointer lists are kept so that an optimiser's step, once per batch,
// does not build them again.
template <typename Scalar>
void Mlp<Scalar>::point_at_members() {
  parameters_.clear();
  gradients_pointers_.clear();
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    parameters_.insert(parameters_.end(), {&layers_[l].weights, &layers_[l].bias});
    gradients_pointers_.insert(gradients_pointers_.end(), {&gradients_[l].weights, &gradients_[l].bias});
  }
}

template <typename Scalar>
void activate(Activation activation, typename Mlp<Scalar>::Matrix& m) {
  auto a = m.array();
  switch (activation) {
    case Activation::linear: break;
    case Activation::relu: a = a.max(Scalar(0)); break;
    case Activation::relu6: a = a.max(Scalar(0)).min(Scalar(6)); break;
    case Activation::tanh: a = a.tanh(); break;
    case Activation::sigmoid: a = Scalar(1) / (Scalar(1) + (-a).exp()); break;
  }
}

template <typename Scalar>
void scale_by_derivative(Activation activation, const typename Mlp<Scalar>::Matrix& out,
                         typename Mlp<Scalar>::Matrix& delta) {
  auto o = out.array();
  auto d = delta.array();
  switch (activation) {
    case Activation::linear: break;
    // ReLU and ReLU6 pass the gradient where their output was inside the
    // linear part, as TensorFlow's gradients do (none at the edges).
    case Activation::relu:
      if constexpr (std::is_same_v<Scalar, float>)
        pass_where_positive(out.data(), delta.data(), static_cast<std::size_t>(delta.size()));
      else
        d = (o > Scalar(0)).select(d, Scalar(0));
      break;
    case Activation::relu6: d = (o > Scalar(0) && o < Scalar(6)).select(d, Scalar(0)); break;
    case Activation::tanh: d *= Scalar(1) - o.square(); break;
    case Activation::sigmoid: d *= o * (Scalar(1) - o); break;
  }
}

namespace {

// Floats go through float_kernels.h; doubles (gradient checks) through Eigen.
template <typename Matrix>
constexpr bool kOwnProduct = std::is_same_v<typename Matrix::Scalar, float>;

// out = in * weights + bias.
template <typename Matrix>
void affine(const Matrix& in, const Matrix& weights, const Matrix& bias, Matrix& out) {
  out.resize(in.rows(), weights.cols());
  if constexpr (kOwnProduct<Matrix>) {
    const ProductShape shape{static_cast<std::size_t>(in.rows()), static_cast<std::size_t>(in.cols()),
                             static_cast<std::size_t>(weights.cols()), 1, static_cast<std::size_t>(weights.rows())};
    multiply(shape, in.data(), weights.data(), bias.data(), out.data());
  } else {
    out.noalias() = in * weights;
    out.rowwise() += bias.row(0);
  }
}

// gradient = in^T * delta, as a product down the longer of its two sides
// (through a transposed copy of whichever operand needs one).
template <typename Matrix>
void weight_gradient(const Matrix& in, const Matrix& delta, Matrix& gradient, Matrix& scratch, Matrix& product) {
  if constexpr (kOwnProduct<Matrix>) {
    const auto batch = static_cast<std::size_t>(in.rows());
    const auto n_in = static_cast<std::size_t>(in.cols()), n_out = static_cast<std::size_t>(delta.cols());
    if (n_in >= n_out) {
      scratch.resize(in.cols(), in.rows());
      transpose(in.data(), batch, n_in, scratch.data());
      multiply({n_in, batch, n_out, 1, batch}, scratch.data(), delta.data(), nullptr, gradient.data());
    } else {
      scratch.resize(delta.cols(), delta.rows());
      transpose(delta.data(), batch, n_out, scratch.data());
      product.resize(delta.cols(), in.cols());
      multiply({n_out, batch, n_in, 1, batch}, scratch.data(), in.data(), nullptr, product.data());
      transpose(product.data(), n_out, n_in, gradient.data());
    }
  } else {
    gradient.noalias() = in.transpose() * delta;
  }
}

// in_delta = delta * weights^T.
template <typename Matrix>
void input_delta(const Matrix& delta, const Matrix& weights, Matrix& in_delta) {
  in_delta.resize(delta.rows(), weights.rows());
  if constexpr (kOwnProduct<Matrix>) {
    const auto n_in = static_cast<std::size_t>(weights.rows());
    multiply({static_cast<std::size_t>(delta.rows()), static_cast<std::size_t>(delta.cols()), n_in, n_in, 1},
             delta.data(), weights.data(), nullptr, in_delta.data());
  } else {
    in_delta.noalias() = delta * weights.transpose();
  }
}

}  // namespace

template <typename Scalar>
const typename Mlp<Scalar>::Matrix& Mlp<Scalar>::forward(const Matrix& x) {
  activations_[0] = x;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const Layer& layer = layers_[l];
    affine(activations_[l], layer.weights, layer.bias, activations_[l + 1]);
    activate<Scalar>(layer.activation, activations_[l + 1]);
  }
  return activations_.back();
}

template <typename Scalar>
typename Mlp<Scalar>::Matrix Mlp<Scalar>::predict(const Matrix& x) const {
  Matrix a = x, out;
  for (const Layer& layer : layers_) {
    affine(a, layer.weights, layer.bias, out);
    activate<Scalar>(layer.activation, out);
    std::swap(a, out);
  }
  return a;
}

template <typename Scalar>
void Mlp<Scalar>::backward(const Matrix& output_gradient) {
  deltas_.back() = output_gradient;
  for (std::size_t l = layers_.size(); l-- > 0;) {
    Matrix& delta = deltas_[l];  // the gradient with respect to layer l's output
    scale_by_derivative<Scalar>(layers_[l].activation, activations_[l + 1], delta);
    weight_gradient(activations_[l], delta, gradients_[l].weights, scratch_, product_);
    gradients_[l].bias = delta.colwise().sum();
    if (l > 0) input_delta(delta, layers_[l].weights, deltas_[l - 1]);
  }
}

template class Mlp<float>;
template class Mlp<double>;
template void activate<float>(Activation, Mlp<float>::Matrix&);
template void activate<double>(Activation, Mlp<double>::Matrix&);
template void scale_by_derivative<float>(Activation, const Mlp<float>::Matrix&, Mlp<float>::Matrix&);
template void scale_by_derivative<double>(Activation, const Mlp<double>::Matrix&, Mlp<double>::Matrix&);

}  // namespace edgeml::train
