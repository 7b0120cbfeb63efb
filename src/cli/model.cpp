// edgeml model: inspect model files (run and convert come with the kernels and writers).
#include <filesystem>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/common.h"
#include "runtime/tflite_reader.h"

namespace edgeml::cli {

namespace {

std::string describe(const runtime::Tensor& t) {
  return fmt::format("{} {} [{}]", t.name, runtime::type_name(t.type), fmt::join(t.shape, ", "));
}

void run_info(const std::string& file) {
  runtime::Graph g = runtime::read_tflite_file(file);
  fmt::print("{}: TensorFlow Lite, {} bytes{}\n", file, std::filesystem::file_size(file),
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

}  // namespace

void add_model_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("model", "inspect model files");
  cmd->require_subcommand(1);
  auto file = std::make_shared<std::string>();
  auto* info = cmd->add_subcommand("info", "inputs, outputs, operators, parameter count and size of a .tflite file");
  info->add_option("FILE", *file, "model file")->required();
  info->callback([file] { run_info(*file); });
}

}  // namespace edgeml::cli
