#include "train/dense_product.h"

#include <cstring>

namespace edgeml::train {

namespace {

template <int Lanes>
struct VectorOf {
  using type [[gnu::vector_size(Lanes * sizeof(float))]] = float;
};
template <>
struct VectorOf<1> {
  using type = float;
};
template <int Lanes>
using Vector = typename VectorOf<Lanes>::type;

struct Product {
  const ProductShape& shape;
  const float *a, *b, *bias;
  float* c;
};

// C's rows [row, row + Vectors * Lanes) of its columns [col, col + Cols):
// the sums stay in registers over the whole depth, each element of A loaded
// once for all Cols columns.
template <int Lanes, int Vectors, int Cols>
[[gnu::always_inline]] inline void tile(const Product& p, std::size_t row, std::size_t col) {
  using V = Vector<Lanes>;
  const ProductShape& s = p.shape;
  V sum[Cols][Vectors] = {};
  for (std::size_t k = 0; k < s.depth; ++k) {
    V a[Vectors];
#pragma GCC unroll 8
    for (int v = 0; v < Vectors; ++v) std::memcpy(&a[v], p.a + k * s.rows + row + v * Lanes, sizeof(V));
#pragma GCC unroll 8
    for (int j = 0; j < Cols; ++j) {
      // x - 0 broadcasts x, and is x even for -0.
      const V b = p.b[k * s.b_row_step + (col + j) * s.b_col_step] - V{};
#pragma GCC unroll 8
      for (int v = 0; v < Vectors; ++v) sum[j][v] += a[v] * b;
    }
  }
  // Unrolled, so that the sums are registers rather than an array in memory.
#pragma GCC unroll 8
  for (int j = 0; j < Cols; ++j)
#pragma GCC unroll 8
    for (int v = 0; v < Vectors; ++v) {
      if (p.bias) sum[j][v] += p.bias[col + j] - V{};
      std::memcpy(p.c + (col + j) * s.rows + row + v * Lanes, &sum[j][v], sizeof(V));
    }
}

template <int Lanes, int Vectors>
[[gnu::always_inline]] inline void columns(const Product& p, std::size_t row) {
  // Accumulators and A's vectors within 16 registers.
  constexpr int kCols = Vectors >= 4 ? 2 : 4;
  std::size_t col = 0;
  for (; col + kCols <= p.shape.cols; col += kCols) tile<Lanes, Vectors, kCols>(p, row, col);
  for (; col < p.shape.cols; ++col) tile<Lanes, Vectors, 1>(p, row, col);
}

// Rows in blocks of 4 vectors, then single vectors, then (when Lanes is 8)
// half-width ones, then one at a time.
template <int Lanes>
[[gnu::always_inline]] inline void run(const Product& p) {
  const std::size_t rows = p.shape.rows;
  std::size_t row = 0;
  if constexpr (Lanes > 1) {
    for (; row + 4 * Lanes <= rows; row += 4 * Lanes) columns<Lanes, 4>(p, row);
    for (; row + Lanes <= rows; row += Lanes) columns<Lanes, 1>(p, row);
  }
  if constexpr (Lanes > 4)
    for (; row + 4 <= rows; row += 4) columns<4, 1>(p, row);
  for (; row < rows; ++row) columns<1, 1>(p, row);
}

using RunFn = void (*)(const Product&);

#if defined(__x86_64__) || defined(__i386__)
[[gnu::target("avx2")]] void run_avx2(const Product& p) { run<8>(p); }
#endif
// 32-bit ARM's baseline has no NEON: GCC's 4-lane vectors would become VFP
// code that spills, slower than scalars.
#if defined(__arm__)
constexpr int kBaselineLanes = 1;
#else
constexpr int kBaselineLanes = 4;
#endif
void run_baseline(const Product& p) { run<kBaselineLanes>(p); }

RunFn choose() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2")) return run_avx2;
#endif
  return run_baseline;
}

}  // namespace

void multiply(const ProductShape& shape, const float* a, const float* b, const float* bias, float* c) {
  static const RunFn chosen = choose();
  chosen(Product{shape, a, b, bias, c});
}

void pass_where_positive(const float* out, float* delta, std::size_t n) {
  using V = Vector<kBaselineLanes>;
  std::size_t i = 0;
  if constexpr (kBaselineLanes > 1)
    for (; i + kBaselineLanes <= n; i += kBaselineLanes) {
      V o, d;
      std::memcpy(&o, out + i, sizeof o);
      std::memcpy(&d, delta + i, sizeof d);
      d = o > V{} ? d : V{};
      std::memcpy(delta + i, &d, sizeof d);
    }
  for (; i < n; ++i) delta[i] = out[i] > 0 ? delta[i] : 0.0f;
}

}  // namespace edgeml::train
