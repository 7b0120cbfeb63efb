#include "runtime/model_file.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <fstream>

#include <fmt/format.h>

#include "core/error.h"
#include "runtime/onnx_reader.h"

namespace edgeml::runtime {

const char* format_name(ModelFormat format) { return format == ModelFormat::tflite ? "TensorFlow Lite" : "ONNX"; }

namespace {

void check_size(std::uintmax_t size, std::size_t max_bytes, const std::string& origin) {
  if (size > max_bytes)
    throw Error(fmt::format("{}: {} bytes, larger than the {} bytes a model file may have", origin, size, max_bytes));
}

// Neither format's parser sees more than kMaxModelBytes.
static_assert(kMaxModelBytes <= std::numeric_limits<int>::max());

}  // namespace

std::vector<std::uint8_t> read_model_bytes(const std::filesystem::path& path, std::size_t max_bytes) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) throw Error(fmt::format("{}: cannot read: {}", path.string(), ec.message()));
  check_size(size, std::min(max_bytes, kMaxModelBytes), path.string());
  std::vector<std::uint8_t> bytes(size);
  std::ifstream in(path, std::ios::binary);
  if (!in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size)))
    throw Error(fmt::format("{}: cannot read", path.string()));
  return bytes;
}

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
  check_size(bytes.size(), kMaxModelBytes, origin);
  if (has_tflite_identifier(bytes)) return ModelFormat::tflite;
  if (is_onnx_model(bytes)) return ModelFormat::onnx;
  fail_unknown_format(origin);
}

Graph read_model(std::span<const std::uint8_t> bytes, const std::string& origin) {
  check_size(bytes.size(), kMaxModelBytes, origin);
  if (has_tflite_identifier(bytes)) return read_tflite(bytes, origin);
  if (std::optional<Graph> graph = read_onnx_if_model(bytes, origin)) return std::move(*graph);
  fail_unknown_format(origin);
}

Graph read_model_file(const std::filesystem::path& path) { return read_model(read_model_bytes(path), path.string()); }

}  // namespace edgeml::runtime
