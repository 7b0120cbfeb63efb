// FULLY_CONNECTED: out[b][o] = act(sum_i in[b][i] * weights[o][i] + bias[o]).
//
// Planned at load: the weights are packed into panels of up to 4 SIMD vectors
// of outputs, each panel [in_units][width] (zero-padded) and its bias, so that
// run() broadcasts one input at a time and accumulates a whole panel of outputs
// in registers, for several batch rows at once. The vector width is chosen at
// load too: the widest the CPU has (AVX-512, AVX2, else the baseline's 4 lanes,
// SSE2 or NEON; on 32-bit ARM, NEON where getauxval reports it, else
// scalars) that the outputs fill, scalars below 4 outputs. AVX-512 only
// for batches of kWideBatch rows or more: its arithmetic slows the whole core
// for a while after, which costs a served model run one row at a time more
// than it gains (bench/README.md, bench_serve).
//
// Each output is still the bias plus the products added in input order, each
// multiply and add rounded on its own (this file is built with
// -ffp-contract=off): results are bitwise those of the plain triple loop the
// runtime had before, which the interpreter tests check against TensorFlow.
// One path serves every batch size; why fused multiply-adds and Eigen were
// not taken, with the figures against XNNPACK: bench/README.md, bench_inference.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#if defined(__arm__)
#include <arm_neon.h>
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

#include "core/error.h"
#include "runtime/kernels/kernel.h"
#include "runtime/kernels/panel_variants.h"

