// edgeml model convert IN OUT: .tflite <-> .onnx (the output's format by its
// extension), then proof that the written file computes what the input does.
#include <algorithm>
#include <cmath>
#include <filesystem>

#include <fmt/format.h>

#include "cli/common.h"
#include "core/error.h"
#include "runtime/interpreter.h"
#include "runtime/model_file.h"
#include "convert/onnx_writer.h"
#include "convert/probe_inputs.h"
#include "convert/tflite_writer.h"

namespace edgeml::cli {

namespace {

namespace fs = std::filesystem;

constexpr std::size_t kProbes = 16;

bool takes_float(const runtime::Graph& g) {
  for (int i : g.inputs)
    if (g.tensors[static_cast<std::size_t>(i)].type != runtime::DataType::float32) return false;
  for (int i : g.outputs)
    if (g.tensors[static_cast<std::size_t>(i)].type != runtime::DataType::float32) return false;
  return true;
}

// The largest difference, relative to max(1, |value|), between the two
// models' outputs on tutorial-like inputs.
double largest_difference(const runtime::Graph& a, const runtime::Graph& b) {
  runtime::Interpreter x(a), y(b);
  std::vector<float> values;
  for (const auto& sample : convert::tutorial_like_inputs(kProbes)) values.insert(values.end(), sample.begin(), sample.end());
  double worst = 0;
  for (std::size_t probe = 0; probe < kProbes; ++probe) {
    for (std::size_t i = 0; i < a.inputs.size(); ++i) {
      std::span<float> in_x = x.input(i), in_y = y.input(i);
      if (in_x.size() != in_y.size()) throw Error("the written model's inputs differ in size");
      for (std::size_t k = 0; k < in_x.size(); ++k) in_x[k] = in_y[k] = values[(probe * 3 + k) % values.size()];
    }
    x.invoke();
    y.invoke();
    for (std::size_t o = 0; o < a.outputs.size(); ++o) {
      std::span<const float> out_x = x.output(o), out_y = y.output(o);
      if (out_x.size() != out_y.size()) throw Error("the written model's outputs differ in size");
      for (std::size_t k = 0; k < out_x.size(); ++k)
        worst = std::max(worst, std::fabs(double{out_x[k]} - out_y[k]) / std::max(1.0, std::fabs(double{out_x[k]})));
    }
  }
  return worst;
}

void convert(const fs::path& in, const fs::path& out) {
  std::string ext = out.extension().string();
  if (ext != ".tflite" && ext != ".onnx")
    throw Error(fmt::format("{}: the output's extension must be .tflite or .onnx", out.string()));
  runtime::Graph g = runtime::read_model_file(in);
  if (ext == ".tflite")
    convert::write_tflite_file(g, out);
  else
    convert::write_onnx_file(g, out);
  runtime::Graph written = runtime::read_model_file(out);
  fmt::print("{} -> {}: {} ops, {} parameters, {} bytes\n", in.string(), out.string(), written.ops.size(),
             written.parameter_count(), fs::file_size(out));
  if (!takes_float(g)) {
    fmt::print("  (not float32 in and out: outputs not compared)\n");
    return;
  }
  double worst = largest_difference(g, written);
  fmt::print("  same outputs on {} probe inputs: largest relative difference {:.2g}\n", kProbes, worst);
  if (worst > 1e-5) throw Error(fmt::format("{}: the written model's outputs differ from {}'s by {:.3g}", out.string(),
                                            in.string(), worst));
}

}  // namespace

void add_model_convert_command(CLI::App& model) {
  auto in = std::make_shared<std::string>(), out = std::make_shared<std::string>();
  auto* cmd = model.add_subcommand("convert", "convert between .tflite and .onnx (by OUT's extension)");
  cmd->add_option("IN", *in, "model file to read (.tflite or .onnx)")->required();
  cmd->add_option("OUT", *out, "model file to write")->required();
  cmd->callback([in, out] { convert(*in, *out); });
}

}  // namespace edgeml::cli
