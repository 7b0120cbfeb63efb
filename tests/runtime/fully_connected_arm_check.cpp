// A standalone check of the FULLY_CONNECTED float kernel on ARM, for a cross
// compiler and qemu-user when the target's libraries are not at hand. Not
// part of the CMake build. It builds the kernel through its factory, as the
// interpreter does, compares every output with the plain loop over many
// shapes and all activations, then times the kernel and the plain loop on
// the tutorial's models. From the source tree, for 32-bit ARM (armhf):
//
//   arm-linux-gnueabihf-g++ -O2 -std=c++20 -ffp-contract=off -static -DFMT_HEADER_ONLY -Isrc
//       tests/runtime/fully_connected_arm_check.cpp src/runtime/kernels/fully_connected.cpp
//       src/runtime/kernels/common.cpp src/runtime/graph.cpp -o fc_check
//   qemu-arm -cpu cortex-a7 ./fc_check            # NEON: the kernel's NEON variant
//   qemu-arm -cpu cortex-a7,neon=off ./fc_check   # no NEON: scalars
//
// and with aarch64-linux-gnu-g++ and qemu-aarch64 for 64-bit ARM. (With
// neon=off, any NEON instruction would stop the program as illegal.) `--all`
// checks every shape with every activation instead of one activation per
// shape in turn; `--time` only times. Times under qemu say little about a
// real core: TCG emulates each float operation, NEON lanes included, in C.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <time.h>
#include <vector>

#if defined(__arm__) || defined(__aarch64__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

#include "core/error.h"
#include "runtime/kernels/kernel.h"
#include "reference_activation.h"

namespace edgeml::runtime {
// The int8 kernel is not linked in: the check builds float models only.
std::unique_ptr<Kernel> make_fully_connected_int8_kernel(const Op&, const Graph&, const TensorBuffers&) {
  throw Error("int8 is not part of this check");
}
}  // namespace edgeml::runtime

namespace {

using namespace edgeml::runtime;

float flush(float v) { return std::fpclassify(v) == FP_SUBNORMAL ? std::copysign(0.0f, v) : v; }

// One FULLY_CONNECTED layer: its tensors, buffers and kernel.
struct Layer {
  std::size_t batch, in, out;
  Activation act;
  std::vector<float> x, w, b, y;
  Graph g;
  std::unique_ptr<Kernel> kernel;

  // Inputs, weights and biases uniform in +-scale, biases 0 if !with_bias;
  // then `fill`, if given, sets them.
  Layer(std::size_t batch_, std::size_t in_, std::size_t out_, Activation act_, std::mt19937& rng, float scale = 1,
        bool with_bias = true, void (*fill)(Layer&) = nullptr)
      : batch(batch_), in(in_), out(out_), act(act_), x(batch * in), w(out * in), b(out), y(batch * out) {
    std::uniform_real_distribution<float> uniform(-scale, scale);
    for (auto* v : {&x, &w, &b})
      for (float& f : *v) f = uniform(rng);
    if (!with_bias) std::fill(b.begin(), b.end(), 0.0f);
    if (fill) fill(*this);
    auto dim = [](std::size_t n) { return static_cast<std::int32_t>(n); };
    g.tensors = {float_tensor("x", {dim(batch), dim(in)}), float_tensor("w", {dim(out), dim(in)}),
                 float_tensor("b", {dim(out)}), float_tensor("y", {dim(batch), dim(out)})};
    Op op;
    op.kind = OpKind::fully_connected;
    op.inputs = {0, 1, 2};
    op.outputs = {3};
    op.activation = act;
    TensorBuffers buffers = {x.data(), w.data(), b.data(), y.data()};
    kernel = make_fully_connected_kernel(op, g, buffers, KernelOptions{});
  }

  // The plain loop, each multiply and add rounded on its own; `ftz` flushes
  // every operand and result below 1.2e-38 to zero, as ARMv7's NEON does.
  float expected(std::size_t row, std::size_t o, bool ftz) const {
    auto f = [ftz](float v) { return ftz ? flush(v) : v; };
    float sum = f(b[o]);
    for (std::size_t i = 0; i < in; ++i) sum = f(sum + f(f(x[row * in + i]) * f(w[o * in + i])));
    return reference_activate(act, sum);
  }

  // The plain loop alone, for its time.
  void plain_loop(float* result) const {
    for (std::size_t r = 0; r < batch; ++r)
      for (std::size_t o = 0; o < out; ++o) {
        float sum = b[o];
        for (std::size_t i = 0; i < in; ++i) sum += x[r * in + i] * w[o * in + i];
        result[r * out + o] = reference_activate(act, sum);
      }
  }
};

bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }

bool cpu_has_neon() {
#if defined(__aarch64__)
  return true;
#elif defined(__arm__)
  return (getauxval(AT_HWCAP) & HWCAP_NEON) != 0;
#else
  return false;
#endif
}

// Counts outputs equal to the plain loop's bitwise, equal only to the flushed
// loop's, and neither.
struct Tally {
  long exact = 0, flushed = 0, wrong = 0;
};

