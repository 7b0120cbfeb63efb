// The float arithmetic of each training step that Eigen did slowly.
//
// multiply(): the matrix products of a dense network: C = A B for a
// column-major A and C and a B read through strides (so that a transposed
// weight matrix needs no copy), optionally plus a bias per column of C.
//
// Why not Eigen's: for the shapes training takes (batches of 32 rows against
// 64 x 64 weights), Eigen's general product spends much of its time packing
// and blocking, and it is built for the baseline's 4 lanes (no -march). This
// one broadcasts B one element at a time against whole columns of A, and runs
// 8 lanes where the CPU has AVX2 (chosen at run time, once).
//
// Every element of C is the products added in order of depth from zero, each
// multiply and add rounded on its own (the file is built with
// -ffp-contract=off), then its bias: the same bits whatever the lanes.
#pragma once

#include <cstddef>

namespace edgeml::train {

struct ProductShape {
  std::size_t rows = 0, depth = 0, cols = 0;  // A: rows x depth, B: depth x cols, C: rows x cols
  // B(k, j) is b[k * b_row_step + j * b_col_step].
  std::size_t b_row_step = 1, b_col_step = 0;
};

// c = a * b (+ bias[j] on column j when bias is not null). c must not overlap a or b.
void multiply(const ProductShape& shape, const float* a, const float* b, const float* bias, float* c);

// t (cols x rows) = a (rows x cols) transposed, both column-major: in 4 x 4
// blocks held in registers, 0.13 us for 32 x 64 where Eigen's copy takes 0.46.
void transpose(const float* a, std::size_t rows, std::size_t cols, float* t);

// delta[i] = 0 where out[i] is not above 0: ReLU's gradient. Without a branch
// per element, which half the time a ReLU's output would mispredict.
void pass_where_positive(const float* out, float* delta, std::size_t n);

// Adam's step (optimizer.h) on n parameters p, their gradients g and moving
// averages m and v, each element rounded as optimizer.cpp's Eigen expression
// rounds it: m = beta1 m + (1 - beta1) g, v = beta2 v + (1 - beta2) g g,
// p = p - rate m / (sqrt(v) + epsilon), the square root exact. On x86 only
// (8 lanes where the CPU has AVX2, else SSE2's 4): false, with nothing done,
// elsewhere, where Eigen's square root is exact too (64-bit ARM; 32-bit
// ARM's scalars).
struct AdamCoefficients {
  float beta1, one_minus_beta1, beta2, one_minus_beta2, rate, epsilon;
};
bool adam_update(const AdamCoefficients& c, const float* g, float* m, float* v, float* p, std::size_t n);

}  // namespace edgeml::train
