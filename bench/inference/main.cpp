// bench_inference: edgeml's Interpreter::invoke against XNNPACK's fully
// connected operators on the same models and weights, in the same run.
//
// Absolute times on a shared machine move from run to run; the figure to
// compare is the ratio ours / XNNPACK of two benchmarks run back to back,
// which the summary table after Google Benchmark's own output gives per
// model and batch (CPU time; the median when repetitions are asked for).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "core/error.h"
#include "models.h"
#include "runtime/interpreter.h"
#include "xnnpack_model.h"

namespace edgeml::bench {

namespace {

constexpr double kTolerance = 1e-5;
// int8: XNNPACK requantizes with a float multiply where TensorFlow Lite's
// semantics (ours) take a fixed-point one, so a layer's output may be one
// step apart, and the next layers carry that on: outputs agree to within a
// few steps, a few percent of the largest.
constexpr double kInt8Tolerance = 0.03;

// One model at one batch size, loaded in both runtimes with the same input.
struct Case {
  std::string name;
  std::unique_ptr<runtime::Interpreter> ours;
  std::unique_ptr<XnnpackModel> xnnpack;
};

bool is_int8(const Case& c) { return c.name.find("int8") != std::string::npos; }

Case load_case(ModelKind kind, int batch) {
  Case c{fmt::format("{}/batch:{}", model_name(kind), batch),
         std::make_unique<runtime::Interpreter>(build_model(kind, batch)), nullptr};
  c.xnnpack = std::make_unique<XnnpackModel>(c.ours->graph());
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> uniform(-2.0f, 2.0f);
  std::span<float> x = c.ours->input(0);
  for (float& v : x) v = uniform(rng);
  std::copy(x.begin(), x.end(), c.xnnpack->input().begin());
  return c;
}

// Runs both once and throws Error when an output differs by more than
// kTolerance relative to its size; sizes under a thousandth of the case's
// largest output count as that (the two sum in different orders, XNNPACK with
// fused multiply-adds, so values near 0 differ by more relative to themselves).
// Returns the largest difference so measured.
double check_same_outputs(Case& c) {
  c.ours->invoke();
  c.xnnpack->run();
  std::span<const float> ours = c.ours->output(0);
  std::span<const float> theirs = c.xnnpack->output();
  const bool int8 = is_int8(c);
  double largest = 0;
  for (float v : theirs) largest = std::max(largest, std::fabs(double{v}));
  double worst = 0;
  for (std::size_t i = 0; i < ours.size(); ++i) {
    double scale = int8 ? largest : std::max(std::fabs(double{theirs[i]}), 1e-3 * largest);
    double difference = std::fabs(double{ours[i]} - double{theirs[i]}) / scale;
    if (!(difference <= (int8 ? kInt8Tolerance : kTolerance)))
      throw Error(fmt::format("{}: output {} is {} here and {} with XNNPACK", c.name, i, ours[i], theirs[i]));
    worst = std::max(worst, difference);
  }
  return worst;
}

// A chain of RESHAPE ops of one element: the interpreter's cost per op
// (a virtual call and a one-float copy), to set against the linear model.
constexpr int kChainOps = 16;

runtime::Graph reshape_chain() {
  runtime::Graph g;
  for (int i = 0; i <= kChainOps; ++i) {
    runtime::Tensor t;
    t.name = fmt::format("t{}", i);
    t.shape = {1};
    g.tensors.push_back(std::move(t));
  }
  for (int i = 0; i < kChainOps; ++i) {
    runtime::Op op;
    op.kind = runtime::OpKind::reshape;
    op.inputs = {i};
    op.outputs = {i + 1};
    g.ops.push_back(std::move(op));
  }
  g.inputs = {0};
  g.outputs = {kChainOps};
  return g;
}

// Keeps Google Benchmark's console output and remembers each benchmark's CPU
// time in ns: its median aggregate when there is one, else the median of runs.
class CollectingReporter : public benchmark::ConsoleReporter {
 public:
  // Colours only on a terminal (--benchmark_color applies to the default reporter only).
  CollectingReporter() : ConsoleReporter(isatty(STDOUT_FILENO) ? OO_ColorTabular : OO_Tabular) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.error_occurred) continue;
      double ns = run.GetAdjustedCPUTime() * 1e9 / benchmark::GetTimeUnitMultiplier(run.time_unit);
      const std::string& name = run.run_name.function_name;
      if (run.run_type == Run::RT_Iteration) samples_[name].push_back(ns);
      else if (run.aggregate_name == "median") medians_[name] = ns;
    }
  }

  // NaN when the benchmark did not run (filtered out).
  double ns(const std::string& name) const {
    if (auto m = medians_.find(name); m != medians_.end()) return m->second;
    auto s = samples_.find(name);
    if (s == samples_.end() || s->second.empty()) return std::nan("");
    std::vector<double> v = s->second;
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
    return v[v.size() / 2];
  }

 private:
  std::map<std::string, std::vector<double>> samples_;
  std::map<std::string, double> medians_;
};

