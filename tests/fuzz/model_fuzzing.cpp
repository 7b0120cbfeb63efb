#include "fuzz/model_fuzzing.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "core/error.h"
#include "runtime/interpreter.h"

namespace edgeml::fuzz {

namespace {

[[noreturn]] void broken_promise(const char* what) {
  std::fprintf(stderr, "reader accepted a graph that breaks graph.h: %s\n", what);
  std::abort();
}

void check_indices(const runtime::Graph& g) {
  auto in_range = [&](int i) { return i >= 0 && static_cast<std::size_t>(i) < g.tensors.size(); };
  for (int i : g.inputs)
    if (!in_range(i)) broken_promise("graph input out of range");
  for (int i : g.outputs)
    if (!in_range(i)) broken_promise("graph output out of range");
  for (const runtime::Op& op : g.ops) {
    for (int i : op.inputs)
      if (i != -1 && !in_range(i)) broken_promise("operator input out of range");
    for (int i : op.outputs)
      if (!in_range(i)) broken_promise("operator output out of range");
  }
}

}  // namespace

int check_model_reader(ModelReader read, std::span<const std::uint8_t> bytes) {
  try {
    runtime::Graph graph = read(bytes, "fuzz-input");
    check_indices(graph);
    runtime::Interpreter interpreter(std::move(graph));
    for (std::size_t i = 0; i < interpreter.graph().inputs.size(); ++i) {
      const runtime::Tensor& t = interpreter.graph().tensors[static_cast<std::size_t>(interpreter.graph().inputs[i])];
      if (t.type == runtime::DataType::float32) std::ranges::fill(interpreter.input(i), 0.0f);
    }
    interpreter.invoke();
  } catch (const Error&) {
    // Refusing a model with a reason is what a reader and an interpreter should do.
  }
  return 0;
}

}  // namespace edgeml::fuzz
