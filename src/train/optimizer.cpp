#include "train/optimizer.h"

#include <cmath>
#include <type_traits>

#include "train/float_kernels.h"

namespace edgeml::train {

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
    if constexpr (std::is_same_v<Scalar, float>) {
      const AdamCoefficients c{beta1_, 1 - beta1_, beta2_, 1 - beta2_, rate, epsilon_};
      if (adam_update(c, gradients[i]->data(), m_[i].data(), v_[i].data(), parameters[i]->data(),
                              static_cast<std::size_t>(parameters[i]->size())))
        continue;
    }
    const auto g = gradients[i]->array();
    auto m = m_[i].array(), v = v_[i].array();
    m = beta1_ * m + (1 - beta1_) * g;
    v = beta2_ * v + (1 - beta2_) * g.square();
    parameters[i]->array() -= rate * m / (v.sqrt() + epsilon_);
  }
}

template <typename Scalar>
void Sgd<Scalar>::step(const std::vector<Matrix*>& parameters, const std::vector<Matrix*>& gradients) {
  if (velocity_.empty())
    for (const Matrix* p : parameters) velocity_.push_back(Matrix::Zero(p->rows(), p->cols()));
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    auto velocity = velocity_[i].array();
    velocity = momentum_ * velocity - learning_rate_ * gradients[i]->array();
    parameters[i]->array() += velocity;
  }
}

template <typename Scalar>
std::unique_ptr<Optimizer<Scalar>> make_optimizer(const OptimizerSpec& spec) {
  const auto rate = static_cast<Scalar>(spec.learning_rate);
  if (spec.kind == OptimizerKind::sgd) return std::make_unique<Sgd<Scalar>>(rate, static_cast<Scalar>(spec.momentum));
  return std::make_unique<Adam<Scalar>>(rate);
}

template class Adam<float>;
template class Adam<double>;
template class Sgd<float>;
template class Sgd<double>;
template std::unique_ptr<Optimizer<float>> make_optimizer<float>(const OptimizerSpec&);
template std::unique_ptr<Optimizer<double>> make_optimizer<double>(const OptimizerSpec&);

}  // namespace edgeml::train
