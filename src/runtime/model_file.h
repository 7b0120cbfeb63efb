// Model files of either format we read, told apart by their content.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "runtime/graph.h"
#include "runtime/tflite_reader.h"

namespace edgeml::runtime {

enum class ModelFormat { tflite, onnx };
const char* format_name(ModelFormat format);

// The whole file; throws Error when it cannot be read or exceeds kMaxModelBytes.
std::vector<std::uint8_t> read_model_bytes(const std::filesystem::path& path);

// TensorFlow Lite when "TFL3" is at byte 4, else ONNX when it parses as an
// ONNX model; throws Error naming `origin` when it is neither.
ModelFormat model_format(std::span<const std::uint8_t> bytes, const std::string& origin);

Graph read_model(std::span<const std::uint8_t> bytes, const std::string& origin);
Graph read_model_file(const std::filesystem::path& path);

}  // namespace edgeml::runtime
