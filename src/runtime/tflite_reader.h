// Reads a .tflite file into a Graph, checking it first with the FlatBuffers
// verifier and then index by index. Hostile files give an Error naming the
// file and the problem, never a crash or an unbounded allocation.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

#include "runtime/graph.h"

namespace edgeml::runtime {

Graph read_tflite(std::span<const std::uint8_t> bytes, const std::string& origin);
Graph read_tflite_file(const std::filesystem::path& path);

}  // namespace edgeml::runtime
