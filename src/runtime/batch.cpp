#include "runtime/batch.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.h"

namespace edgeml::runtime {

namespace {

using Shape = std::vector<std::int32_t>;

std::size_t count(const Shape& s) {
  std::size_t n = 1;
  for (std::int32_t d : s) n *= static_cast<std::size_t>(d);
  return n;
}

Shape broadcast(const Shape& a, const Shape& b) {
  Shape out(std::max(a.size(), b.size()), 1);
  for (std::size_t i = 0; i < out.size(); ++i) {
    std::int32_t da = i < out.size() - a.size() ? 1 : a[i - (out.size() - a.size())];
    std::int32_t db = i < out.size() - b.size() ? 1 : b[i - (out.size() - b.size())];
    if (da != db && da != 1 && db != 1) throw Error(fmt::format("[{}] and [{}] do not broadcast", fmt::join(a, ","), fmt::join(b, ",")));
    out[i] = da == 1 ? db : da;
  }
  return out;
}

// The file's output shape with its leading dimension scaled like the input's
// element count, for operators that only rearrange elements.
Shape rearranged(const Shape& in_before, const Shape& in_after, const Shape& out_before) {
  std::size_t before = count(in_before), after = count(in_after);
  if (before == after) return out_before;
  if (before == 0 || after % before != 0 || out_before.empty() || out_before[0] != 1)
    throw Error(fmt::format("its output [{}] has no batch dimension to follow", fmt::join(out_before, ",")));
  Shape out = out_before;
  out[0] = static_cast<std::int32_t>(after / before);
  return out;
}

// NumPy matmul: broadcast batch dimensions, then rows of A' by columns of B'.
Shape matmul_shape(const Op& op, const Shape& a, const Shape& b) {
  if (a.size() < 2 || b.size() < 2) throw Error("its operands are not matrices");
  Shape batch_a(a.begin(), a.end() - 2), batch_b(b.begin(), b.end() - 2);
  Shape out = broadcast(batch_a, batch_b);
  out.push_back(op.transpose_a ? a.back() : a[a.size() - 2]);
  out.push_back(op.transpose_b ? b[b.size() - 2] : b.back());
  return out;
}

Shape output_shape(const Op& op, const Graph& before, const Graph& after) {
  auto in = [&](std::size_t k) -> const Shape& { return after.tensors[static_cast<std::size_t>(op.inputs[k])].shape; };
  auto was = [&](std::size_t k) -> const Shape& { return before.tensors[static_cast<std::size_t>(op.inputs[k])].shape; };
  const Shape& out_before = before.tensors[static_cast<std::size_t>(op.outputs[0])].shape;
  switch (op.kind) {
    case OpKind::add:
    case OpKind::sub:
    case OpKind::mul:
    case OpKind::div: return broadcast(in(0), in(1));
    case OpKind::relu:
    case OpKind::relu6:
    case OpKind::logistic:
    case OpKind::tanh:
    case OpKind::quantize:
    case OpKind::dequantize:
    case OpKind::clip: return in(0);
    case OpKind::matmul: return matmul_shape(op, in(0), in(1));
    case OpKind::fully_connected: {
      const Shape& w = in(1);
      if (w.size() != 2 || w[1] <= 0 || count(in(0)) % static_cast<std::size_t>(w[1]) != 0)
        throw Error("its input does not divide into rows of the weights' width");
      return {static_cast<std::int32_t>(count(in(0)) / static_cast<std::size_t>(w[1])), w[0]};
    }
    case OpKind::reshape:
    case OpKind::expand_dims:
    case OpKind::squeeze: return rearranged(was(0), in(0), out_before);
    case OpKind::concatenation: {
      Shape out = in(0);
      auto axis = static_cast<std::size_t>(op.axis < 0 ? op.axis + static_cast<int>(out.size()) : op.axis);
      if (axis >= out.size()) throw Error(fmt::format("axis {} is out of range", op.axis));
      for (std::size_t k = 1; k < op.inputs.size(); ++k) out[axis] += in(k)[axis];
      return out;
    }
  }
  throw Error("the runtime cannot re-batch it");
}

}  // namespace

Graph with_batch(Graph graph, std::int32_t batch) {
  if (batch < 1) throw Error(fmt::format("batch {} is not a positive size", batch));
  const Graph before = graph;
  for (int i : graph.inputs) {
    Tensor& t = graph.tensors[static_cast<std::size_t>(i)];
    if (t.shape.empty() || t.shape[0] != 1)
      throw Error(fmt::format("input '{}' [{}] has no leading batch dimension of 1", t.name, fmt::join(t.shape, ",")));
    t.shape[0] = batch;
  }
  for (const Op& op : graph.ops) {
    Tensor& out = graph.tensors[static_cast<std::size_t>(op.outputs.at(0))];
    try {
      out.shape = output_shape(op, before, graph);
    } catch (const Error& e) {
      throw Error(fmt::format("batch {}: {} producing '{}': {}", batch, op_name(op.kind), out.name, e.what()));
    }
  }
  return graph;
}

}  // namespace edgeml::runtime
