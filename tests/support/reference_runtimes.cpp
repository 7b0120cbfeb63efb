#include "support/reference_runtimes.h"

#include <signal.h>

#include <cctype>
#include <chrono>
#include <cmath>
#include <fstream>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/process.h"
#include "support/test_support.h"

namespace edgeml::test {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Generous: a run takes well under a second, but the machine may be busy.
constexpr std::chrono::seconds kRunTimeout{60};

struct Runner {
  std::string runtime;                     // for messages
  std::vector<std::string> command;        // interpreter and script
};

Runner onnxruntime_runner() { return {"ONNX Runtime", {"node", EDGEML_ONNXRUNTIME_RUNNER}}; }

// Debian's pyarmnn is importable only by Debian's python, which a python3
// earlier on PATH (pyenv, a venv) would hide.
Runner armnn_runner() { return {"Arm NN", {"/usr/bin/python3", EDGEML_ARMNN_RUNNER}}; }

// JSON has no NaN or infinities; the runners spell them as strings.
json number_to_json(double value) {
  if (std::isfinite(value)) return value;
  if (std::isnan(value)) return "nan";
  return value > 0 ? "inf" : "-inf";
}

double number_from_json(const json& value, const std::string& where) {
  if (value.is_number()) return value.get<double>();
  if (value == "nan") return std::nan("");
  if (value == "inf") return HUGE_VAL;
  if (value == "-inf") return -HUGE_VAL;
  throw Error(fmt::format("{}: {} is not a number", where, value.dump()));
}

json tensors_to_json(const ReferenceTensors& tensors) {
  json object = json::object();
  for (const auto& [name, tensor] : tensors) {
    json data = json::array();
    for (double v : tensor.values) data.push_back(number_to_json(v));
    object[name] = {{"dims", tensor.dims}, {"data", std::move(data)}};
  }
  return object;
}

ReferenceTensors tensors_from_json(const json& object, const std::string& where) {
  if (!object.is_object()) throw Error(fmt::format("{}: not a JSON object", where));
  ReferenceTensors tensors;
  for (const auto& [name, value] : object.items()) {
    std::string at = fmt::format("{}, output '{}'", where, name);
    ReferenceTensor& tensor = tensors[name];
    try {
      tensor.dims = value.at("dims").get<std::vector<std::int64_t>>();
      tensor.type = value.at("type").get<std::string>();
      for (const json& v : value.at("data")) tensor.values.push_back(number_from_json(v, at));
    } catch (const json::exception& e) {
      throw Error(fmt::format("{}: {}", at, e.what()));
    }
    std::int64_t count = 1;
    for (std::int64_t d : tensor.dims) count *= d;
    if (count != static_cast<std::int64_t>(tensor.values.size()))
      throw Error(fmt::format("{}: {} values for {} dims", at, tensor.values.size(), count));
  }
  return tensors;
}

std::string trimmed(std::string text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  return text;
}

// Runs the runner with `args`, its output in `log`; unless it exits 0, throws
// with `context` before what it said.
void run_runner(const Runner& runner, const std::vector<std::string>& args, const fs::path& log,
                const std::string& context) {
  std::vector<std::string> argv = runner.command;
  argv.insert(argv.end(), args.begin(), args.end());
  Process process(argv, log.string());
  std::optional<int> status = process.wait_for(kRunTimeout);
  if (!status) {
    process.stop(SIGKILL, std::chrono::seconds(5));
    throw Error(fmt::format("{}{} did not finish within {} s", context, runner.runtime, kRunTimeout.count()));
  }
  if (*status != 0)
    throw Error(fmt::format("{}{} failed (exit status {}): {}", context, runner.runtime, *status, trimmed(read_file(log))));
}

std::vector<ReferenceTensors> run_in(const Runner& runner, const fs::path& model,
                                     const std::vector<ReferenceTensors>& input_sets) {
  TempDir dir;
  json sets = json::array();
  for (const ReferenceTensors& inputs : input_sets) sets.push_back(tensors_to_json(inputs));
  std::ofstream(dir / "inputs.json") << sets.dump();
  run_runner(runner, {model.string(), (dir / "inputs.json").string(), (dir / "outputs.json").string()},
             dir / "runner.log", model.string() + ": ");

  std::string where = fmt::format("{} outputs for {}", runner.runtime, model.string());
  json outputs = json::parse(read_file(dir / "outputs.json"), nullptr, false);
  if (!outputs.is_array() || outputs.size() != input_sets.size())
    throw Error(fmt::format("{}: expected a JSON array of {} output sets", where, input_sets.size()));
  std::vector<ReferenceTensors> result;
  for (std::size_t i = 0; i < outputs.size(); ++i)
    result.push_back(tensors_from_json(outputs[i], fmt::format("{}, set {}", where, i)));
  return result;
}

std::string missing_reason(const Runner& runner) {
  try {
    TempDir dir;
    run_runner(runner, {"--check"}, dir / "check.log", "");
    return {};
  } catch (const Error& e) {
    return fmt::format("{} is not available: {}", runner.runtime, e.what());
  }
}

}  // namespace

std::vector<ReferenceTensors> run_in_onnxruntime(const fs::path& model, const std::vector<ReferenceTensors>& input_sets) {
  return run_in(onnxruntime_runner(), model, input_sets);
}

std::vector<ReferenceTensors> run_in_armnn(const fs::path& model, const std::vector<ReferenceTensors>& input_sets) {
  return run_in(armnn_runner(), model, input_sets);
}

ReferenceTensors run_in_onnxruntime(const fs::path& model, const ReferenceTensors& inputs) {
  return run_in_onnxruntime(model, std::vector<ReferenceTensors>{inputs}).front();
}

ReferenceTensors run_in_armnn(const fs::path& model, const ReferenceTensors& inputs) {
  return run_in_armnn(model, std::vector<ReferenceTensors>{inputs}).front();
}

const std::string& onnxruntime_missing() {
  static const std::string reason = missing_reason(onnxruntime_runner());
  return reason;
}

const std::string& armnn_missing() {
  static const std::string reason = missing_reason(armnn_runner());
  return reason;
}

}  // namespace edgeml::test
