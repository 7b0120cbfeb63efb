#include "runtime/onnx_reader.h"

#include <fstream>
#include <random>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include "core/error.h"
#include "runtime/interpreter.h"
#include "runtime/model_file.h"
#include "support/test_support.h"

namespace edgeml::runtime {
namespace {

// Builds ONNX models for the tests, odd ones included.
class OnnxModel {
 public:
  explicit OnnxModel(std::int64_t opset = 13) {
    model_.set_ir_version(7);
    auto* o = model_.add_opset_import();
    o->set_domain("");
    o->set_version(opset);
  }
  onnx::GraphProto& graph() { return *model_.mutable_graph(); }

  // A float32 input or output; a dimension of -1 is symbolic ("N").
  onnx::ValueInfoProto& value(google::protobuf::RepeatedPtrField<onnx::ValueInfoProto>* list, const std::string& name,
                              const std::vector<std::int64_t>& dims, int elem_type = 1) {
    auto* v = list->Add();
    v->set_name(name);
    auto* t = v->mutable_type()->mutable_tensor_type();
    t->set_elem_type(elem_type);
    for (std::int64_t d : dims) {
      auto* dim = t->mutable_shape()->add_dim();
      if (d < 0)
        dim->set_dim_param("N");
      else
        dim->set_dim_value(d);
    }
    return *v;
  }
  void input(const std::string& name, const std::vector<std::int64_t>& dims, int elem_type = 1) {
    value(graph().mutable_input(), name, dims, elem_type);
  }
  void output(const std::string& name, const std::vector<std::int64_t>& dims) {
    value(graph().mutable_output(), name, dims);
  }
  onnx::NodeProto& node(const std::string& type, const std::vector<std::string>& inputs, const std::string& output) {
    auto* n = graph().add_node();
    n->set_op_type(type);
    for (const auto& i : inputs) n->add_input(i);
    n->add_output(output);
    return *n;
  }
  onnx::TensorProto& floats(const std::string& name, const std::vector<std::int64_t>& dims,
                            const std::vector<float>& values) {
    auto* t = graph().add_initializer();
    t->set_name(name);
    t->set_data_type(1);
    for (std::int64_t d : dims) t->add_dims(d);
    for (float v : values) t->add_float_data(v);
    return *t;
  }
  void int64s(const std::string& name, const std::vector<std::int64_t>& values) {
    auto* t = graph().add_initializer();
    t->set_name(name);
    t->set_data_type(7);
    t->add_dims(static_cast<std::int64_t>(values.size()));
    for (std::int64_t v : values) t->add_int64_data(v);
  }
  std::vector<std::uint8_t> bytes() const {
    std::string s = model_.SerializeAsString();
    return {s.begin(), s.end()};
  }