void check(Layer& layer, Tally& tally) {
  layer.kernel->run();
  for (std::size_t r = 0; r < layer.batch; ++r)
    for (std::size_t o = 0; o < layer.out; ++o) {
      float y = layer.y[r * layer.out + o];
      if (same_bits(y, layer.expected(r, o, false))) {
        ++tally.exact;
      } else if (same_bits(y, layer.expected(r, o, true))) {
        ++tally.flushed;
      } else if (++tally.wrong <= 10) {
        std::printf("MISMATCH batch %zu in %zu out %zu act %d: y[%zu][%zu] = %a, plain loop %a\n", layer.batch,
                    layer.in, layer.out, static_cast<int>(layer.act), r, o, y, layer.expected(r, o, false));
      }
    }
}

// The thread's CPU time, which other work on a busy machine (qemu shares
// it with builds) leaves alone, unlike the wall clock.
double cpu_nanoseconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e9 + static_cast<double>(t.tv_nsec);
}

// The fastest of 15 rounds of at least 20 ms of CPU time.
template <class F>
double nanoseconds_per_call(F&& f) {
  double best = 1e300;
  for (int round = 0; round < 15; ++round) {
    long calls = 0;
    const double start = cpu_nanoseconds();
    double elapsed = 0;
    do {
      for (int i = 0; i < 10; ++i) f();
      calls += 10;
      elapsed = cpu_nanoseconds() - start;
    } while (elapsed < 2e7);
    best = std::min(best, elapsed / static_cast<double>(calls));
  }
  return best;
}

// A model's layers run in turn (each on an input of its own: only the time counts).
void time_model(const char* name, std::size_t batch, const std::vector<std::size_t>& units,
                const std::vector<Activation>& acts, std::mt19937& rng) {
  std::vector<std::unique_ptr<Layer>> layers;
  for (std::size_t k = 0; k + 1 < units.size(); ++k)
    layers.push_back(std::make_unique<Layer>(batch, units[k], units[k + 1], acts[k], rng, 0.5f));
  std::vector<float> scratch(batch * 64);
  double kernel = nanoseconds_per_call([&] {
    for (auto& l : layers) l->kernel->run();
  });
  double plain = nanoseconds_per_call([&] {
    for (auto& l : layers) l->plain_loop(scratch.data());
  });
  std::printf("%-14s batch %2zu: kernel %9.0f ns, plain loop %9.0f ns CPU per inference (%.2fx)\n", name, batch, kernel,
              plain, plain / kernel);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string option = argc > 1 ? argv[1] : "";
  const bool all = option == "--all", time_only = option == "--time";
  const bool neon = cpu_has_neon();
  std::printf("CPU NEON: %s\n", neon ? "yes" : "no");
  std::mt19937 rng(7);
  const Activation acts[] = {Activation::none, Activation::relu, Activation::relu6, Activation::tanh};
  Tally tally;
  long shapes = 0;
  for (std::size_t batch = 1; batch <= (time_only ? 0 : 20); ++batch)
    for (std::size_t in = 1; in <= 40; ++in)
      for (std::size_t out = 1; out <= 70; ++out)
        for (int a = 0; a < 4; ++a) {
          if (!all && a != static_cast<int>((batch + in + out) % 4)) continue;
          Layer layer(batch, in, out, acts[a], rng);
          check(layer, tally);
          ++shapes;
        }
  std::printf("%ld shapes: %ld outputs as the plain loop's, %ld as the flushed loop's only, %ld wrong\n", shapes,
              tally.exact, tally.flushed, tally.wrong);

  // Sums of products below 1.2e-38: NEON on 32-bit ARM flushes them to
  // zero, the other paths keep them.
  Tally tiny;
  for (std::size_t out : {1, 3, 4, 8, 17, 64}) {
    Layer layer(3, 5, out, Activation::none, rng, 1e-20f, false);
    check(layer, tiny);
  }
  std::printf("denormal sums: %ld outputs as the plain loop's, %ld as the flushed loop's only, %ld wrong\n",
              tiny.exact, tiny.flushed, tiny.wrong);

  // Sums of -0 and +0, each activation: the NEON ReLUs keep -0 as std::max does.
  Tally zeros;
  long negative_zeros = 0;
  for (Activation act : acts) {
    Layer layer(2, 3, 8, act, rng, 1, true, [](Layer& l) {
      std::fill(l.x.begin(), l.x.end(), 0.0f);
      for (std::size_t k = 0; k < l.w.size(); ++k) l.w[k] = k / l.in % 2 ? 1.0f : -1.0f;
      for (std::size_t o = 0; o < l.out; ++o) l.b[o] = o % 4 < 2 ? -0.0f : 0.0f;
      l.x[4] = -0.0f;
    });
    check(layer, zeros);
    for (float y : layer.y) negative_zeros += y == 0 && std::signbit(y);
  }
  std::printf("signed zeros (%ld of them -0): %ld outputs as the plain loop's, %ld as the flushed loop's only, "
              "%ld wrong\n",
              negative_zeros, zeros.exact, zeros.flushed, zeros.wrong);
  const auto relu = Activation::relu, none = Activation::none;
  for (std::size_t batch : {1, 64}) {
    time_model("1->1", batch, {1, 1}, {none}, rng);
    time_model("3->1", batch, {3, 1}, {none}, rng);
    time_model("3->64->64->1", batch, {3, 64, 64, 1}, {relu, relu, none}, rng);
  }
  return tally.wrong + tiny.wrong + zeros.wrong == 0 ? 0 : 1;
}
