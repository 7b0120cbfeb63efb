// ONNX's own backend node tests (Debian's libonnx-testdata) for every op the
// ONNX reader supports, one ctest case per test directory; each passing case
// runs again after a round trip through the ONNX writer. The expected
// result of each case is in onnx_conformance.txt: `pass` (every output of
// every data set matches) or `unsupported: TEXT` (loading fails with an
// Error containing TEXT), so no case is skipped silently.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>

#include <gtest/gtest.h>
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include "core/error.h"
#include "runtime/interpreter.h"
#include "runtime/model_file.h"
#include "runtime/onnx_reader.h"
#include "convert/onnx_writer.h"
#include "support/test_support.h"

namespace edgeml::runtime {
namespace {

namespace fs = std::filesystem;

struct Case {
  std::string name;
  std::string unsupported;  // the expected load error; empty when the case must pass
};

// Lines "NAME pass" or "NAME unsupported: TEXT"; '#' starts a comment line.
std::vector<Case> listed_cases() {
  std::ifstream in(EDGEML_ONNX_CONFORMANCE_LIST);
  std::vector<Case> cases;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::size_t space = line.find(' ');
    Case c{line.substr(0, space), ""};
    std::string expectation = space == std::string::npos ? "" : line.substr(space + 1);
    if (expectation.rfind("unsupported: ", 0) == 0)
      c.unsupported = expectation.substr(13);
    else if (expectation != "pass")
      c.unsupported = "(bad line in onnx_conformance.txt: " + line + ")";
    cases.push_back(c);
  }
  return cases;
}

// Each op in onnx_conformance.txt: test directories named test_OP or test_OP_*.
const char* const kSupportedOps[] = {"add",       "sub",     "mul",    "div",     "relu",    "sigmoid",
                                     "tanh",      "clip",    "gemm",   "matmul",  "reshape", "flatten",
                                     "unsqueeze", "squeeze", "concat", "identity"};

std::vector<fs::path> numbered(const fs::path& dir, const std::string& prefix) {
  std::vector<fs::path> files;
  for (int k = 0; fs::exists(dir / (prefix + "_" + std::to_string(k) + ".pb")); ++k)
    files.push_back(dir / (prefix + "_" + std::to_string(k) + ".pb"));
  return files;
}

std::string tensor_name(const fs::path& file) {
  std::vector<std::uint8_t> bytes = read_model_bytes(file);
  onnx::TensorProto proto;
  if (!proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    throw Error(file.string() + ": not a TensorProto");
  return proto.name();
}

Tensor read_tensor(const fs::path& file) { return read_onnx_tensor(read_model_bytes(file), file.string()); }

// The case's model, its inputs that set shapes, axes or bounds bound to the data set's values.
Graph load(const fs::path& dir, const fs::path& data_set) {
  fs::path model_file = dir / "model.onnx";
  std::vector<std::uint8_t> model = read_model_bytes(model_file);
  std::vector<std::string> to_bind = onnx_inputs_to_bind(model, model_file.string());
  OnnxBindings bound;
  for (const fs::path& input : numbered(data_set, "input"))
    if (std::string name = tensor_name(input); std::find(to_bind.begin(), to_bind.end(), name) != to_bind.end())
      bound[name] = read_tensor(input);
  return read_onnx(model, model_file.string(), bound);
}

std::vector<float> floats_of(const Tensor& t) {
  std::vector<float> values(t.element_count());
  if (!values.empty()) std::memcpy(values.data(), t.constant.data(), values.size() * sizeof(float));
  return values;
}

void run_data_set(const Graph& graph, const fs::path& data_set) {
  Interpreter interpreter(graph);
  const Graph& g = interpreter.graph();
  for (const fs::path& file : numbered(data_set, "input")) {
    std::string name = tensor_name(file);
    auto input = std::find_if(g.inputs.begin(), g.inputs.end(),
                              [&](int i) { return g.tensors[static_cast<std::size_t>(i)].name == name; });
    if (input == g.inputs.end()) continue;  // bound at load
    Tensor value = read_tensor(file);
    ASSERT_EQ(value.shape, g.tensors[static_cast<std::size_t>(*input)].shape) << file;
    std::vector<float> values = floats_of(value);
    std::copy(values.begin(), values.end(),
              interpreter.input(static_cast<std::size_t>(input - g.inputs.begin())).begin());
  }
  interpreter.invoke();
  std::vector<fs::path> outputs = numbered(data_set, "output");
  ASSERT_EQ(outputs.size(), g.outputs.size());
  for (std::size_t k = 0; k < outputs.size(); ++k) {
    Tensor want = read_tensor(outputs[k]);
    ASSERT_EQ(g.tensors[static_cast<std::size_t>(g.outputs[k])].shape, want.shape) << outputs[k];
    std::vector<float> expected = floats_of(want);
    std::span<const float> got = interpreter.output(k);
    for (std::size_t i = 0; i < expected.size(); ++i)
      ASSERT_LE(std::fabs(got[i] - expected[i]), 1e-5 * std::max(1.0f, std::fabs(expected[i])))
          << outputs[k] << " element " << i << ": got " << got[i] << ", want " << expected[i];
  }
}

bool testdata_present() { return fs::is_directory(EDGEML_ONNX_NODE_TESTS); }

// One registered test per listed case, named OnnxConformance.NAME.
class OnnxConformance : public testing::Test {
 public:
  explicit OnnxConformance(Case c) : case_(std::move(c)) {}

  void TestBody() override {
    if (!testdata_present()) {
      if (test::running_in_ci()) FAIL() << "missing " << EDGEML_ONNX_NODE_TESTS << " (Debian package libonnx-testdata)";
      GTEST_SKIP() << EDGEML_ONNX_NODE_TESTS << " is not here";
    }
    fs::path dir = fs::path(EDGEML_ONNX_NODE_TESTS) / case_.name;
    std::vector<fs::path> data_sets;
    for (const auto& entry : fs::directory_iterator(dir))
      if (entry.path().filename().string().rfind("test_data_set_", 0) == 0) data_sets.push_back(entry.path());
    std::sort(data_sets.begin(), data_sets.end());
    ASSERT_FALSE(data_sets.empty()) << dir;
    if (!case_.unsupported.empty()) {
      try {
        Interpreter interpreter(load(dir, data_sets[0]));
        FAIL() << "loaded, but onnx_conformance.txt expects: " << case_.unsupported;
      } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(case_.unsupported), std::string::npos) << e.what();
      }
      return;
    }
    for (const fs::path& data_set : data_sets) {
      SCOPED_TRACE(data_set.string());
      Graph graph = load(dir, data_set);
      run_data_set(graph, data_set);
      // The writer keeps what the reader read: same outputs, and ONNX's checker agrees.
      SCOPED_TRACE("after a round trip through write_onnx");
      std::vector<std::uint8_t> written = convert::write_onnx(graph);
      ::onnx::ModelProto model;  // ONNX's own classes, for its checker
      ASSERT_TRUE(model.ParseFromArray(written.data(), static_cast<int>(written.size())));
      EXPECT_NO_THROW(::onnx::checker::check_model(model));
      run_data_set(read_onnx(written, "written.onnx"), data_set);
    }
  }