namespace edgeml::runtime {

namespace {

// kMaxPanelVectors per panel: 64 outputs with AVX-512, with room for several rows.
constexpr std::size_t kAlign = 64;  // floats of a panel row start on a cache line
constexpr std::size_t kWideBatch = 16;  // rows per run from which AVX-512 is used

template <int Lanes>
struct VecOf {
  using type [[gnu::vector_size(Lanes * sizeof(float))]] = float;
};
template <>
struct VecOf<1> {
  using type = float;  // GCC keeps one-lane vectors in memory, a float in a register
};
template <int Lanes>
using Vec = typename VecOf<Lanes>::type;

struct Plan {
  const float* in;
  float* out;
  const float* panels;  // per panel: in_units rows of `width` weights, then `width` biases
  std::size_t batch, in_units, out_units, width;
  Activation act;
};

// The arithmetic of one kind of vector, for the loops below. Helpers take
// vectors by reference: by value, wider vectors than the file's baseline
// instruction set would have an ABI of their own.
//
// Generic<Lanes>: GCC's vector extensions. On x86-64 and 64-bit ARM, four
// lanes compile to SSE2 and NEON (fmul and fadd on .4s registers, broadcasts
// by ld1r or by element). Not so on 32-bit ARM: without NEON in the baseline
// (Debian's armhf has VFPv3-D16) they become scalar VFP code, and even with
// NEON GCC keeps generic float vectors off it unless
// -funsafe-math-optimizations, because ARMv7's NEON is not IEEE (below).
template <int Lanes>
struct Generic {
  static constexpr int lanes = Lanes;
  static constexpr bool generic = true;  // run_tile broadcasts them itself
  using V = Vec<Lanes>;
  [[gnu::always_inline]] static void load(V& v, const float* p) { std::memcpy(&v, p, sizeof v); }
  [[gnu::always_inline]] static void add_product(V& acc, const V& x, const V& w) { acc += x * w; }
  [[gnu::always_inline]] static void activate(V& v, Activation act) {
    // The same comparisons as std::max and std::clamp in apply_activation (NaN stays NaN).
    const V zero{};
    if (act == Activation::relu) v = v < zero ? zero : v;
    if (act == Activation::relu6) {
      const V six = zero + 6.0f;
      v = v < zero ? zero : six < v ? six : v;
    }
  }
};

#if defined(__arm__)
// 32-bit ARM: NEON intrinsics, in functions compiled for NEON whatever the
// baseline (GCC's arm_neon.h allows that), run only where the CPU reports NEON
// (HWCAP_NEON, choose_variant). A multiply then an add, not VMLA or VFMA, so
// that each rounds as in the other paths. One difference remains: ARMv7's
// NEON (and an ARMv8 core's in 32-bit state, such as the Raspberry Pi 3's)
// always flushes denormal operands and results to zero (and gives the default
// NaN), where VFP and the other paths keep them. Where an input, weight,
// product or partial sum is below 1.2e-38, the sum may then differ from the
// plain loop's by about that much; tests/runtime/fully_connected_test.cpp
// accepts exactly the plain loop with those values flushed. The helpers are
// not always_inline: run_neon inlines them (see there).
struct Neon {
  static constexpr int lanes = 4;
  static constexpr bool generic = false;
  using V = float32x4_t;
  // memcpy, not vld1q_f32, which GCC takes as a load from anywhere: the
  // sums would go back to the stack after every step.
  [[gnu::target("fpu=neon")]] static void load(V& v, const float* p) { std::memcpy(&v, p, sizeof v); }
  [[gnu::target("fpu=neon")]] static void broadcast(V& v, float x) { v = vdupq_n_f32(x); }
  [[gnu::target("fpu=neon")]] static void add_product(V& acc, const V& x, const V& w) {
    acc = vaddq_f32(acc, vmulq_f32(x, w));
  }
  // ReLU and ReLU6 as the comparisons above decide, but without a float
  // comparison: GCC 12's vcltq_f32 is a generic vector one, which it turns
  // into VFP code lane by lane, as it does the arithmetic. A sum here is a
  // NEON result, never a denormal nor any NaN but the default (positive) one,
  // so it is below zero where its bits, unsigned, are above -0's. VMIN keeps
  // -0 and that NaN as the comparisons do (VMAX would make max(-0, 0) +0).
  [[gnu::target("fpu=neon")]] static void activate(V& v, Activation act) {
    const uint32x4_t negative = vcgtq_u32(vreinterpretq_u32_f32(v), vdupq_n_u32(0x80000000u));
    const V zero = vdupq_n_f32(0.0f);
    if (act == Activation::relu) v = vbslq_f32(negative, zero, v);
    if (act == Activation::relu6) v = vbslq_f32(negative, zero, vminq_f32(v, vdupq_n_f32(6.0f)));
  }
};
#endif

// Outputs [first, first + width) of batch rows [row, row + Rows).
template <class K, int Vectors, int Rows>
[[gnu::always_inline]] inline void run_tile(const Plan& p, const float* panel, std::size_t row, std::size_t first) {
  const float* bias = panel + p.in_units * p.width;
  typename K::V acc[Rows][Vectors];
#pragma GCC unroll 16
  for (int r = 0; r < Rows; ++r)
#pragma GCC unroll 16
    for (int v = 0; v < Vectors; ++v) K::load(acc[r][v], bias + v * K::lanes);
  const float* x = p.in + row * p.in_units;
  for (std::size_t i = 0; i < p.in_units; ++i) {
    typename K::V w[Vectors];
#pragma GCC unroll 16
    for (int v = 0; v < Vectors; ++v) K::load(w[v], panel + i * p.width + v * K::lanes);
#pragma GCC unroll 16
    for (int r = 0; r < Rows; ++r) {
      // Broadcast. GCC's vectors do it here, not in a helper, where GCC
      // would build AVX vectors lane by lane; x - 0 is x, even for -0.
      typename K::V xi;
      if constexpr (K::generic)
        xi = x[r * p.in_units + i] - typename K::V{};
      else
        K::broadcast(xi, x[r * p.in_units + i]);
#pragma GCC unroll 16
      for (int v = 0; v < Vectors; ++v) K::add_product(acc[r][v], xi, w[v]);
    }
  }
  std::size_t count = std::min(p.width, p.out_units - first);
#pragma GCC unroll 16
  for (int r = 0; r < Rows; ++r) {
#pragma GCC unroll 16
    for (int v = 0; v < Vectors; ++v) K::activate(acc[r][v], p.act);
    float* y = p.out + (row + static_cast<std::size_t>(r)) * p.out_units + first;
    if (count == p.width)
      std::memcpy(y, acc[r], sizeof acc[r]);  // a constant size: vector stores, no call
    else
      std::memcpy(y, acc[r], count * sizeof(float));
    if (p.act == Activation::tanh) apply_activation(Activation::tanh, y, count);
  }
}

template <class K, int Vectors>
[[gnu::always_inline]] inline void run_panels(const Plan& p) {
  // Sums kept in registers, rows x panel vectors: half of the 32 AVX-512
  // registers, or of the 16 of the narrower sets, leaving room for weights.
  constexpr int kAccumulators = K::lanes == 16 ? 16 : 8;
  constexpr int kRows = std::max(1, kAccumulators / Vectors);
  const std::size_t panel_size = (p.in_units + 1) * p.width;
  for (std::size_t first = 0, k = 0; first < p.out_units; first += p.width, ++k) {
    const float* panel = p.panels + k * panel_size;
    std::size_t row = 0;
    for (; row + kRows <= p.batch; row += kRows) run_tile<K, Vectors, kRows>(p, panel, row, first);
    for (; row < p.batch; ++row) run_tile<K, Vectors, 1>(p, panel, row, first);
  }
}

#if defined(__x86_64__) || defined(__i386__)
template <int Vectors>
[[gnu::target("avx512f")]] void run_avx512(const Plan& p) { run_panels<Generic<16>, Vectors>(p); }
template <int Vectors>
[[gnu::target("avx2")]] void run_avx2(const Plan& p) { run_panels<Generic<8>, Vectors>(p); }
#endif
#if defined(__arm__)
// GCC refuses to inline a NEON function into a baseline one, such as
// run_tile<Neon> before it is inlined here, and fails on always_inline; so
// the Neon helpers are plain functions and flatten inlines them all here.
template <int Vectors>
[[gnu::target("fpu=neon"), gnu::flatten]] void run_neon(const Plan& p) { run_panels<Neon, Vectors>(p); }
#endif
// SSE2 on x86-64, NEON on 64-bit ARM: the baseline of both. (Scalar VFP
// code on 32-bit ARM, see Generic, which uses run_neon or scalars instead.)
template <int Vectors>
void run_four_lanes(const Plan& p) { run_panels<Generic<4>, Vectors>(p); }
template <int Vectors>
void run_scalar(const Plan& p) { run_panels<Generic<1>, Vectors>(p); }

using Variants = PanelVariants<Plan>;
#if defined(__x86_64__) || defined(__i386__)
constexpr Variants kAvx512{16, {run_avx512<1>, run_avx512<2>, run_avx512<3>, run_avx512<4>}};
constexpr Variants kAvx2{8, {run_avx2<1>, run_avx2<2>, run_avx2<3>, run_avx2<4>}};
#endif
#if defined(__arm__)
constexpr Variants kNeon{4, {run_neon<1>, run_neon<2>, run_neon<3>, run_neon<4>}};

bool cpu_has_neon() {
#if defined(__ARM_NEON)
  return true;  // built for NEON throughout
#else
  return (getauxval(AT_HWCAP) & HWCAP_NEON) != 0;
#endif
}
#endif
constexpr Variants kFourLanes{4, {run_four_lanes<1>, run_four_lanes<2>, run_four_lanes<3>, run_four_lanes<4>}};
constexpr Variants kScalar{1, {run_scalar<1>, run_scalar<2>, run_scalar<3>, run_scalar<4>}};

// The widest vectors the CPU has (panel_variants.h), AVX-512 only for wide batches.
PanelVariant<Plan> choose_variant(std::size_t out_units, std::size_t batch, unsigned max_vector_bits) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  const bool wide = batch >= kWideBatch && __builtin_cpu_supports("avx512f");
  const bool any = max_vector_bits == 0;
  return choose_panel_variant<Plan>(
      {&kScalar, &kFourLanes,
       (any || max_vector_bits >= 256) && __builtin_cpu_supports("avx2") ? &kAvx2 : nullptr,
       (any || max_vector_bits >= 512) && wide ? &kAvx512 : nullptr},
      out_units);
#elif defined(__arm__)
  // Without NEON, scalars rather than GCC's 4 lanes: those become VFP code
  // that spills, 32 sums to the 32 single registers of VFPv3-D16 (about 6
  // instructions a multiply-add, 4 of them loads and stores, against 2.6;
  // NEON takes 1.5).
  (void)batch;
  (void)max_vector_bits;  // 128 bits, the least it may be
  return choose_panel_variant<Plan>({&kScalar, cpu_has_neon() ? &kNeon : nullptr}, out_units);
#else
  (void)batch;
  (void)max_vector_bits;
  return choose_panel_variant<Plan>({&kScalar, &kFourLanes}, out_units);
#endif
}

class FullyConnected : public Kernel {
 public:
  FullyConnected(const float* in, const float* weights, const float* bias, float* out, std::size_t batch,
                 std::size_t in_units, std::size_t out_units, Activation act, unsigned max_vector_bits) {
    PanelVariant<Plan> variant = choose_variant(out_units, batch, max_vector_bits);
    run_ = variant.run;
    plan_ = Plan{in, out, nullptr, batch, in_units, out_units, variant.width, act};
    pack(weights, bias);
  }

