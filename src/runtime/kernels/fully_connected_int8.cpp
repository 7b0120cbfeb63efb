// FULLY_CONNECTED on int8 with TensorFlow Lite's integer semantics:
// acc = bias[o] + sum_i (x[i] - x_zero) * w[o][i] in int32, rescaled by
// in_scale * w_scale / out_scale in fixed point, plus the output zero point,
// clamped to the fused activation's range. Weights are symmetric (zero point 0).
//
// Planned at load, as the float kernel is (fully_connected.cpp): the weights
// are packed into panels of up to 4 vectors of outputs, [in_units][width] of
// int16 (zero-padded), so run() broadcasts one input at a time and multiplies
// it into a whole panel of int32 sums in registers, which start from each
// output's offset (below). int16 halves the panels' memory against int32,
// and is widened as it is loaded. Integer sums are exact in any order: every
// vector width gives the plain loop's results. The sums are then rescaled in
// TensorFlow Lite's fixed point: by AVX2 a vector at a time, else one by one.
#include <algorithm>
#include <cstring>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include <fmt/format.h>

#include "core/error.h"
#include "runtime/kernels/fixed_point.h"
#include "runtime/kernels/kernel.h"
#include "runtime/kernels/panel_variants.h"

namespace edgeml::runtime {

namespace {

constexpr std::size_t kAlign = 32;  // int16 weights of a panel row start on a 32-byte boundary

// The arithmetic of one kind of vector of int32 sums, for the loops below.
// Generic<Lanes>: GCC's vector extensions (SSE2 on x86-64, NEON on 64-bit ARM).
template <typename T, int Lanes>
struct VecOf {
  using type [[gnu::vector_size(Lanes * sizeof(T))]] = T;
};

template <int Lanes>
struct Generic {
  static constexpr int lanes = Lanes;
  using Sums = typename VecOf<std::int32_t, Lanes>::type;
  using Weights = typename VecOf<std::int16_t, Lanes>::type;
  static constexpr bool rescales = false;  // run_panel rescales one output at a time
  [[gnu::always_inline]] static void load(Sums& v, const std::int32_t* p) { std::memcpy(&v, p, sizeof v); }
  [[gnu::always_inline]] static void add_product(Sums& acc, std::int32_t x, const std::int16_t* w) {
    Weights wide;
    std::memcpy(&wide, w, sizeof wide);
    acc += (Sums{} + x) * __builtin_convertvector(wide, Sums);
  }
};
template <>
struct Generic<1> {
  static constexpr int lanes = 1;
  static constexpr bool rescales = false;
  using Sums = std::int32_t;
  [[gnu::always_inline]] static void load(Sums& v, const std::int32_t* p) { v = *p; }
  [[gnu::always_inline]] static void add_product(Sums& acc, std::int32_t x, const std::int16_t* w) { acc += x * *w; }
};

#if defined(__x86_64__) || defined(__i386__)
// AVX2 widens 8 weights as it loads them (VPMOVSXWD), where GCC 12 makes
// GCC's vector conversion of two halves and a shuffle: three times the work
// on the one port that shuffles. Not always_inline: GCC would refuse to
// inline it into run_panel before run_panel is inlined into run_avx2, which
// flattens them all.
struct Avx2 {
  static constexpr int lanes = 8;
  using Sums = __m256i;
  [[gnu::target("avx2")]] static void load(Sums& v, const std::int32_t* p) {
    v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  }
  [[gnu::target("avx2")]] static void add_product(Sums& acc, std::int32_t x, const std::int16_t* w) {
    const __m256i wide = _mm256_cvtepi16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w)));
    acc = _mm256_add_epi32(acc, _mm256_mullo_epi32(_mm256_set1_epi32(x), wide));
  }
  // multiply() (fixed_point.h) on 8 sums at once, then the zero point and the
  // clamp: the same integers. With a multiplier m in [0, 2^31), the rounding
  // doubling high multiply, (x*m + nudge) / 2^31 truncated, equals
  // (x*m + 2^30) >> 31 for either sign of x*m, and that fits 32 bits.
  static constexpr bool rescales = true;
  [[gnu::target("avx2")]] static void rescale(Sums& v, FixedPointMultiplier r, std::int32_t zero, Int8Range range) {
    const int left = r.shift > 0 ? r.shift : 0, right = r.shift > 0 ? 0 : -r.shift;
    const __m256i x = _mm256_sll_epi32(v, _mm_cvtsi32_si128(left));  // wraps, as the scalar cast does
    const __m256i m = _mm256_set1_epi32(r.multiplier), nudge = _mm256_set1_epi64x(std::int64_t{1} << 30);
    const __m256i even = _mm256_add_epi64(_mm256_mul_epi32(x, m), nudge);
    const __m256i odd = _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(x, 32), m), nudge);
    // Bits 31..62 of each 64-bit sum: of the even ones in their low half, the odd ones in their high half.
    const __m256i high = _mm256_blend_epi32(_mm256_srli_epi64(even, 31), _mm256_slli_epi64(odd, 1), 0b10101010);
    // Divided by 2^right, halves away from zero (rounding_divide_by_power_of_two).
    const std::int32_t mask = static_cast<std::int32_t>((std::int64_t{1} << right) - 1);
    const __m256i remainder = _mm256_and_si256(high, _mm256_set1_epi32(mask));
    const __m256i negative = _mm256_cmpgt_epi32(_mm256_setzero_si256(), high);  // -1 where below 0
    const __m256i threshold = _mm256_sub_epi32(_mm256_set1_epi32(mask >> 1), negative);
    const __m256i up = _mm256_cmpgt_epi32(remainder, threshold);  // -1 where it rounds up
    __m256i y = _mm256_sub_epi32(_mm256_sra_epi32(high, _mm_cvtsi32_si128(right)), up);
    y = _mm256_add_epi32(y, _mm256_set1_epi32(zero));
    v = _mm256_min_epi32(_mm256_max_epi32(y, _mm256_set1_epi32(range.min)), _mm256_set1_epi32(range.max));
  }
};
#endif

