// The float products of training (float_kernels.h) against the plain triple
// loop, bit for bit, over shapes that take every path: whole blocks of rows,
// single vectors, half-width vectors, leftover rows and columns, and B read
// transposed.
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "train/float_kernels.h"

namespace edgeml::train {
namespace {

std::vector<float> random_values(std::size_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-2, 2);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

TEST(FloatKernels, EqualsThePlainLoopBitForBit) {
  std::mt19937 rng(7);
  for (std::size_t rows : {1, 3, 4, 7, 8, 13, 30, 32, 33, 64, 75})
    for (std::size_t depth : {1, 3, 32, 64})
      for (std::size_t cols : {1, 2, 3, 5, 64})
        for (bool transposed : {false, true}) {
          const ProductShape shape{rows, depth, cols, transposed ? cols : 1, transposed ? 1 : depth};
          const std::vector<float> a = random_values(rows * depth, rng), b = random_values(depth * cols, rng),
                                   bias = random_values(cols, rng);
          std::vector<float> c(rows * cols);
          multiply(shape, a.data(), b.data(), bias.data(), c.data());
          for (std::size_t i = 0; i < rows; ++i)
            for (std::size_t j = 0; j < cols; ++j) {
              float sum = 0;
              for (std::size_t k = 0; k < depth; ++k) {
                const float product = a[k * rows + i] * b[k * shape.b_row_step + j * shape.b_col_step];
                sum = sum + product;  // rounded apart from the multiply, as the file is built
              }
              sum = sum + bias[j];
              ASSERT_EQ(c[j * rows + i], sum) << rows << "x" << depth << "x" << cols << " at " << i << "," << j;
            }
        }
}

TEST(FloatKernels, TransposesEveryShape) {
  std::mt19937 rng(5);
  for (std::size_t rows : {1, 3, 4, 6, 32, 33})
    for (std::size_t cols : {1, 2, 4, 7, 64}) {
      const std::vector<float> a = random_values(rows * cols, rng);
      std::vector<float> t(rows * cols, -1);
      transpose(a.data(), rows, cols, t.data());
      for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t j = 0; j < cols; ++j) ASSERT_EQ(t[j + i * cols], a[i + j * rows]) << rows << "x" << cols;
    }
}

TEST(FloatKernels, PassesTheGradientWhereTheOutputIsPositive) {
  const std::vector<float> out = {1, 0, -0.0f, -1, 2, 0.5f, 0, 3, 1e-30f};
  std::vector<float> delta = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  pass_where_positive(out.data(), delta.data(), delta.size());
  EXPECT_EQ(delta, (std::vector<float>{1, 0, 0, 0, 5, 6, 0, 8, 9}));
}

}  // namespace
}  // namespace edgeml::train
