#include "train/float_kernels.h"

#include <cmath>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

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
  // Accumulators, A's vectors and a broadcast within 16 registers. Of 4 x 2,
  // 2 x 6 and 1 x 12 vectors by columns, 2 x 6 was fastest at AVX2: a 32-row
  // batch's products, forward and backward, 12.5 us against 14.3 and 26.1.
  constexpr int kCols = Vectors == 2 ? 6 : 4;
  std::size_t col = 0;
  for (; col + kCols <= p.shape.cols; col += kCols) tile<Lanes, Vectors, kCols>(p, row, col);
  for (; col < p.shape.cols; ++col) tile<Lanes, Vectors, 1>(p, row, col);
}

// Rows in blocks of 2 vectors, then single vectors, then (when Lanes is 8)
// half-width ones, then one at a time.
template <int Lanes>
[[gnu::always_inline]] inline void run(const Product& p) {
  const std::size_t rows = p.shape.rows;
  std::size_t row = 0;
  if constexpr (Lanes > 1) {
    for (; row + 2 * Lanes <= rows; row += 2 * Lanes) columns<Lanes, 2>(p, row);
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

bool has_avx2() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2");
#else
  return false;
#endif
}

RunFn choose() {
#if defined(__x86_64__) || defined(__i386__)
  if (has_avx2()) return run_avx2;
#endif
  return run_baseline;
}

#if defined(__x86_64__) || defined(__i386__)
// Exact square roots, in place: Eigen's SSE one (EIGEN_FAST_MATH) is an
// estimate refined once. Not always_inline: GCC will not inline an AVX2
// function into a baseline one such as adam_lanes, so adam_avx2 flattens.
inline void square_root(Vector<4>& x) { x = _mm_sqrt_ps(x); }
[[gnu::target("avx2")]] inline void square_root(Vector<8>& x) { x = _mm256_sqrt_ps(x); }

template <int Lanes>
inline void adam_lanes(const AdamCoefficients& c, const float* g, float* m, float* v, float* p,
                                              std::size_t n) {
  using V = Vector<Lanes>;
  std::size_t i = 0;
  for (; i + Lanes <= n; i += Lanes) {
    V gi, mi, vi, pi;
    std::memcpy(&gi, g + i, sizeof gi);
    std::memcpy(&mi, m + i, sizeof mi);
    std::memcpy(&vi, v + i, sizeof vi);
    std::memcpy(&pi, p + i, sizeof pi);
    mi = c.beta1 * mi + c.one_minus_beta1 * gi;
    vi = c.beta2 * vi + c.one_minus_beta2 * (gi * gi);
    V root = vi;
    square_root(root);
    pi = pi - c.rate * mi / (root + c.epsilon);
    std::memcpy(m + i, &mi, sizeof mi);
    std::memcpy(v + i, &vi, sizeof vi);
    std::memcpy(p + i, &pi, sizeof pi);
  }
  for (; i < n; ++i) {
    m[i] = c.beta1 * m[i] + c.one_minus_beta1 * g[i];
    v[i] = c.beta2 * v[i] + c.one_minus_beta2 * (g[i] * g[i]);
    p[i] = p[i] - c.rate * m[i] / (std::sqrt(v[i]) + c.epsilon);
  }
}

using AdamFn = void (*)(const AdamCoefficients&, const float*, float*, float*, float*, std::size_t);
[[gnu::target("avx2"), gnu::flatten]] void adam_avx2(const AdamCoefficients& c, const float* g, float* m, float* v, float* p,
                                       std::size_t n) {
  adam_lanes<8>(c, g, m, v, p, n);
}
void adam_sse(const AdamCoefficients& c, const float* g, float* m, float* v, float* p, std::size_t n) {
  adam_lanes<4>(c, g, m, v, p, n);
}
#endif

}  // namespace

void multiply(const ProductShape& shape, const float* a, const float* b, const float* bias, float* c) {
  static const RunFn chosen = choose();
  chosen(Product{shape, a, b, bias, c});
}

bool adam_update(const AdamCoefficients& c, const float* g, float* m, float* v, float* p, std::size_t n) {
#if defined(__x86_64__) || defined(__i386__)
  static const AdamFn chosen = has_avx2() ? adam_avx2 : adam_sse;
  chosen(c, g, m, v, p, n);
  return true;
#else
  (void)c, (void)g, (void)m, (void)v, (void)p, (void)n;
  return false;
#endif
}

void transpose(const float* a, std::size_t rows, std::size_t cols, float* t) {
  std::size_t i = 0;
  if constexpr (kBaselineLanes == 4)
    for (; i + 4 <= rows; i += 4) {
      std::size_t j = 0;
      for (; j + 4 <= cols; j += 4) {
        using V = Vector<4>;
        V c[4];  // columns j..j+3 of rows i..i+3
#pragma GCC unroll 4
        for (std::size_t k = 0; k < 4; ++k) std::memcpy(&c[k], a + i + (j + k) * rows, sizeof(V));
        // Interleave pairs of columns, then pairs of pairs: each vector then a row.
        const V low01 = __builtin_shufflevector(c[0], c[1], 0, 4, 1, 5);
        const V high01 = __builtin_shufflevector(c[0], c[1], 2, 6, 3, 7);
        const V low23 = __builtin_shufflevector(c[2], c[3], 0, 4, 1, 5);
        const V high23 = __builtin_shufflevector(c[2], c[3], 2, 6, 3, 7);
        const V row[4] = {__builtin_shufflevector(low01, low23, 0, 1, 4, 5),
                          __builtin_shufflevector(low01, low23, 2, 3, 6, 7),
                          __builtin_shufflevector(high01, high23, 0, 1, 4, 5),
                          __builtin_shufflevector(high01, high23, 2, 3, 6, 7)};
#pragma GCC unroll 4
        for (std::size_t k = 0; k < 4; ++k) std::memcpy(t + j + (i + k) * cols, &row[k], sizeof(V));
      }
      for (; j < cols; ++j)
        for (std::size_t k = i; k < i + 4; ++k) t[j + k * cols] = a[k + j * rows];
    }
  for (; i < rows; ++i)
    for (std::size_t j = 0; j < cols; ++j) t[j + i * cols] = a[i + j * rows];
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
