#include "train/mlp.h"

#include <cmath>

#include "train/random.h"

namespace edgeml::train {

template <typename Scalar>
Mlp<Scalar>::Mlp(const std::vector<int>& widths, std::mt19937& rng) {
  for (std::size_t i = 1; i < widths.size(); ++i) {
    int in = widths[i - 1], out = widths[i];
    // Glorot (Xavier) uniform: limit sqrt(6 / (fan_in + fan_out)), Keras' Dense default.
    double limit = std::sqrt(6.0 / (in + out));
    Layer layer;
    layer.weights = Matrix::NullaryExpr(in, out, [&] { return static_cast<Scalar>(uniform_between(rng, -limit, limit)); });
    layer.bias = Matrix::Zero(1, out);
    layer.relu = i + 1 < widths.size();
    layers_.push_back(layer);
    gradients_.push_back({Matrix::Zero(in, out), Matrix::Zero(1, out), layer.relu});
  }
}

template <typename Scalar>
const typename Mlp<Scalar>::Matrix& Mlp<Scalar>::forward(const Matrix& x) {
  activations_.resize(layers_.size() + 1);
  activations_[0] = x;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const Layer& layer = layers_[l];
    Matrix& out = activations_[l + 1];
    out.noalias() = activations_[l] * layer.weights;
    out.rowwise() += layer.bias.row(0);
    if (layer.relu) out = out.cwiseMax(Scalar(0));
  }
  return activations_.back();
}

template <typename Scalar>
typename Mlp<Scalar>::Matrix Mlp<Scalar>::predict(const Matrix& x) const {
  Matrix a = x;
  for (const Layer& layer : layers_) {
    Matrix out = a * layer.weights;
    out.rowwise() += layer.bias.row(0);
    a = layer.relu ? Matrix(out.cwiseMax(Scalar(0))) : out;
  }
  return a;
}

template <typename Scalar>
void Mlp<Scalar>::backward(const Matrix& output_gradient) {
  Matrix delta = output_gradient;  // gradient with respect to layer l's output
  for (std::size_t l = layers_.size(); l-- > 0;) {
    const Layer& layer = layers_[l];
    // ReLU passes the gradient where its output was positive.
    if (layer.relu) delta = (activations_[l + 1].array() > Scalar(0)).select(delta, Scalar(0));
    gradients_[l].weights.noalias() = activations_[l].transpose() * delta;
    gradients_[l].bias = delta.colwise().sum();
    if (l > 0) delta = delta * layer.weights.transpose();
  }
}

template <typename Scalar>
std::vector<typename Mlp<Scalar>::Matrix*> Mlp<Scalar>::parameters() {
  std::vector<Matrix*> p;
  for (Layer& layer : layers_) p.insert(p.end(), {&layer.weights, &layer.bias});
  return p;
}

template <typename Scalar>
std::vector<typename Mlp<Scalar>::Matrix*> Mlp<Scalar>::gradients() {
  std::vector<Matrix*> g;
  for (Layer& layer : gradients_) g.insert(g.end(), {&layer.weights, &layer.bias});
  return g;
}

template <typename Scalar>
Scalar mean_absolute_error(const typename Mlp<Scalar>::Matrix& prediction, const typename Mlp<Scalar>::Matrix& truth) {
  return (prediction - truth).cwiseAbs().mean();
}

template <typename Scalar>
typename Mlp<Scalar>::Matrix mean_absolute_error_gradient(const typename Mlp<Scalar>::Matrix& prediction,
                                                          const typename Mlp<Scalar>::Matrix& truth) {
  return (prediction - truth).cwiseSign() / static_cast<Scalar>(prediction.rows());
}

template <typename Scalar>
void Adam<Scalar>::step(const std::vector<Matrix*>& parameters, const std::vector<Matrix*>& gradients) {
  if (m_.empty())
    for (const Matrix* p : parameters) {
      m_.push_back(Matrix::Zero(p->rows(), p->cols()));
      v_.push_back(Matrix::Zero(p->rows(), p->cols()));
    }
  ++steps_;
  double t = static_cast<double>(steps_);
  auto rate = static_cast<Scalar>(learning_rate_ * std::sqrt(1 - std::pow(double{beta2_}, t)) /
                                  (1 - std::pow(double{beta1_}, t)));
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    const Matrix& g = *gradients[i];
    m_[i] = beta1_ * m_[i] + (1 - beta1_) * g;
    v_[i] = beta2_ * v_[i] + (1 - beta2_) * g.cwiseAbs2();
    parameters[i]->array() -= rate * m_[i].array() / (v_[i].array().sqrt() + epsilon_);
  }
}

template class Mlp<float>;
template class Mlp<double>;
template class Adam<float>;
template class Adam<double>;
template float mean_absolute_error<float>(const Mlp<float>::Matrix&, const Mlp<float>::Matrix&);
template double mean_absolute_error<double>(const Mlp<double>::Matrix&, const Mlp<double>::Matrix&);
template Mlp<float>::Matrix mean_absolute_error_gradient<float>(const Mlp<float>::Matrix&, const Mlp<float>::Matrix&);
template Mlp<double>::Matrix mean_absolute_error_gradient<double>(const Mlp<double>::Matrix&, const Mlp<double>::Matrix&);

}  // namespace edgeml::train
