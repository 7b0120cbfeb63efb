// The ONNX reader's state while it turns nodes into operators (internal).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "edgeml/onnx.pb.h"  // ONNX's messages, package edgeml.onnx (src/runtime/CMakeLists.txt)

#include "runtime/graph.h"

namespace edgeml::runtime::onnx_io {

class GraphBuilder {
 public:
  explicit GraphBuilder(std::int64_t opset) : opset_(opset) {}

  std::int64_t opset() const { return opset_; }
  Graph& graph() { return graph_; }
  const Tensor& tensor(int index) const { return graph_.tensors[static_cast<std::size_t>(index)]; }

  // Sources of values before any node: constants (initializers and bound
  // inputs) and graph inputs fed when the model runs.
  void add_constant(Tensor tensor, const std::string& what);
  void add_graph_input(Tensor tensor);
  // The graph tensor `name` denotes, turning a float32 constant into one on first use.
  int graph_tensor(const std::string& name, const std::string& reader);

  // While a node is read: its inputs, its one output and errors naming it.
  void begin_node(const onnx::NodeProto& node, std::size_t index);
  std::string label() const;
  [[noreturn]] void fail(const std::string& what) const;
  bool has_input(int k) const;
  int data(int k);                // input k as float32 data; it must be there
  const Tensor* constant(int k);  // input k known at load, or nullptr when absent
  void emit(Op op, const std::vector<std::int64_t>& output_shape);

 private:
  std::int64_t opset_;
  Graph graph_;
  std::map<std::string, Tensor> constants_;
  std::map<std::string, int> defined_;  // name -> graph tensor
  const onnx::NodeProto* node_ = nullptr;
  std::size_t node_index_ = 0;
};

// Throws Error naming the node begun in `b` when no operator of ours does its op type.
void check_op_type(const onnx::NodeProto& node, GraphBuilder& b);

// Adds the node begun in `b` as one operator; throws Error naming the node
// for an op type, attribute or shape we do not support.
void lower_node(const onnx::NodeProto& node, GraphBuilder& b);

// Whether input `k` of an `op_type` node must be known at load.
bool is_load_time_input(const std::string& op_type, int k);

}  // namespace edgeml::runtime::onnx_io
