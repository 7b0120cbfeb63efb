#include "train/loss.h"

namespace edgeml::train {

template <typename Scalar>
Scalar LossFunction<Scalar>::value(const Matrix& prediction, const Matrix& truth) const {
  auto e = (prediction - truth).array();
  switch (kind) {
    case Loss::mae: return e.abs().mean();
    case Loss::mse: return e.square().mean();
    case Loss::huber: {
      const Scalar d = huber_delta;
      return (e.abs() <= d).select(Scalar(0.5) * e.square(), d * (e.abs() - Scalar(0.5) * d)).mean();
    }
  }
  return 0;
}

template <typename Scalar>
void LossFunction<Scalar>::gradient(const Matrix& prediction, const Matrix& truth, Matrix& gradient) const {
  gradient.resize(prediction.rows(), prediction.cols());
  auto e = (prediction - truth).array();
  const Scalar per_row = Scalar(1) / static_cast<Scalar>(prediction.size());
  switch (kind) {
    case Loss::mae: gradient.array() = e.sign() * per_row; break;
    case Loss::mse: gradient.array() = e * (2 * per_row); break;
    case Loss::huber: {
      const Scalar d = huber_delta;
      gradient.array() = (e.abs() <= d).select(e, d * e.sign()) * per_row;
      break;
    }
  }
}

template struct LossFunction<float>;
template struct LossFunction<double>;

}  // namespace edgeml::train
