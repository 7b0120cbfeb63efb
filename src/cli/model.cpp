// edgeml model: inspect, run and convert model files.
#include <filesystem>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/common.h"
#include "core/csv.h"
#include "core/error.h"
#include "runtime/interpreter.h"
#include "runtime/model_file.h"

namespace edgeml::cli {

namespace {

std::string describe(const runtime::Tensor& t) {
  return fmt::format("{} {} [{}]", t.name, runtime::type_name(t.type), fmt::join(t.shape, ", "));
}

void run_info(const std::string& file) {
  std::vector<std::uint8_t> bytes = runtime::read_model_bytes(file);
  runtime::Graph g = runtime::read_model(bytes, file);
  runtime::ModelFormat format =
      runtime::has_tflite_identifier(bytes) ? runtime::ModelFormat::tflite : runtime::ModelFormat::onnx;
  fmt::print("{}: {}, {} bytes{}\n", file, runtime::format_name(format), bytes.size(),
             g.description.empty() ? "" : " (" + g.description + ")");
  for (int i : g.inputs) fmt::print("  input   {}\n", describe(g.tensors[static_cast<std::size_t>(i)]));
  for (int i : g.outputs) fmt::print("  output  {}\n", describe(g.tensors[static_cast<std::size_t>(i)]));
  std::map<std::string, int> counts;
  for (const runtime::Op& op : g.ops) ++counts[runtime::op_name(op.kind)];
  std::vector<std::string> ops;
  for (const auto& [name, n] : counts) ops.push_back(n > 1 ? fmt::format("{} x{}", name, n) : name);
  fmt::print("  ops     {} ({})\n", g.ops.size(), fmt::join(ops, ", "));
  fmt::print("  params  {}\n", g.parameter_count());
}

// "100,231,230" -> its numbers; the count must be the model input's size.
std::vector<float> parse_input(const std::string& text, std::size_t expected) {
  std::vector<float> values;
  std::size_t start = 0;
  while (true) {
    std::size_t comma = text.find(',', start);
    double v = 0;
    std::string field = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (Status s = parse_number(field, "input", v); !s) throw Error(fmt::format("--input '{}': {}", text, s.reason()));
    values.push_back(static_cast<float>(v));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (values.size() != expected)
    throw Error(fmt::format("--input '{}' has {} values; the model takes {}", text, values.size(), expected));
  return values;
}

void run_model(const std::string& file, const std::vector<std::string>& inputs) {
  runtime::Interpreter interpreter(runtime::read_model_file(file));
  std::span<float> x = interpreter.input(0);
  for (const std::string& text : inputs) {
    std::vector<float> values = parse_input(text, x.size());
    std::copy(values.begin(), values.end(), x.begin());
    interpreter.invoke();
    std::span<const float> y = interpreter.output(0);
    fmt::print("{} -> {}\n", text, fmt::join(y, ","));
  }
}

}  // namespace

void add_model_convert_command(CLI::App& model);

void add_model_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("model", "inspect, run and convert model files");
  cmd->require_subcommand(1);
  auto file = std::make_shared<std::string>();
  auto* info = cmd->add_subcommand("info", "inputs, outputs, operators, parameter count and size of a .tflite or .onnx file");
  info->add_option("FILE", *file, "model file")->required();
  info->callback([file] { run_info(*file); });

  auto inputs = std::make_shared<std::vector<std::string>>();
  auto* run = cmd->add_subcommand("run", "run a .tflite or .onnx model on inputs given as comma-separated numbers");
  run->add_option("FILE", *file, "model file")->required();
  run->add_option("--input", *inputs, "one sample, e.g. 100,231,230 (repeatable)")->required();
  run->callback([file, inputs] { run_model(*file, *inputs); });

  add_model_convert_command(*cmd);
}

}  // namespace edgeml::cli