  void run() override { run_(plan_); }

 private:
  void pack(const float* weights, const float* bias) {
    const std::size_t width = plan_.width, in_units = plan_.in_units, out_units = plan_.out_units;
    const std::size_t panel_size = (in_units + 1) * width;
    const std::size_t panels = (out_units + width - 1) / width;
    storage_.assign(panels * panel_size + kAlign / sizeof(float), 0.0f);
    float* base = storage_.data();
    base += (kAlign - reinterpret_cast<std::uintptr_t>(base) % kAlign) % kAlign / sizeof(float);
    for (std::size_t o = 0; o < out_units; ++o) {
      float* panel = base + o / width * panel_size;
      std::size_t lane = o % width;
      for (std::size_t i = 0; i < in_units; ++i) panel[i * width + lane] = weights[o * in_units + i];
      panel[in_units * width + lane] = bias ? bias[o] : 0.0f;
    }
    plan_.panels = base;
  }

  Plan plan_{};
  void (*run_)(const Plan&) = nullptr;
  std::vector<float> storage_;  // the packed panels, from a 64-byte aligned address on
};

}  // namespace

std::unique_ptr<Kernel> make_fully_connected_kernel(const Op& op, const Graph& g, const TensorBuffers& buffers,
                                                    const KernelOptions& options) {
  if (op.inputs.size() < 2 || op.inputs.size() > 3 || op.outputs.size() != 1)
    throw Error("FULLY_CONNECTED: expects input, weights, optional bias and 1 output");
  const Tensor& in = g.tensors[static_cast<std::size_t>(op.inputs[0])];
  const Tensor& w = g.tensors[static_cast<std::size_t>(op.inputs[1])];
  const Tensor& out = g.tensors[static_cast<std::size_t>(op.outputs[0])];
  if (w.shape.size() != 2) throw Error(fmt::format("FULLY_CONNECTED: weights '{}' are not 2-D", w.name));
  auto out_units = static_cast<std::size_t>(w.shape[0]);
  auto in_units = static_cast<std::size_t>(w.shape[1]);
  if (in_units == 0 || in.element_count() % in_units != 0)
    throw Error(fmt::format("FULLY_CONNECTED: input '{}' does not divide into rows of {}", in.name, in_units));
  std::size_t batch = in.element_count() / in_units;
  if (out.element_count() != batch * out_units)
    throw Error(fmt::format("FULLY_CONNECTED: output '{}' has {} elements, not {}", out.name, out.element_count(),
                            batch * out_units));
  if (in.type == DataType::int8) return make_fully_connected_int8_kernel(op, g, buffers, options);
  const float* bias = nullptr;
  if (op.inputs.size() == 3 && op.inputs[2] >= 0) {
    if (g.tensors[static_cast<std::size_t>(op.inputs[2])].element_count() != out_units)
      throw Error("FULLY_CONNECTED: bias size differs from the output units");
    bias = float_buffer(op, g, buffers, op.inputs[2]);
  }
  return std::make_unique<FullyConnected>(float_buffer(op, g, buffers, op.inputs[0]),
                                          float_buffer(op, g, buffers, op.inputs[1]), bias,
                                          float_buffer(op, g, buffers, op.outputs[0]), batch, in_units, out_units,
                                          op.activation, options.max_vector_bits);
}

}  // namespace edgeml::runtime
