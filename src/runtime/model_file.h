// Model files of either format we read, told apart by their content.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "runtime/graph.h"
#include "runtime/model_bytes.h"

namespace edgeml::runtime {

enum class ModelFormat { tflite, onnx };
const char* format_name(ModelFormat format);

// Whether "TFL3" is at byte 4, which marks a TensorFlow Lite file.
bool has_tflite_identifier(std::span<const std::uint8_t> bytes);

// TensorFlow Lite when "TFL3" is at byte 4, else ONNX when it parses as an
// ONNX model; throws Error naming `origin` when it is neither.
ModelFormat model_format(std::span<const std::uint8_t> bytes, const std::string& origin);

// Reads either format, parsing the bytes once (read_onnx_if_model): after it,
// has_tflite_identifier() tells which format it was.
Graph read_model(std::span<const std::uint8_t> bytes, const std::string& origin);
Graph read_model_file(const std::filesystem::path& path);

}  // namespace edgeml::runtime
