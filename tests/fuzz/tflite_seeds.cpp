// Writes small .tflite models into the directory given, one per operator
// family the runtime reads, as seeds that let the fuzzer reach every kernel.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "support/tflite_builder.h"

namespace {

using edgeml::runtime::DataType;
using edgeml::test::TfliteBuilder;
using edgeml::test::TfliteOp;

// out = op(a[2,3], b[3]) with b broadcast, fused relu.
std::vector<std::uint8_t> binary(TfliteOp code) {
  TfliteBuilder m;
  int a = m.tensor("a", {2, 3});
  int b = m.float_constant("b", {3}, {1, 2, 3});
  int out = m.tensor("out", {2, 3});
  m.op(code, {a, b}, {out}, 1);
  return m.finish({a}, {out});
}

std::vector<std::uint8_t> fully_connected(bool with_bias) {
  TfliteBuilder m;
  int x = m.tensor("x", {2, 3});
  int w = m.float_constant("w", {2, 3}, {1, 2, 3, 4, 5, 6});
  int y = m.tensor("y", {2, 2});
  if (with_bias) {
    int bias = m.float_constant("bias", {2}, {0.5f, -0.5f});
    m.op(TfliteOp::fully_connected, {x, w, bias}, {y}, 4);
  } else {
    m.op(TfliteOp::fully_connected, {x, w, -1}, {y}, 3);
  }
  return m.finish({x}, {y});
}

std::vector<std::uint8_t> unary_chain() {
  TfliteBuilder m;
  int t[5];
  for (int i = 0; i < 5; ++i) t[i] = m.tensor("t" + std::to_string(i), {1, 4});
  m.op(TfliteOp::relu, {t[0]}, {t[1]});
  m.op(TfliteOp::relu6, {t[1]}, {t[2]});
  m.op(TfliteOp::logistic, {t[2]}, {t[3]});
  m.op(TfliteOp::tanh, {t[3]}, {t[4]});
  return m.finish({t[0]}, {t[4]});
}

std::vector<std::uint8_t> shape_chain() {
  TfliteBuilder m;
  int x = m.tensor("x", {2, 3});
  int new_shape = m.tensor("new_shape", {1}, DataType::int32, {6, 0, 0, 0});
  int flat = m.tensor("flat", {6});
  int axis = m.tensor("axis", {}, DataType::int32, {0, 0, 0, 0});
  int wide = m.tensor("wide", {1, 6});
  int back = m.tensor("back", {6});
  m.op(TfliteOp::reshape, {x, new_shape}, {flat});
  m.op(TfliteOp::expand_dims, {flat, axis}, {wide});
  m.op(TfliteOp::squeeze, {wide}, {back});
  return m.finish({x}, {back});
}

// Operators the reader knows and the interpreter may not run yet.
std::vector<std::uint8_t> quantize_and_concatenate() {
  TfliteBuilder m;
  int x = m.tensor("x", {1, 2});
  int q = m.tensor("q", {1, 2}, DataType::int8);
  int d = m.tensor("d", {1, 2});
  int both = m.tensor("both", {1, 4});
  m.op(TfliteOp::quantize, {x}, {q});
  m.op(TfliteOp::dequantize, {q}, {d});
  m.op(TfliteOp::concatenation, {x, d}, {both});
  return m.finish({x}, {both});
}

void write(const std::filesystem::path& file, const std::vector<std::uint8_t>& bytes) {
  std::ofstream(file, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                              static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIRECTORY\n", argv[0]);
    return 2;
  }
  std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  write(dir / "seed-add.tflite", binary(TfliteOp::add));
  write(dir / "seed-sub.tflite", binary(TfliteOp::sub));
  write(dir / "seed-mul.tflite", binary(TfliteOp::mul));
  write(dir / "seed-div.tflite", binary(TfliteOp::div));
  write(dir / "seed-fc-bias.tflite", fully_connected(true));
  write(dir / "seed-fc.tflite", fully_connected(false));
  write(dir / "seed-unary.tflite", unary_chain());
  write(dir / "seed-shape.tflite", shape_chain());
  write(dir / "seed-quantize.tflite", quantize_and_concatenate());
  return 0;
}
