// libFuzzer target: bytes -> read_onnx -> Interpreter -> invoke().
#include "fuzz/model_fuzzing.h"
#include "runtime/onnx_reader.h"

namespace {

edgeml::runtime::Graph read_onnx_unbound(std::span<const std::uint8_t> bytes, const std::string& origin) {
  return edgeml::runtime::read_onnx(bytes, origin);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return edgeml::fuzz::check_model_reader(read_onnx_unbound, {data, size});
}
