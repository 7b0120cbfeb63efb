#include "runtime/model_file.h"

#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "core/error.h"
#include "runtime/onnx_reader.h"

namespace edgeml::runtime {

const char* format_name(ModelFormat format) { return format == ModelFormat::tflite ? "TensorFlow Lite" : "ONNX"; }

std::vector<std::uint8_t> read_model_bytes(const std::filesystem::path& path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) throw Error(fmt::format("{}: cannot read: {}", path.string(), ec.message()));
  if (size > kMaxModelBytes) throw Error(fmt::format("{}: larger than {} bytes", path.string(), kMaxModelBytes));
  std::vector<std::uint8_t> bytes(size);
  std::ifstream in(path, std::ios::binary);
  if (!in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size)))
    throw Error(fmt::format("{}: cannot read", path.string()));
  return bytes;
}

ModelFormat model_format(std::span<const std::uint8_t> bytes, const std::string& origin) {
  if (bytes.size() >= 8 && std::memcmp(bytes.data() + 4, "TFL3", 4) == 0) return ModelFormat::tflite;
  if (is_onnx_model(bytes)) return ModelFormat::onnx;
  throw Error(
      fmt::format("{}: neither a TensorFlow Lite model (no TFL3 identifier at byte 4) nor an ONNX model "
                  "(not a protobuf ModelProto with a graph)",
                  origin));
}

Graph read_model(std::span<const std::uint8_t> bytes, const std::string& origin) {
  return model_format(bytes, origin) == ModelFormat::tflite ? read_tflite(bytes, origin) : read_onnx(bytes, origin);
}

Graph read_model_file(const std::filesystem::path& path) { return read_model(read_model_bytes(path), path.string()); }

}  // namespace edgeml::runtime
