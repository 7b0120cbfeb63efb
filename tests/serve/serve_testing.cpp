#include "serve_testing.h"

#include <fstream>

#include "convert/onnx_writer.h"
#include "support/sample_models.h"
#include "convert/tflite_writer.h"

namespace edgeml::serve::test {

void write_file(const std::filesystem::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out.flush()) throw std::runtime_error("cannot write " + path.string());
}

nlohmann::json sample_manifest(const std::string& version) {
  auto entry = [&](const std::string& name, nlohmann::json files, double mae) {
    return nlohmann::json{{"name", name},
                          {"version", version},
                          {"files", std::move(files)},
                          {"inputs", {"index", "value", "valueThreshold"}},
                          {"test_mae", mae}};
  };
  return {{"format", 1},
          {"label", {{"offset", 0}, {"scale", 60}, {"unit", "60 s after Unix time 0"}}},
          {"models",
           {entry("linear", {{"tflite", "linear.tflite"}, {"onnx", "linear.onnx"}}, 1.25),
            entry("relu", {{"tflite", "relu.tflite"}}, 0.5)}}};
}

void write_sample_directory(const std::filesystem::path& dir, const std::string& version) {
  convert::write_tflite_file(edgeml::test::sample_linear_model(), dir / "linear.tflite");
  convert::write_onnx_file(edgeml::test::sample_linear_model(), dir / "linear.onnx");
  convert::write_tflite_file(edgeml::test::sample_relu_network(), dir / "relu.tflite");
  write_file(dir / "manifest.json", sample_manifest(version).dump(2));
}

runtime::Graph dense_model(const std::vector<float>& weights, float bias) {
  runtime::Graph g;
  auto width = static_cast<std::int32_t>(weights.size());
  g.inputs = {runtime::add_tensor(g, runtime::float_tensor("input", {1, width}))};
  int w = runtime::add_tensor(g, runtime::float_tensor("weights", {1, width}, weights));
  int b = runtime::add_tensor(g, runtime::float_tensor("bias", {1}, {bias}));
  g.outputs = {runtime::add_op(g, runtime::OpKind::fully_connected, {g.inputs[0], w, b},
                               runtime::float_tensor("output", {1, 1}))};
  return g;
}

}  // namespace edgeml::serve::test
