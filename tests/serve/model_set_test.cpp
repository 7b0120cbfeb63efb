#include "serve/model_set.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <thread>

#include <gtest/gtest.h>

#include "support/reference_outputs.h"
#include "runtime/model_file.h"
#include "support/sample_models.h"
#include "convert/tflite_writer.h"
#include "serve_testing.h"
#include "support/test_support.h"

namespace edgeml::serve {
namespace {

namespace fs = std::filesystem;
using edgeml::test::TempDir;
using test::write_file;

Request request_of(float index, float value, float threshold) {
  Request r;
  r.index = index;
  r.value = value;
  r.threshold = threshold;
  return r;
}

float predict(const Model& model, const Request& r) {
  float out = 0;
  Status s = model.predict(r, {}, out);
  EXPECT_TRUE(s) << s.reason();
  return out;
}

// What the runtime alone computes for a [1, 3] model.
float direct_output(runtime::Graph graph, const Request& r) {
  runtime::Interpreter interpreter(std::move(graph));
  std::span<float> x = interpreter.input(0);
  x[0] = static_cast<float>(r.index);
  x[1] = static_cast<float>(r.value);
  x[2] = static_cast<float>(r.threshold);
  interpreter.invoke();
  return interpreter.output(0)[0];
}

// The rejected entry for `file_name`, or nullptr.
const RejectedFile* rejection(const ModelSet& set, const std::string& file_name) {
  auto it = std::find_if(set.rejected().begin(), set.rejected().end(),
                         [&](const RejectedFile& r) { return r.file.filename() == file_name; });
  return it == set.rejected().end() ? nullptr : &*it;
}

std::string truncated_tflite() {
  std::vector<std::uint8_t> bytes = convert::write_tflite(edgeml::test::sample_linear_model());
  return std::string(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(bytes.size() / 2));
}

TEST(ServeModelSet, SeedModelsLoadAsBareFilesAndGiveTheReferenceOutputs) {
  for (const char* file : {"models/seed-tflite/single_var_LR.tflite", "models/seed-tflite/multi_var_LR.tflite"})
    EDGEML_REQUIRE_SHARED(file);
  EDGEML_REQUIRE_SHARED(edgeml::test::kReferenceOutputs);
  ModelSet set = ModelSet::load(edgeml::test::shared_file("models/seed-tflite"));
  EXPECT_TRUE(set.rejected().empty());
  ASSERT_EQ(set.models().size(), 2u);
  const Model* single = set.find("single_var_LR");
  const Model* multi = set.find("multi_var_LR");
  ASSERT_TRUE(single && multi);
  EXPECT_EQ(single->info().features, std::vector<Feature>{Feature::index()});
  EXPECT_EQ(multi->info().features, (std::vector<Feature>{Feature::index(), Feature::value(), Feature::threshold()}));
  for (const Model* m : {single, multi}) {
    EXPECT_EQ(m->info().version, content_version(runtime::read_model_bytes(m->info().file)));
    EXPECT_EQ(m->info().version.size(), 12u);
    EXPECT_FALSE(m->info().from_manifest);
    EXPECT_FALSE(m->info().test_mae);
    EXPECT_EQ(m->info().label.unit, "1000 s after Unix time 1487508915");
  }
  int checked = 0;
  for (const edgeml::test::ReferenceRow& row : edgeml::test::read_reference_outputs()) {
    const Model* model = set.find(row.model);
    ASSERT_NE(model, nullptr) << row.model;
    Request r = request_of(row.input[0], row.input.size() == 3 ? row.input[1] : 0,
                           row.input.size() == 3 ? row.input[2] : 0);
    float got = predict(*model, r);
    EXPECT_TRUE(edgeml::test::matches_reference(got, row.prediction))
        << row.model << " index " << r.index << ": " << got << " vs " << row.prediction;
    ++checked;
  }
  EXPECT_GE(checked, 20);
}

TEST(ServeModelSet, LoadsTheModelsAManifestListsWithItsVersionsInputsAndLabel) {
  TempDir dir;
  test::write_sample_directory(dir.path(), "2026-11-26");
  ModelSet set = ModelSet::load(dir.path());
  EXPECT_TRUE(set.rejected().empty()) << set.rejected()[0].reason;
  ASSERT_EQ(set.models().size(), 2u);  // linear.onnx is linear's fallback, not a model of its own
  const Model* linear = set.find("linear");
  const Model* relu = set.find("relu");
  ASSERT_TRUE(linear && relu);
  EXPECT_EQ(linear->info().file, dir / "linear.tflite");
  EXPECT_EQ(linear->info().version, "2026-11-26");
  EXPECT_EQ(linear->info().test_mae, 1.25);
  EXPECT_TRUE(linear->info().from_manifest);
  EXPECT_EQ(linear->info().label.scale, 60);
  EXPECT_EQ(linear->info().label.unit, "60 s after Unix time 0");
  EXPECT_EQ(relu->info().test_mae, 0.5);
  Request r = request_of(797, 232, 230);
  EXPECT_EQ(predict(*linear, r), direct_output(edgeml::test::sample_linear_model(), r));
  EXPECT_EQ(predict(*relu, r), direct_output(edgeml::test::sample_relu_network(), r));
}

TEST(ServeModelSet, BareFilesLoadBesideAManifest) {
  TempDir dir;
  test::write_sample_directory(dir.path());
  convert::write_tflite_file(test::dense_model({2}, 1), dir / "single.tflite");
  ModelSet set = ModelSet::load(dir.path());
  ASSERT_EQ(set.models().size(), 3u);
  const Model* single = set.find("single");
  ASSERT_NE(single, nullptr);
  EXPECT_EQ(predict(*single, request_of(10, 0, 0)), 21);
}

// What an install writes before it renames the manifest, or what a crash
// between the two leaves: not a model named "linear@v2".
TEST(ServeModelSet, AVersionFileTheManifestDoesNotListIsNotAModel) {
  TempDir dir;
  test::write_sample_directory(dir.path());
  convert::write_tflite_file(test::dense_model({2, 0, 0}, 1), dir / "linear@v2.tflite");
  ModelSet set = ModelSet::load(dir.path());
  EXPECT_EQ(set.models().size(), 2u);
  EXPECT_EQ(set.find("linear@v2"), nullptr);
  EXPECT_TRUE(set.rejected().empty());
}

TEST(ServeModelSet, AManifestModelFallsBackToItsOnnxFile) {
  TempDir dir;
  test::write_sample_directory(dir.path());
  write_file(dir / "linear.tflite", truncated_tflite());
  ModelSet set = ModelSet::load(dir.path());
  const Model* linear = set.find("linear");
  ASSERT_NE(linear, nullptr);
  EXPECT_EQ(linear->info().file, dir / "linear.onnx");
  const RejectedFile* bad = rejection(set, "linear.tflite");
  ASSERT_NE(bad, nullptr);
  EXPECT_EQ(bad->model, "linear");
  Request r = request_of(797, 232, 230);
  EXPECT_FLOAT_EQ(predict(*linear, r), direct_output(edgeml::test::sample_linear_model(), r));
}

TEST(ServeModelSet, BadFilesAreRejectedWithTheirNamesWhileTheOthersLoad) {
  TempDir dir;
  convert::write_tflite_file(edgeml::test::sample_linear_model(), dir / "good.tflite");
  write_file(dir / "truncated.tflite", truncated_tflite());
  write_file(dir / "garbage.onnx", "not a model at all");
  write_file(dir / "empty.tflite", "");
  convert::write_tflite_file(test::dense_model({1, 1}, 0), dir / "two_inputs.tflite");
  convert::write_tflite_file(test::dense_model({3e38f, 0, 0}, 0), dir / "overflows.tflite");
  write_file(dir / "notes.txt", "not a model file, not looked at");
  fs::create_directory(dir / "sub.tflite");
  fs::create_symlink(dir / "absent.tflite", dir / "dangling.tflite");
  ModelSet set = ModelSet::load(dir.path());
  ASSERT_EQ(set.models().size(), 1u);
  EXPECT_NE(set.find("good"), nullptr);
  EXPECT_EQ(set.rejected().size(), 5u);
  for (const char* file : {"truncated.tflite", "garbage.onnx", "empty.tflite", "two_inputs.tflite", "overflows.tflite"}) {
    const RejectedFile* r = rejection(set, file);
    ASSERT_NE(r, nullptr) << file;
    EXPECT_FALSE(r->reason.empty());
    EXPECT_EQ(r->model, fs::path(file).stem().string());
  }
  EXPECT_NE(rejection(set, "two_inputs.tflite")->reason.find("its input takes 2 values"), std::string::npos);
  EXPECT_NE(rejection(set, "overflows.tflite")->reason.find("not finite"), std::string::npos)
      << rejection(set, "overflows.tflite")->reason;
}

TEST(ServeModelSet, BadManifestEntriesAreRejectedOneByOne) {
  TempDir dir;
  test::write_sample_directory(dir.path());
  nlohmann::json manifest = test::sample_manifest("v1");
  nlohmann::json linear = manifest["models"][0];
  auto variant = [&](const char* name, const char* key, nlohmann::json value) {
    nlohmann::json entry = linear;
    entry["name"] = name;
    entry[key] = std::move(value);
    manifest["models"].push_back(entry);
  };
  variant("escapes", "files", {{"tflite", "../linear.tflite"}});
  variant("unknown_input", "inputs", {"index", "speed", "valueThreshold"});
  variant("too_few_inputs", "inputs", {"index"});
  variant("missing_file", "files", {{"tflite", "absent.tflite"}});
  variant("no_version", "version", 7);
  variant("linear", "version", "v2");  // a second "linear"
  manifest["models"].push_back("not an object");
  write_file(dir / "manifest.json", manifest.dump());
  ModelSet set = ModelSet::load(dir.path());
  EXPECT_EQ(set.models().size(), 2u);
  EXPECT_EQ(set.find("linear")->info().version, "v1");
  auto reason_for = [&](const std::string& model) {
    std::string reasons;
    for (const RejectedFile& r : set.rejected())
      if (r.model == model || r.reason.find(model) != std::string::npos) reasons += r.reason + "\n";
    return reasons;
  };
  EXPECT_NE(reason_for("escapes").find("'../linear.tflite' is not a file name"), std::string::npos);
  EXPECT_NE(reason_for("unknown_input").find("inputs[1] \"speed\""), std::string::npos);
  EXPECT_NE(reason_for("too_few_inputs").find("its input takes 3 values, but its inputs are 1 (index)"),
            std::string::npos);
  EXPECT_NE(reason_for("missing_file").find("absent.tflite"), std::string::npos);
  EXPECT_NE(reason_for("no_version").find("models[6].version is not a non-empty string"), std::string::npos);
  EXPECT_NE(reason_for("linear").find("model 'linear' is listed twice"), std::string::npos);
  EXPECT_NE(reason_for("models[8]").find("models[8] is not an object"), std::string::npos);
}

TEST(ServeModelSet, ABrokenManifestIsRejectedAndTheFilesLoadBare) {
  TempDir dir;
  test::write_sample_directory(dir.path());
  write_file(dir / "manifest.json", R"({"models": [{"name": "linear",)");
  ModelSet set = ModelSet::load(dir.path());
  const RejectedFile* manifest = rejection(set, "manifest.json");
  ASSERT_NE(manifest, nullptr);
  EXPECT_NE(manifest->reason.find("is not valid JSON"), std::string::npos) << manifest->reason;
  ASSERT_NE(set.find("linear"), nullptr);
  EXPECT_FALSE(set.find("linear")->info().from_manifest);
  EXPECT_NE(set.find("relu"), nullptr);
}

TEST(ServeModelSet, ADirectoryThatIsNotThereIsAnError) {
  TempDir dir;
  EXPECT_THROW(ModelSet::load(dir / "absent"), Error);
  write_file(dir / "file", "x");
  EXPECT_THROW(ModelSet::load(dir / "file"), Error);
  EXPECT_TRUE(ModelSet::load(dir.path()).models().empty());
}

TEST(ServeModelRegistry, ReloadKeepsTheOldVersionOfAModelWhoseNewFileIsBad) {
  TempDir dir;
  test::write_sample_directory(dir.path(), "v1");
  ModelRegistry registry;
  EXPECT_TRUE(registry.current()->models().empty());
  std::shared_ptr<const ModelSet> first = registry.reload(dir.path());
  ASSERT_EQ(first->models().size(), 2u);

  // v2: relu is fine, linear's files are broken, a new model arrives.
  write_file(dir / "manifest.json", test::sample_manifest("v2").dump());
  write_file(dir / "linear.tflite", truncated_tflite());
  write_file(dir / "linear.onnx", "garbage");
  convert::write_tflite_file(test::dense_model({2}, 1), dir / "single.tflite");
  std::shared_ptr<const ModelSet> second = registry.reload(dir.path());
  EXPECT_EQ(registry.current(), second);
  ASSERT_EQ(second->models().size(), 3u);
  EXPECT_EQ(second->find("relu")->info().version, "v2");
  EXPECT_EQ(second->find("linear")->info().version, "v1");
  EXPECT_EQ(second->find("linear"), first->find("linear"));  // the very same loaded model
  EXPECT_EQ(second->kept(), std::vector<std::string>{"linear"});
  EXPECT_NE(rejection(*second, "linear.tflite"), nullptr);
  EXPECT_NE(rejection(*second, "linear.onnx"), nullptr);
  // The first snapshot is unchanged and still runs.
  EXPECT_EQ(first->find("relu")->info().version, "v1");
  EXPECT_EQ(first->find("single"), nullptr);
  Request r = request_of(797, 232, 230);
  EXPECT_EQ(predict(*first->find("relu"), r), predict(*second->find("relu"), r));

  // A model whose files are gone is dropped; a directory that is gone keeps the set.
  fs::remove(dir / "single.tflite");
  EXPECT_EQ(registry.reload(dir.path())->find("single"), nullptr);
  EXPECT_THROW(registry.reload(dir / "absent"), Error);
  EXPECT_EQ(registry.current()->models().size(), 2u);
}

TEST(ServeModelRegistry, EveryVectorWidthPredictsBitwiseTheSameAndOthersAreRefused) {
  TempDir dir;
  test::write_sample_directory(dir.path());
  const Request r = request_of(797, 232, 230);
  const float expected = direct_output(edgeml::test::sample_relu_network(), r);
  for (unsigned bits : {0u, 128u, 256u, 512u}) {
    ModelRegistry registry(runtime::KernelOptions{bits});
    std::shared_ptr<const ModelSet> set = registry.reload(dir.path());
    ASSERT_NE(set->find("relu"), nullptr) << bits;
    float out = predict(*set->find("relu"), r);
    EXPECT_EQ(std::memcmp(&out, &expected, sizeof out), 0) << bits << " bits: " << out << ", not " << expected;
  }
  EXPECT_THROW(ModelRegistry(runtime::KernelOptions{64}), Error);
}

TEST(ServeModelRegistry, ABrokenManifestKeepsTheModelsItListed) {
  TempDir dir;
  test::write_sample_directory(dir.path(), "v1");
  ModelRegistry registry;
  std::shared_ptr<const ModelSet> first = registry.reload(dir.path());
  write_file(dir / "manifest.json", "{");
  std::shared_ptr<const ModelSet> second = registry.reload(dir.path());
  EXPECT_EQ(second->find("linear"), first->find("linear"));
  EXPECT_EQ(second->find("relu"), first->find("relu"));
  EXPECT_EQ(second->kept().size(), 2u);
}

TEST(ServeModelRegistry, ReadersPredictWhileTheSetIsReloaded) {
  TempDir dir;
  test::write_sample_directory(dir.path());
  ModelRegistry registry;
  registry.reload(dir.path());
  const float expected = direct_output(edgeml::test::sample_relu_network(), request_of(797, 232, 230));
  std::atomic<bool> stop{false};
  std::atomic<int> wrong{0}, done{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t)
    readers.emplace_back([&] {
      Request r = request_of(797, 232, 230);
      while (!stop) {
        std::shared_ptr<const ModelSet> set = registry.current();
        float out = 0;
        if (!set->find("relu") || !set->find("relu")->predict(r, {}, out) || out != expected) ++wrong;
        ++done;
      }
    });
  // However the threads are scheduled, readers run before, during and after the swaps.
  EXPECT_TRUE(edgeml::test::wait_until([&] { return done.load() > 0; }, std::chrono::seconds(10)));
  for (int i = 0; i < 10; ++i) registry.reload(dir.path());
  const int after_reloads = done.load();
  EXPECT_TRUE(edgeml::test::wait_until([&] { return done.load() > after_reloads; }, std::chrono::seconds(10)));
  stop = true;
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace edgeml::serve
