// Budgets of arena bytes and multiply-adds per model and per node: a model
// over one is refused with the figures, before its probe inference runs, and
// the others load; a served model whose new version does not fit keeps serving.
#include "serve/model_budget.h"

#include <algorithm>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "support/sample_models.h"
#include "convert/tflite_writer.h"
#include "serve/model_set.h"
#include "support/test_support.h"

namespace edgeml::serve {
namespace {

namespace fs = std::filesystem;
using edgeml::test::TempDir;
using runtime::PlanCost;

PlanCost cost_of(runtime::Graph g) { return runtime::Interpreter(std::move(g)).cost(); }

// Why `file_name` was rejected, or "" when it was not.
std::string rejection(const ModelSet& set, const std::string& file_name) {
  auto it = std::find_if(set.rejected().begin(), set.rejected().end(),
                         [&](const RejectedFile& r) { return r.file.filename() == file_name; });
  return it == set.rejected().end() ? "" : it->reason;
}

// relu.tflite (3 -> 64 -> 64 -> 1) and linear.tflite (3 -> 1), as bare files.
void write_two_models(const fs::path& dir) {
  convert::write_tflite_file(edgeml::test::sample_relu_network(), dir / "relu.tflite");
  convert::write_tflite_file(edgeml::test::sample_linear_model(), dir / "linear.tflite");
}

TEST(ServeModelBudget, AModelOverThePerModelArenaBudgetIsRefusedWithTheFiguresAndTheOthersLoad) {
  TempDir dir;
  write_two_models(dir.path());
  ModelBudgets budgets;
  budgets.per_model.arena_bytes = 8 << 10;
  ModelSet set = ModelSet::load(dir.path(), nullptr, {}, budgets);
  ASSERT_EQ(set.models().size(), 1u);
  EXPECT_NE(set.find("linear"), nullptr);
  EXPECT_EQ(rejection(set, "relu.tflite"),
            fmt::format("it needs {} of arena, over the per-model budget of 8.0 KiB",
                        runtime::format_bytes(cost_of(edgeml::test::sample_relu_network()).arena_bytes)));
}

TEST(ServeModelBudget, AModelOverThePerModelMultiplyAddBudgetIsRefusedWithTheFiguresAndTheOthersLoad) {
  TempDir dir;
  write_two_models(dir.path());
  ModelBudgets budgets;
  budgets.per_model.multiply_adds = 1000;
  ModelSet set = ModelSet::load(dir.path(), nullptr, {}, budgets);
  ASSERT_EQ(set.models().size(), 1u);
  EXPECT_EQ(set.find("linear")->cost().multiply_adds, 3u);
  EXPECT_EQ(rejection(set, "relu.tflite"),
            "it needs 4352 multiply-adds per inference, over the per-model budget of 1000");
}

TEST(ServeModelBudget, TheNodeBudgetRefusesTheModelThatWouldExceedItAndKeepsServedVersions) {
  const std::uint64_t relu = cost_of(edgeml::test::sample_relu_network()).multiply_adds;
  const std::uint64_t int8 = cost_of(edgeml::test::sample_relu_network_int8()).multiply_adds;
  ASSERT_GT(int8, relu);  // its quantize and dequantize
  ModelBudgets budgets;
  budgets.node.multiply_adds = relu + int8 - 1;  // room for two float networks, not three, nor one of each
  ModelRegistry registry({}, budgets);
  TempDir dir;
  write_two_models(dir.path());
  ASSERT_EQ(registry.reload(dir.path())->models().size(), 2u);

  // linear grows into a network while a new model, first by name, asks for as much:
  // a model served before is charged first, the newcomer is refused.
  convert::write_tflite_file(edgeml::test::sample_relu_network(), dir / "linear.tflite");
  convert::write_tflite_file(edgeml::test::sample_relu_network(), dir / "0new.tflite");
  std::shared_ptr<const ModelSet> second = registry.reload(dir.path());
  EXPECT_EQ(second->find("linear")->cost().multiply_adds, relu);
  EXPECT_EQ(second->find("0new"), nullptr);
  EXPECT_EQ(rejection(*second, "0new.tflite"),
            fmt::format("it needs {} multiply-adds per inference and the node's other models {}: {} together, "
                        "over the node budget of {}",
                        relu, 2 * relu, 3 * relu, relu + int8 - 1));
  EXPECT_EQ(second->cost().multiply_adds, 2 * relu);

  // A new version that does not fit beside the others: the version served keeps serving.
  fs::remove(dir / "0new.tflite");
  convert::write_tflite_file(edgeml::test::sample_relu_network_int8(), dir / "linear.tflite");
  std::shared_ptr<const ModelSet> third = registry.reload(dir.path());
  EXPECT_EQ(third->find("linear"), second->find("linear"));
  EXPECT_EQ(third->kept(), std::vector<std::string>{"linear"});
  EXPECT_NE(rejection(*third, "linear.tflite").find("over the node budget"), std::string::npos);
}

// A bare file's graph: its input of 3 values, added to itself into a tensor
// declared of `shape`, which no reader or kernel has checked yet.
runtime::Graph declaring(std::vector<std::int32_t> shape) {
  runtime::Graph g;
  g.inputs = {runtime::add_tensor(g, runtime::float_tensor("x", {1, 3}))};
  g.outputs = {runtime::add_op(g, runtime::OpKind::add, {g.inputs[0], g.inputs[0]},
                               runtime::float_tensor("h", std::move(shape)))};
  return g;
}

TEST(ServeModelBudget, ATinyFileDeclaringHugeWorkIsRefusedBeforeItsProbe) {
  TempDir dir;
  convert::write_tflite_file(declaring({1 << 24, 3}), dir / "wide.tflite");  // 192 MiB
  // 2^18 rows through a 16 -> 16 layer: 6.7e7 multiply-adds, and the ADD's 4.2e6 outputs, in 32 MiB
  // from 1 KiB of weights.
  runtime::Graph deep = declaring({1 << 18, 16});
  int w = runtime::add_tensor(deep, runtime::float_tensor("w", {16, 16}, std::vector<float>(256, 0.5f)));
  deep.outputs = {runtime::add_op(deep, runtime::OpKind::fully_connected, {deep.outputs[0], w},
                                  runtime::float_tensor("y", {1 << 18, 16}))};
  convert::write_tflite_file(deep, dir / "deep.tflite");
  convert::write_tflite_file(edgeml::test::sample_linear_model(), dir / "linear.tflite");
  for (const char* file : {"wide.tflite", "deep.tflite"}) ASSERT_LT(fs::file_size(dir / file), 2000u) << file;

  ModelSet set = ModelSet::load(dir.path());  // the default budgets
  EXPECT_NE(set.find("linear"), nullptr);
  // Neither got as far as its probe, which would have said its output is not one value.
  EXPECT_EQ(rejection(set, "wide.tflite"), "it needs 192.0 MiB of arena, over the per-model budget of 64.0 MiB");
  EXPECT_EQ(rejection(set, "deep.tflite"),
            "it needs 7.1e+07 multiply-adds per inference, over the per-model budget of 5.0e+07");
}

TEST(ServeModelBudget, AProbeOverItsTimeLimitIsRefused) {
  TempDir dir;
  write_two_models(dir.path());
  ModelBudgets budgets;
  budgets.probe_limit = std::chrono::milliseconds(0);
  ModelSet set = ModelSet::load(dir.path(), nullptr, {}, budgets);
  EXPECT_TRUE(set.models().empty());
  EXPECT_NE(rejection(set, "relu.tflite").find("its probe inference took"), std::string::npos)
      << rejection(set, "relu.tflite");
  EXPECT_NE(rejection(set, "relu.tflite").find("over the limit of 0 s"), std::string::npos);
}

}  // namespace
}  // namespace edgeml::serve