 private:
  Case case_;
};

const bool kCasesRegistered = [] {
  for (const Case& c : listed_cases())
    testing::RegisterTest("OnnxConformance", c.name.c_str(), nullptr, nullptr, __FILE__, __LINE__,
                          [c]() -> OnnxConformance* { return new OnnxConformance(c); });
  return true;
}();

TEST(OnnxConformanceList, ListsEveryNodeTestOfTheSupportedOps) {
  if (!testdata_present()) {
    if (test::running_in_ci()) FAIL() << "missing " << EDGEML_ONNX_NODE_TESTS;
    GTEST_SKIP() << EDGEML_ONNX_NODE_TESTS << " is not here";
  }
  std::vector<Case> cases = listed_cases();
  for (const auto& entry : fs::directory_iterator(EDGEML_ONNX_NODE_TESTS)) {
    std::string name = entry.path().filename().string();
    for (const char* op : kSupportedOps) {
      std::string prefix = std::string("test_") + op;
      if (name != prefix && name.rfind(prefix + "_", 0) != 0) continue;
      EXPECT_TRUE(std::any_of(cases.begin(), cases.end(), [&](const Case& c) { return c.name == name; }))
          << name << " is not in onnx_conformance.txt";
    }
  }
}

}  // namespace
}  // namespace edgeml::runtime
