#include "serve/deployment.h"

#include <gtest/gtest.h>

#include "serve/model_set.h"
#include "serve_testing.h"
#include "support/test_support.h"

namespace edgeml::serve {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::vector<std::string> file_names(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// What a node started with --allow-unsigned-deploy takes.
const PackagePolicy kUnsigned{{}, true};

const ModelPackage& package_named(const std::vector<ModelPackage>& packages, const std::string& model) {
  for (const ModelPackage& p : packages)
    if (p.model == model) return p;
  throw Error("no package " + model);
}

TEST(ServeDeployment, TheTrainingStatisticsGoWithEachEntry) {
  edgeml::test::TempDir dir;
  test::write_sample_directory(dir.path(), "v1");
  nlohmann::json manifest = test::sample_manifest("v1");
  manifest["data_statistics"] = {{"rows", 3}};
  test::write_file(dir / "manifest.json", manifest.dump());
  for (const ModelPackage& p : packages_from_directory(dir.path()))
    if (!p.entry.is_null()) {
      EXPECT_EQ(p.entry["data_statistics"]["rows"], 3) << p.model;
    }
}

TEST(ServeDeployment, PackagesComeFromAManifestAndBareFilesAndRoundTrip) {
  edgeml::test::TempDir dir;
  test::write_sample_directory(dir.path(), "v1");
  test::write_file(dir / "extra.tflite", edgeml::test::read_file(dir / "relu.tflite"));
  auto packages = packages_from_directory(dir.path());
  ASSERT_EQ(packages.size(), 3u);
  const ModelPackage& linear = package_named(packages, "linear");
  EXPECT_EQ(linear.version, "v1");
  EXPECT_EQ(linear.files.size(), 2u);  // .tflite and .onnx
  EXPECT_EQ(linear.entry["label"]["scale"], 60) << "the manifest's label goes with the entry";
  const ModelPackage& extra = package_named(packages, "extra");
  EXPECT_TRUE(extra.entry.is_null());
  EXPECT_EQ(extra.version.size(), 12u);

  ModelPackage decoded;
  ASSERT_TRUE(decode_package(encode_package(linear), decoded, kUnsigned)) << "round trip";
  EXPECT_EQ(decoded.model, "linear");
  EXPECT_EQ(decoded.entry, linear.entry);
  EXPECT_EQ(decoded.files, linear.files);
}

TEST(ServeDeployment, DamagedOrHostilePackagesAreRefusedWithTheReason) {
  ModelPackage out;
  auto reason = [&](const std::string& bytes) {
    Status s = decode_package(bytes, out, kUnsigned);
    return s ? std::string("accepted") : s.reason();
  };
  ModelPackage good{"m", "v1", nullptr, {{"m.tflite", std::string(100, 'x')}}};
  std::string bytes = encode_package(good);
  EXPECT_EQ(reason(bytes), "accepted");
  std::string flipped = bytes;
  flipped[bytes.size() / 2] ^= 1;
  EXPECT_NE(reason(flipped).find("SHA-256"), std::string::npos) << reason(flipped);
  EXPECT_NE(reason("not cbor at all").find("not a CBOR package"), std::string::npos);
  EXPECT_NE(reason(bytes.substr(0, bytes.size() / 2)).find("not a CBOR package"), std::string::npos);
  for (const char* name : {"../m.tflite", ".m.tflite", "m.txt", "dir/m.tflite"}) {
    ModelPackage hostile{"m", "v1", nullptr, {{name, "x"}}};
    EXPECT_NE(reason(encode_package(hostile)).find("file name"), std::string::npos) << name;
  }
  for (const char* model : {"", "a/b", "..", "+"}) {
    ModelPackage hostile{model, "v1", nullptr, {{"m.tflite", "x"}}};
    EXPECT_NE(reason(encode_package(hostile)).find("model name"), std::string::npos) << model;
  }
  ModelPackage foreign{"m", "v1", json{{"name", "other"}}, {{"m.tflite", "x"}}};
  EXPECT_EQ(reason(encode_package(foreign)), "the manifest entry is not the model's");
}

TEST(ServeDeployment, InstallingReplacesAVersionAndRemovingTakesItAway) {
  edgeml::test::TempDir source, models;
  test::write_sample_directory(source.path(), "v1");
  for (const ModelPackage& p : packages_from_directory(source.path())) install_package(p, models.path());
  EXPECT_EQ(file_names(models.path()),
            (std::vector<std::string>{"linear@v1.onnx", "linear@v1.tflite", "manifest.json", "relu@v1.tflite"}));
  ModelSet set = ModelSet::load(models.path());
  ASSERT_TRUE(set.find("linear"));
  EXPECT_EQ(set.find("linear")->info().version, "v1");
  EXPECT_EQ(set.find("linear")->info().label.scale, 60);

  test::write_sample_directory(source.path(), "v2");
  install_package(package_named(packages_from_directory(source.path()), "linear"), models.path());
  EXPECT_EQ(file_names(models.path()),
            (std::vector<std::string>{"linear@v2.onnx", "linear@v2.tflite", "manifest.json", "relu@v1.tflite"}));
  EXPECT_EQ(ModelSet::load(models.path()).find("linear")->info().version, "v2");

  EXPECT_TRUE(remove_model("linear", models.path()));
  EXPECT_EQ(file_names(models.path()), (std::vector<std::string>{"manifest.json", "relu@v1.tflite"}));
  EXPECT_FALSE(remove_model("linear", models.path()));
  EXPECT_TRUE(ModelSet::load(models.path()).rejected().empty());
}

TEST(ServeDeployment, APackageThatDoesNotLoadChangesNothing) {
  edgeml::test::TempDir source, models;
  test::write_sample_directory(source.path(), "v1");
  install_package(package_named(packages_from_directory(source.path()), "relu"), models.path());
  auto before = file_names(models.path());
  std::string manifest = edgeml::test::read_file(models / "manifest.json");
  ModelPackage truncated{"relu", "v2", nullptr, {{"relu.tflite", "TFL3 but nothing else"}}};
  EXPECT_THROW(install_package(truncated, models.path()), Error);
  EXPECT_EQ(file_names(models.path()), before);
  EXPECT_EQ(edgeml::test::read_file(models / "manifest.json"), manifest);
}

}  // namespace
}  // namespace edgeml::serve
