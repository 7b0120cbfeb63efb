#include "protocol/manifest.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "support/test_support.h"

namespace edgeml {
namespace {

using nlohmann::json;

json entry(std::string name) {
  return {{"name", name}, {"version", "v1"}, {"inputs", {"index"}}, {"files", {{"onnx", name + ".onnx"}, {"tflite", name + ".tflite"}}}};
}

TEST(Manifest, ReadsEntriesWithTheManifestsLabel) {
  json manifest = empty_manifest();
  manifest["label"] = {{"offset", 10}, {"scale", 2}};
  manifest["models"].push_back(entry("a"));
  manifest["models"][0]["test_mae"] = 0.5;
  ManifestModels m = read_manifest_models(manifest);
  ASSERT_EQ(m.entries.size(), 1u);
  EXPECT_EQ(m.entries[0].name, "a");
  EXPECT_EQ(m.entries[0].inputs, std::vector<std::string>{"index"});
  EXPECT_EQ(m.entries[0].files, (std::vector<std::string>{"a.tflite", "a.onnx"}));
  EXPECT_EQ(m.entries[0].test_mae, 0.5);
  EXPECT_EQ(m.entries[0].label.offset, 10);
  EXPECT_EQ(m.entries[0].label.unit, "2 s after Unix time 10");
  EXPECT_EQ(m.listed_files.size(), 2u);
}

TEST(Manifest, InputsMayBeFeaturesOfTheSeriesPast) {
  json manifest = empty_manifest();
  manifest["models"].push_back(entry("a"));
  manifest["models"][0]["inputs"] = {"gap_1", "median_gap_16", "value", "series:1/2/3", "prev_time"};
  ManifestModels m = read_manifest_models(manifest);
  ASSERT_EQ(m.entries.size(), 1u) << (m.bad.empty() ? "" : m.bad[0].reason);
  EXPECT_EQ(m.entries[0].inputs, (std::vector<std::string>{"gap_1", "median_gap_16", "value", "series:1/2/3", "prev_time"}));
}

TEST(Manifest, ABadEntryIsSetAsideWithWhy) {
  json manifest = empty_manifest();
  manifest["models"].push_back(entry("a"));
  manifest["models"][0]["inputs"] = {"index", "speed"};
  manifest["models"].push_back(entry("../b"));
  manifest["models"][1]["files"]["onnx"] = "../b.onnx";
  ManifestModels m = read_manifest_models(manifest);
  EXPECT_TRUE(m.entries.empty());
  ASSERT_EQ(m.bad.size(), 2u);
  EXPECT_TRUE(m.bad[0].reason.starts_with(
      "models[0].inputs[1] \"speed\" is not index, value, valueThreshold, series:STATION/DATAPOINT/ALARM or a "
      "feature of the past (prev_time, "))
      << m.bad[0].reason;
  EXPECT_EQ(m.bad[0].name, "a");
  EXPECT_NE(m.bad[1].reason.find("is not a file name in the manifest's directory"), std::string::npos);
}

TEST(Manifest, AManifestWithoutModelsOrWithABadLabelIsRefused) {
  EXPECT_THROW(read_manifest_models(json::array()), Error);
  EXPECT_THROW(read_manifest_models(json{{"format", 1}}), Error);
  EXPECT_THROW(read_manifest_models(json{{"models", json::array()}, {"label", {{"scale", 0}}}}), Error);
}

TEST(Manifest, TheTutorialsLabelWhenNoneIsGiven) {
  Label label = read_manifest_label(json::object());
  EXPECT_EQ(label.offset, kLabelOffset);
  EXPECT_EQ(label.scale, kLabelScale);
  EXPECT_EQ(label.unit, "1000 s after Unix time 1487508915");
  EXPECT_EQ(manifest_label_json(label)["unit"], label.unit);
}

TEST(Manifest, StatisticsOfTheManifestElseOfTheFirstEntryThatHasThem) {
  json manifest = empty_manifest();
  EXPECT_TRUE(manifest_statistics(manifest).is_null());
  manifest["models"].push_back(entry("a"));
  manifest["models"].push_back(entry("b"));
  manifest["models"][1]["data_statistics"] = {{"rows", 2}};
  EXPECT_EQ(manifest_statistics(manifest)["rows"], 2);
  manifest["data_statistics"] = {{"rows", 1}};
  EXPECT_EQ(manifest_statistics(manifest)["rows"], 1);
}

TEST(Manifest, WritesAndReadsTheFile) {
  test::TempDir dir;
  json manifest = empty_manifest();
  manifest["models"].push_back(entry("a"));
  write_manifest_file(manifest, dir.path());
  EXPECT_EQ(read_manifest_file(dir.path()), manifest);
  EXPECT_EQ(manifest_listed_files(manifest), (std::vector<std::string>{"a.onnx", "a.tflite"}));
}

// An int8 file (edgeml train --int8) is its entry's: listed, so that serving
// does not take it for a model of its own; the entry still loads its float files.
TEST(Manifest, AnEntrysInt8FileIsListedButNotLoaded) {
  json e = entry("a");
  e["int8"] = {{"tflite", "a.int8.tflite"}, {"test_mae", 0.5}};
  ManifestModels m = read_manifest_models(json{{"models", {e}}});
  ASSERT_EQ(m.entries.size(), 1u);
  EXPECT_EQ(m.entries[0].files, (std::vector<std::string>{"a.tflite", "a.onnx"}));
  EXPECT_EQ(m.listed_files, (std::vector<std::string>{"a.onnx", "a.tflite", "a.int8.tflite"}));
  e["int8"] = "not an object";
  EXPECT_EQ(read_manifest_models(json{{"models", {e}}}).entries.size(), 1u);
}

}  // namespace
}  // namespace edgeml
