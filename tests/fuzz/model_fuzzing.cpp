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

// Models whose tensors take more than this load but are not run. Their work
// grows with the sizes they declare (FULLY_CONNECTED's as the 1.5th power of
// its operands' size), so a large model is slow by right; what is looked for
// are memory errors, and work out of proportion to the size, such as loops
// over the dimensions of an empty tensor.
constexpr std::size_t kMaxRunBytes = std::size_t{1} << 20;

std::size_t tensor_bytes(const runtime::Graph& g) {
  std::size_t total = 0;
  for (const runtime::Tensor& t : g.tensors) total += t.element_count() * runtime::type_size(t.type);
  return total;
}

}  // namespace

int check_model_reader(ModelReader read, std::span<const std::uint8_t> bytes) {
  try {
    runtime::Graph graph = read(bytes, "fuzz-input");
    check_indices(graph);
    bool run = tensor_bytes(graph) <= kMaxRunBytes;
    runtime::Interpreter interpreter(std::move(graph));
    if (!run) return 0;
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
