// The losses a model can be trained on, as Keras defines them, each the mean
// over the batch's rows: mae |e|, mse e^2, and huber 0.5 e^2 where |e| <= delta,
// delta * (|e| - 0.5 delta) beyond, for e = prediction - truth.
#pragma once

#include "train/mlp.h"
#include "train/model_spec.h"

namespace edgeml::train {

template <typename Scalar>
struct LossFunction {
  using Matrix = typename Mlp<Scalar>::Matrix;

  Loss kind = Loss::mae;
  Scalar huber_delta = 1;

  Scalar value(const Matrix& prediction, const Matrix& truth) const;
  // d loss / d prediction into `gradient` (resized to the prediction's shape).
  // The gradient of |e| at 0 is 0, as TensorFlow's abs has it.
  void gradient(const Matrix& prediction, const Matrix& truth, Matrix& gradient) const;
};

template <typename Scalar>
Scalar mean_absolute_error(const typename Mlp<Scalar>::Matrix& prediction, const typename Mlp<Scalar>::Matrix& truth) {
  return LossFunction<Scalar>{}.value(prediction, truth);
}

}  // namespace edgeml::train