struct Plan {
  const std::int8_t* in;
  std::int8_t* out;
  const std::int16_t* panels;  // per panel: in_units rows of `width` weights
  const std::int32_t* offsets;  // bias[o] - x_zero * sum_i w[o][i], `width` per panel
  std::size_t batch, in_units, out_units, width;
  FixedPointMultiplier rescale;
  std::int32_t out_zero_point;
  Int8Range range;
};

template <class K, int Vectors>
[[gnu::always_inline]] inline void run_panel(const Plan& p, const std::int8_t* x, std::int8_t* y, std::size_t k) {
  const std::int16_t* panel = p.panels + k * p.in_units * p.width;
  typename K::Sums acc[Vectors];
#pragma GCC unroll 4
  for (int v = 0; v < Vectors; ++v) K::load(acc[v], p.offsets + k * p.width + v * K::lanes);
  for (std::size_t i = 0; i < p.in_units; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < Vectors; ++v) K::add_product(acc[v], x[i], panel + i * p.width + v * K::lanes);
  if constexpr (K::rescales)
#pragma GCC unroll 4
    for (int v = 0; v < Vectors; ++v) K::rescale(acc[v], p.rescale, p.out_zero_point, p.range);
  std::int32_t sums[K::lanes * Vectors];
  std::memcpy(sums, acc, sizeof sums);
  const std::size_t first = k * p.width, count = std::min(p.width, p.out_units - first);
  for (std::size_t o = 0; o < count; ++o) {
    std::int32_t v = sums[o];
    if constexpr (!K::rescales) v = std::clamp(multiply(v, p.rescale) + p.out_zero_point, p.range.min, p.range.max);
    y[first + o] = static_cast<std::int8_t>(v);
  }
}

template <class K, int Vectors>
[[gnu::always_inline]] inline void run_panels(const Plan& p) {
  const std::size_t panels = (p.out_units + p.width - 1) / p.width;
  for (std::size_t b = 0; b < p.batch; ++b)
    for (std::size_t k = 0; k < panels; ++k)
      run_panel<K, Vectors>(p, p.in + b * p.in_units, p.out + b * p.out_units, k);
}

#if defined(__x86_64__) || defined(__i386__)
template <int Vectors>
[[gnu::target("avx2"), gnu::flatten]] void run_avx2(const Plan& p) { run_panels<Avx2, Vectors>(p); }
#endif
// SSE2 on x86-64 (which has no 32-bit vector multiply: GCC makes it of two
// 64-bit ones, still ahead of scalars), NEON on 64-bit ARM.
template <int Vectors>
void run_four_lanes(const Plan& p) { run_panels<Generic<4>, Vectors>(p); }
template <int Vectors>
void run_scalar(const Plan& p) { run_panels<Generic<1>, Vectors>(p); }

using Variants = PanelVariants<Plan>;
#if defined(__x86_64__) || defined(__i386__)
constexpr Variants kAvx2{8, {run_avx2<1>, run_avx2<2>, run_avx2<3>, run_avx2<4>}};
#endif
constexpr Variants kFourLanes{4, {run_four_lanes<1>, run_four_lanes<2>, run_four_lanes<3>, run_four_lanes<4>}};
constexpr Variants kScalar{1, {run_scalar<1>, run_scalar<2>, run_scalar<3>, run_scalar<4>}};

// As the float kernel chooses (fully_connected.cpp), without AVX-512: the
// small layers of these models do not fill it. 32-bit ARM without NEON in its
// baseline (Debian's armhf) takes scalars, which GCC's vectors would become.
PanelVariant<Plan> choose_variant(std::size_t out_units, unsigned max_vector_bits) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  const bool avx2 = (max_vector_bits == 0 || max_vector_bits >= 256) && __builtin_cpu_supports("avx2");
  return choose_panel_variant<Plan>({&kScalar, &kFourLanes, avx2 ? &kAvx2 : nullptr}, out_units);
