// TensorFlow Lite builtin operator codes of the operators edgeml runs, shared
// by the reader and the writer so the two agree.
#pragma once

#include <array>
#include <optional>

#include "runtime/graph.h"

namespace edgeml::runtime {

struct BuiltinCode {
  int code;
  OpKind kind;
};

inline constexpr std::array<BuiltinCode, 15> kBuiltinCodes{{
    {0, OpKind::add},           {2, OpKind::concatenation}, {6, OpKind::dequantize}, {9, OpKind::fully_connected},
    {14, OpKind::logistic},     {18, OpKind::mul},          {19, OpKind::relu},      {21, OpKind::relu6},
    {22, OpKind::reshape},      {28, OpKind::tanh},         {41, OpKind::sub},       {42, OpKind::div},
    {43, OpKind::squeeze},      {70, OpKind::expand_dims},  {114, OpKind::quantize},
}};

inline std::optional<OpKind> op_kind_of_builtin(int code) {
  for (const BuiltinCode& c : kBuiltinCodes)
    if (c.code == code) return c.kind;
  return std::nullopt;
}

inline int builtin_code_of(OpKind kind) {
  for (const BuiltinCode& c : kBuiltinCodes)
    if (c.kind == kind) return c.code;
  return -1;
}

}  // namespace edgeml::runtime
