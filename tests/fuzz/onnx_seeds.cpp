// Writes the .onnx seed corpus into the directory given: our writer's models
// (every op it emits), and ONNX's own operator test models of the ops we read.
#include <filesystem>
#include <iostream>

#include "convert/onnx_writer.h"
#include "support/sample_models.h"

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: onnx_seeds DIR\n";
    return 2;
  }
  fs::path dir = argv[1];
  fs::create_directories(dir);
  edgeml::convert::write_onnx_file(edgeml::test::sample_linear_model(), dir / "linear.onnx");
  edgeml::convert::write_onnx_file(edgeml::test::sample_relu_network(), dir / "relu_network.onnx");
  const fs::path node_tests = "/usr/share/libonnx-testdata/data/node";  // Debian's libonnx-testdata
  std::error_code ec;
  for (const char* name : {"test_gemm_all_attributes", "test_matmul_3d", "test_add_bcast", "test_concat_2d_axis_1",
                           "test_reshape_negative_dim", "test_unsqueeze_two_axes", "test_squeeze", "test_flatten_axis1",
                           "test_sigmoid", "test_clip", "test_identity"})
    fs::copy_file(node_tests / name / "model.onnx", dir / (std::string(name) + ".onnx"),
                  fs::copy_options::overwrite_existing, ec);
  return 0;
}