#elif defined(__arm__) && !defined(__ARM_NEON)
  (void)max_vector_bits;
  return choose_panel_variant<Plan>({&kScalar}, out_units);
#else
  (void)max_vector_bits;
  return choose_panel_variant<Plan>({&kScalar, &kFourLanes}, out_units);
#endif
}

class FullyConnectedInt8 : public Kernel {
 public:
  // `row_offsets[o]` = bias[o] - x_zero * sum_i w[o][i]: the input zero
  // point folded in once, so the inner loop is a plain dot product.
  FullyConnectedInt8(Plan plan, const std::int8_t* weights, const std::vector<std::int32_t>& row_offsets,
                     unsigned max_vector_bits)
      : plan_(plan) {
    PanelVariant<Plan> variant = choose_variant(plan_.out_units, max_vector_bits);
    plan_.width = variant.width;
    run_ = variant.run;
    pack(weights, row_offsets);
  }

  void run() override { run_(plan_); }

 private:
  void pack(const std::int8_t* weights, const std::vector<std::int32_t>& row_offsets) {
    const std::size_t width = plan_.width, in_units = plan_.in_units, out_units = plan_.out_units;
    const std::size_t panels = (out_units + width - 1) / width;
    weights_.assign(panels * in_units * width + kAlign / sizeof(std::int16_t), 0);
    offsets_.assign(panels * width, 0);
    std::int16_t* base = weights_.data();
    base += (kAlign - reinterpret_cast<std::uintptr_t>(base) % kAlign) % kAlign / sizeof(std::int16_t);
    for (std::size_t o = 0; o < out_units; ++o) {
      std::int16_t* panel = base + o / width * in_units * width;
      for (std::size_t i = 0; i < in_units; ++i) panel[i * width + o % width] = weights[o * in_units + i];
      offsets_[o] = row_offsets[o];
    }
    plan_.panels = base;
    plan_.offsets = offsets_.data();
  }

  Plan plan_;
  void (*run_)(const Plan&) = nullptr;
  std::vector<std::int16_t> weights_;  // the packed panels, from a 32-byte aligned address on
  std::vector<std::int32_t> offsets_;
};

}  // namespace

std::unique_ptr<Kernel> make_fully_connected_int8_kernel(const Op& op, const Graph& g, const TensorBuffers& buffers,
                                                         const KernelOptions& options) {
  const Tensor& in = g.tensors[static_cast<std::size_t>(op.inputs[0])];
  const Tensor& w = g.tensors[static_cast<std::size_t>(op.inputs[1])];
  const Tensor& out = g.tensors[static_cast<std::size_t>(op.outputs[0])];
  for (const Tensor* t : {&in, &w, &out}) check_int8_quantization(op, *t);
  if (w.zero_point != 0) throw Error(fmt::format("FULLY_CONNECTED: int8 weights '{}' have a zero point", w.name));
  if (!w.is_constant()) throw Error(fmt::format("FULLY_CONNECTED: int8 weights '{}' are not constant", w.name));
  Plan plan{};
  plan.in = int8_buffer(op, g, buffers, op.inputs[0]);
  plan.out = int8_buffer(op, g, buffers, op.outputs[0]);
  plan.out_units = static_cast<std::size_t>(w.shape[0]);
  plan.in_units = static_cast<std::size_t>(w.shape[1]);
  plan.batch = in.element_count() / plan.in_units;
  plan.rescale = fixed_point_multiplier(static_cast<double>(in.scale) * w.scale / out.scale);
  plan.out_zero_point = static_cast<std::int32_t>(out.zero_point);
  plan.range = int8_activation_range(op, out, op.activation);

  const std::int8_t* weights = int8_buffer(op, g, buffers, op.inputs[1]);
  std::vector<std::int32_t> row_offsets(plan.out_units, 0);
  if (op.inputs.size() == 3 && op.inputs[2] >= 0) {
    const Tensor& bias = g.tensors[static_cast<std::size_t>(op.inputs[2])];
    if (bias.element_count() != plan.out_units)
      throw Error(fmt::format("FULLY_CONNECTED: bias '{}' size differs from the output units", bias.name));
    if (!bias.is_constant()) throw Error(fmt::format("FULLY_CONNECTED: bias '{}' is not constant", bias.name));
    const std::int32_t* values = int32_buffer(op, g, buffers, op.inputs[2]);
    std::copy(values, values + plan.out_units, row_offsets.begin());
  }
  for (std::size_t o = 0; o < plan.out_units; ++o) {
    std::int32_t sum = 0;
    for (std::size_t i = 0; i < plan.in_units; ++i) sum += weights[o * plan.in_units + i];
    row_offsets[o] -= static_cast<std::int32_t>(in.zero_point) * sum;
  }
  return std::make_unique<FullyConnectedInt8>(plan, weights, row_offsets, options.max_vector_bits);
}

}  // namespace edgeml::runtime