 private:
  onnx::ModelProto model_;
};

void add_attribute(onnx::NodeProto& node, const std::string& name, std::int64_t value) {
  auto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
}

// y = relu(x [N, 3] x W + b) with W [3, 2]; no output shape declared.
OnnxModel gemm_model() {
  OnnxModel m;
  m.input("x", {-1, 3});
  m.floats("W", {3, 2}, {1, 0, 0, 1, 1, 1});
  m.floats("b", {2}, {0.5f, -10});
  m.node("Gemm", {"x", "W", "b"}, "z");
  m.node("Relu", {"z"}, "y");
  m.graph().add_output()->set_name("y");
  return m;
}

void expect_error_naming(const std::vector<std::uint8_t>& bytes, const std::vector<std::string>& needles,
                         const OnnxBindings& bound = {}) {
  try {
    read_onnx(bytes, "bad.onnx", bound);
    FAIL() << "accepted a bad model; expected: " << needles[0];
  } catch (const Error& e) {
    std::string what = e.what();
    EXPECT_EQ(what.rfind("bad.onnx: ", 0), 0u) << what;
    for (const auto& needle : needles) EXPECT_NE(what.find(needle), std::string::npos) << what;
  }
}

TEST(OnnxReader, ReadsAGemmModelTakingASymbolicBatchAsOne) {
  Graph g = read_onnx(gemm_model().bytes(), "gemm.onnx");
  ASSERT_EQ(g.ops.size(), 2u);
  EXPECT_EQ(g.ops[0].kind, OpKind::matmul);
  EXPECT_EQ(g.tensors[static_cast<std::size_t>(g.inputs[0])].shape, (std::vector<std::int32_t>{1, 3}));
  EXPECT_EQ(g.tensors[static_cast<std::size_t>(g.outputs[0])].shape, (std::vector<std::int32_t>{1, 2}));
  Interpreter interpreter(g);
  auto x = interpreter.input(0);
  x[0] = 1, x[1] = 2, x[2] = 3;
  interpreter.invoke();
  EXPECT_EQ(interpreter.output(0)[0], 4.5f);  // 1 + 3 + 0.5
  EXPECT_EQ(interpreter.output(0)[1], 0.0f);  // relu(2 + 3 - 10)
}

TEST(OnnxReader, AShapeInputMustBeBoundAtLoad) {
  OnnxModel m;
  m.input("data", {2, 3});
  m.input("shape", {2}, 7);
  m.node("Reshape", {"data", "shape"}, "out");
  m.output("out", {3, 2});
  std::vector<std::uint8_t> bytes = m.bytes();
  EXPECT_EQ(onnx_inputs_to_bind(bytes, "m.onnx"), (std::vector<std::string>{"shape"}));
  expect_error_naming(bytes, {"'shape'", "bind it"});

  Tensor shape;
  shape.type = DataType::int64;
  shape.shape = {2};
  std::int64_t dims[] = {-1, 2};
  shape.constant.assign(reinterpret_cast<std::uint8_t*>(dims), reinterpret_cast<std::uint8_t*>(dims) + sizeof dims);
  Graph g = read_onnx(bytes, "m.onnx", {{"shape", shape}});
  EXPECT_EQ(g.inputs.size(), 1u);
  EXPECT_EQ(g.tensors[static_cast<std::size_t>(g.outputs[0])].shape, (std::vector<std::int32_t>{3, 2}));
  expect_error_naming(bytes, {"bound input 'nothing' is not an input"}, {{"shape", shape}, {"nothing", shape}});
  dims[0] = 4;  // 4 x 2 elements from 6
  shape.constant.assign(reinterpret_cast<std::uint8_t*>(dims), reinterpret_cast<std::uint8_t*>(dims) + sizeof dims);
  expect_error_naming(bytes, {"node 0 (Reshape)", "cannot reshape [2, 3]"}, {{"shape", shape}});
}

TEST(OnnxReader, RefusesTruncatedFilesAndRandomBytes) {
  std::vector<std::uint8_t> good = gemm_model().bytes();
  expect_error_naming({good.begin(), good.begin() + static_cast<std::ptrdiff_t>(good.size() / 2)},
                      {"protobuf parsing failed"});
  for (std::size_t keep = 1; keep < good.size(); keep += 7)
    EXPECT_THROW(read_onnx({good.data(), keep}, "bad.onnx"), Error) << keep;
  std::mt19937 rng(11);
  for (int i = 0; i < 200; ++i) {
    std::vector<std::uint8_t> noise(1 + rng() % 512);
    for (auto& b : noise) b = static_cast<std::uint8_t>(rng());
    EXPECT_THROW(read_onnx(noise, "bad.onnx"), Error);
  }
  expect_error_naming({}, {"no graph"});
  EXPECT_THROW(read_onnx_file("/nonexistent/model.onnx"), Error);
}

TEST(OnnxReader, RefusesUndefinedNamesAndNodesOutOfOrder) {
  OnnxModel ghost = gemm_model();
  ghost.graph().mutable_node(1)->set_input(0, "ghost");
  expect_error_naming(ghost.bytes(), {"node 1 (Relu)", "'ghost'", "topological order"});

  OnnxModel cycle;  // a reads b's output, b reads a's
  cycle.input("x", {2});
  cycle.node("Add", {"x", "b_out"}, "a_out").set_name("a");
  cycle.node("Relu", {"a_out"}, "b_out").set_name("b");
  cycle.output("b_out", {2});
  expect_error_naming(cycle.bytes(), {"node 0 'a' (Add)", "'b_out'", "topological order"});

  OnnxModel twice = gemm_model();
  twice.graph().mutable_node(1)->set_output(0, "z");
  expect_error_naming(twice.bytes(), {"node 1 (Relu)", "writes 'z', which is already defined"});
}

TEST(OnnxReader, RefusesInitializersWhoseDataDoesNotFitTheirShape) {
  OnnxModel few = gemm_model();
  few.graph().mutable_initializer(0)->mutable_float_data()->RemoveLast();
  expect_error_naming(few.bytes(), {"initializer 'W'", "float_data holds 5 values, its shape needs 6"});

  OnnxModel raw = gemm_model();
  raw.graph().mutable_initializer(1)->clear_float_data();
  raw.graph().mutable_initializer(1)->set_raw_data(std::string(12, '\0'));
  expect_error_naming(raw.bytes(), {"initializer 'b'", "raw_data holds 12 bytes, its shape needs 8"});
}

TEST(OnnxReader, RefusesHugeShapesWithoutAllocatingThem) {
  OnnxModel huge = gemm_model();
  huge.graph().mutable_initializer(0)->set_dims(0, std::int64_t{1} << 40);
  expect_error_naming(huge.bytes(), {"initializer 'W'", "huge shape"});

  OnnxModel input;
  input.input("x", {1 << 20, 1 << 20});
  input.node("Relu", {"x"}, "y");
  input.output("y", {});
  expect_error_naming(input.bytes(), {"graph input 'x'", "huge shape"});

  OnnxModel negative = gemm_model();
  negative.graph().mutable_initializer(1)->set_dims(0, -2);
  expect_error_naming(negative.bytes(), {"initializer 'b'", "negative dimension"});
}

TEST(OnnxReader, RefusesUnsupportedOpsAttributesAndTypes) {
  OnnxModel conv = gemm_model();
  conv.graph().mutable_node(1)->set_op_type("Conv");
  expect_error_naming(conv.bytes(), {"node 1 (Conv)", "op type 'Conv' is not supported"});

  OnnxModel extra = gemm_model();
  extra.graph().mutable_node(1)->add_input("x");
  expect_error_naming(extra.bytes(), {"node 1 (Relu)", "has 2 inputs; Relu takes at most 1"});

  OnnxModel attribute = gemm_model();
  add_attribute(*attribute.graph().mutable_node(1), "alpha", 2);
  expect_error_naming(attribute.bytes(), {"node 1 (Relu)", "attribute 'alpha' is not supported"});

  OnnxModel typed = gemm_model();
  add_attribute(*typed.graph().mutable_node(0), "alpha", 2);  // alpha is a float
  expect_error_naming(typed.bytes(), {"node 0 (Gemm)", "attribute 'alpha' is not a float"});

  OnnxModel bytes_in;
  bytes_in.input("x", {4}, 2);
  bytes_in.node("Relu", {"x"}, "y");
  bytes_in.output("y", {4});
  expect_error_naming(bytes_in.bytes(), {"graph input 'x' is uint8"});

  OnnxModel int_data;
  int_data.input("x", {2});
  int_data.int64s("k", {1, 2});
  int_data.node("Add", {"x", "k"}, "y");
  int_data.output("y", {2});
  expect_error_naming(int_data.bytes(), {"node 0 (Add)", "'k'", "int64"});

  OnnxModel wrong_output = gemm_model();
  wrong_output.graph().clear_output();
  wrong_output.output("y", {1, 5});
  expect_error_naming(wrong_output.bytes(), {"graph output 'y' is declared [1, 5] but computes to [1, 2]"});
}

TEST(OnnxReader, CorruptedBytesGiveAnErrorOrARunnableGraphNeverACrash) {
  OnnxModel m = gemm_model();  // with y's shape declared, so that is checked too
  m.graph().clear_output();
  m.output("y", {-1, 2});
  const std::vector<std::uint8_t> good = m.bytes();
  std::mt19937 rng(5);
  int refused = 0, ran = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::vector<std::uint8_t> bytes = good;
    for (int k = 0; k < 3; ++k) bytes[rng() % bytes.size()] = static_cast<std::uint8_t>(rng());
    try {
      // Whatever is accepted has concrete shapes the kernels accept or refuse.
      Interpreter interpreter(read_onnx(bytes, "bad.onnx"));
      interpreter.invoke();
      ++ran;
    } catch (const Error&) {
      ++refused;
    }
  }
  EXPECT_GT(refused, 0);
  EXPECT_GT(ran, 0);
}

TEST(ModelFile, ToldApartByContent) {
  std::vector<std::uint8_t> onnx = gemm_model().bytes();
  EXPECT_EQ(model_format(onnx, "m"), ModelFormat::onnx);
  std::vector<std::uint8_t> text{'n', 'o', 't', ' ', 'a', ' ', 'm', 'o', 'd', 'e', 'l'};
  try {
    read_model(text, "x.bin");
    FAIL() << "read text as a model";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("x.bin: neither a TensorFlow Lite model"), std::string::npos) << e.what();
  }
  // An ONNX model reads as ONNX, its errors naming the origin (from the one parse).
  EXPECT_EQ(read_model(onnx, "m.onnx").ops.size(), read_onnx(onnx, "m.onnx").ops.size());
  onnx::ModelProto no_nodes;
  ASSERT_TRUE(no_nodes.ParseFromArray(onnx.data(), static_cast<int>(onnx.size())));
  no_nodes.mutable_graph()->clear_node();
  std::string bytes = no_nodes.SerializeAsString();
  EXPECT_THROW(read_model({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()}, "empty.onnx"), Error);
}

TEST(ModelFile, AFileOverTheCapIsRefusedBeforeItIsRead) {
  test::TempDir dir;
  std::vector<std::uint8_t> onnx = gemm_model().bytes();
  std::filesystem::path file = dir / "gemm.onnx";
  std::ofstream(file, std::ios::binary).write(reinterpret_cast<const char*>(onnx.data()),
                                              static_cast<std::streamsize>(onnx.size()));
  EXPECT_EQ(read_model_bytes(file, onnx.size()), onnx);
  try {
    read_model_bytes(file, onnx.size() - 1);
    FAIL() << "read a file over the cap";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), fmt::format("{}: {} bytes, larger than the {} bytes a model file may have",
                                                 file.string(), onnx.size(), onnx.size() - 1));
  }
}

}  // namespace
}  // namespace edgeml::runtime
