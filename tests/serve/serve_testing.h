// Model directories for the serve tests, made of the runtime's sample models.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/graph.h"

namespace edgeml::serve::test {

void write_file(const std::filesystem::path& path, std::string_view bytes);

// The manifest of write_sample_directory(): models "linear" (linear.tflite,
// linear.onnx) and "relu" (relu.tflite), both of version `version`, inputs
// index, value, valueThreshold, label offset 0 and scale 60.
nlohmann::json sample_manifest(const std::string& version);

// edgeml::test::sample_linear_model() as linear.tflite and linear.onnx, edgeml::test::sample_relu_network()
// as relu.tflite, and sample_manifest(version) as manifest.json.
void write_sample_directory(const std::filesystem::path& dir, const std::string& version = "v1");

// y = x . weights + bias, one FULLY_CONNECTED on an input of weights.size().
runtime::Graph dense_model(const std::vector<float>& weights, float bias);

}  // namespace edgeml::serve::test
