// The optimisers a model can be trained with, stepping every parameter given
// its gradient (the same parameters, in the same order, each call):
//   Adam as Keras computes it: m and v moving averages of the gradient and its
//   square, p -= lr * sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + epsilon);
//   SGD with momentum as Keras computes it: velocity = momentum * velocity - lr * g,
//   p += velocity.
#pragma once

#include <memory>
#include <vector>

#include "train/mlp.h"
#include "train/model_spec.h"

namespace edgeml::train {

template <typename Scalar>
class Optimizer {
 public:
  using Matrix = typename Mlp<Scalar>::Matrix;
  virtual ~Optimizer() = default;
  virtual void step(const std::vector<Matrix*>& parameters, const std::vector<Matrix*>& gradients) = 0;
};

template <typename Scalar>
class Adam final : public Optimizer<Scalar> {
 public:
  using Matrix = typename Mlp<Scalar>::Matrix;

  explicit Adam(Scalar learning_rate, Scalar beta1 = Scalar(0.9), Scalar beta2 = Scalar(0.999),
                Scalar epsilon = Scalar(1e-7))
      : learning_rate_(learning_rate), beta1_(beta1), beta2_(beta2), epsilon_(epsilon) {}

  void step(const std::vector<Matrix*>& parameters, const std::vector<Matrix*>& gradients) override;

 private:
  Scalar learning_rate_, beta1_, beta2_, epsilon_;
  long steps_ = 0;
  std::vector<Matrix> m_, v_;
};

template <typename Scalar>
class Sgd final : public Optimizer<Scalar> {
 public:
  using Matrix = typename Mlp<Scalar>::Matrix;

  Sgd(Scalar learning_rate, Scalar momentum) : learning_rate_(learning_rate), momentum_(momentum) {}

  void step(const std::vector<Matrix*>& parameters, const std::vector<Matrix*>& gradients) override;

 private:
  Scalar learning_rate_, momentum_;
  std::vector<Matrix> velocity_;
};

template <typename Scalar>
std::unique_ptr<Optimizer<Scalar>> make_optimizer(const OptimizerSpec& spec);

}  // namespace edgeml::train