void print_summary(const std::vector<Case>& cases, const CollectingReporter& reporter) {
  std::printf("\nCPU time per invoke (ns), ours = edgeml Interpreter::invoke, XNNPACK single-threaded\n");
  std::printf("%-14s %12s %12s %8s\n", "case", "ours", "XNNPACK", "ratio");
  for (const Case& c : cases) {
    double ours = reporter.ns(c.name + "/ours");
    double theirs = reporter.ns(c.name + "/xnnpack");
    if (std::isnan(ours) && std::isnan(theirs)) continue;
    std::printf("%-14s %12.1f %12.1f %8.2f\n", c.name.c_str(), ours, theirs, ours / theirs);
  }
  double chain = reporter.ns("interpreter/reshape_chain");
  if (!std::isnan(chain))
    std::printf("interpreter cost per op (one-float RESHAPE, %d in a chain): %.1f ns\n", kChainOps, chain / kChainOps);
}

int run(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  benchmark::AddCustomContext("xnnpack", "single-threaded: operators run with no pthreadpool");
  std::vector<Case> cases;
  for (ModelKind kind : {ModelKind::linear, ModelKind::mlp, ModelKind::mlp_int8})
    for (int batch : {1, 64}) cases.push_back(load_case(kind, batch));
  double worst = 0, worst_int8 = 0;
  for (Case& c : cases) {
    double& w = is_int8(c) ? worst_int8 : worst;
    w = std::max(w, check_same_outputs(c));
  }
  std::printf("outputs of edgeml and XNNPACK agree in all %zu cases: largest relative difference %.2g (limit %g); "
              "int8, relative to the largest output: %.2g (limit %g)\n",
              cases.size(), worst, kTolerance, worst_int8, kInt8Tolerance);

  for (Case& c : cases) {
    // Registered back to back so the two of a case run one after the other.
    benchmark::RegisterBenchmark((c.name + "/ours").c_str(), [&c](benchmark::State& state) {
      for (auto _ : state) {
        c.ours->invoke();
        benchmark::DoNotOptimize(c.ours->output(0).data());
        benchmark::ClobberMemory();
      }
    })->Unit(benchmark::kNanosecond);
    benchmark::RegisterBenchmark((c.name + "/xnnpack").c_str(), [&c](benchmark::State& state) {
      for (auto _ : state) {
        c.xnnpack->run();
        benchmark::DoNotOptimize(c.xnnpack->output().data());
        benchmark::ClobberMemory();
      }
    })->Unit(benchmark::kNanosecond);
  }
  runtime::Interpreter chain(reshape_chain());
  benchmark::RegisterBenchmark("interpreter/reshape_chain", [&chain](benchmark::State& state) {
    for (auto _ : state) {
      chain.invoke();
      benchmark::ClobberMemory();
    }
  })->Unit(benchmark::kNanosecond);

  CollectingReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  print_summary(cases, reporter);
  benchmark::Shutdown();
  return 0;
}

}  // namespace

}  // namespace edgeml::bench

int main(int argc, char** argv) {
  try {
    return edgeml::bench::run(argc, argv);
  } catch (const edgeml::Error& e) {
    std::fprintf(stderr, "bench_inference: %s\n", e.what());
    return 1;
  }
}
