#include "runtime/model_file.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "core/error.h"
#include "runtime/onnx_reader.h"
#include "runtime/tflite_reader.h"

namespace edgeml::runtime {

const char* format_name(ModelFormat format) { return format == ModelFormat::tflite ? "TensorFlow Lite" : "ONNX"; }

bool has_tflite_identifier(std::span<const std::uint8_t> bytes) {
  return bytes.size() >= 8 && std::memcmp(bytes.data() + 4, "TFL3", 4) == 0;
}

namespace {

[[noreturn]] void fail_unknown_format(const std::string& origin) {
  throw Error(
      fmt::format("{}: neither a TensorFlow Lite model (no TFL3 identifier at byte 4) nor an ONNX model "
                  "(not a protobuf ModelProto with a graph)",
                  origin));
}

}  // namespace

ModelFormat model_format(std::span<const std::uint8_t> bytes, const std::string& origin) {
  check_model_size(bytes.size(), kMaxModelBytes, origin);
  if (has_tflite_identifier(bytes)) return ModelFormat::tflite;
  if (is_onnx_model(bytes)) return ModelFormat::onnx;
  fail_unknown_format(origin);
}

Graph read_model(std::span<const std::uint8_t> bytes, const std::string& origin) {
  check_model_size(bytes.size(), kMaxModelBytes, origin);
  if (has_tflite_identifier(bytes)) return read_tflite(bytes, origin);
  if (std::optional<Graph> graph = read_onnx_if_model(bytes, origin)) return std::move(*graph);
  fail_unknown_format(origin);
}

Graph read_model_file(const std::filesystem::path& path) { return read_model(read_model_bytes(path), path.string()); }

}  // namespace edgeml::runtime
