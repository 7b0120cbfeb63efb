// libFuzzer target: bytes -> read_tflite -> Interpreter -> invoke().
#include "fuzz/model_fuzzing.h"
#include "runtime/tflite_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return edgeml::fuzz::check_model_reader(edgeml::runtime::read_tflite, {data, size});
}
