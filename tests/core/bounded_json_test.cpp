#include "core/bounded_json.h"

#include <fstream>

#include <gtest/gtest.h>

#include "core/error.h"
#include "core/file_text.h"
#include "support/test_support.h"

namespace edgeml {
namespace {

using nlohmann::json;

std::string cbor_of(const json& value) {
  std::vector<std::uint8_t> bytes = json::to_cbor(value);
  return std::string(bytes.begin(), bytes.end());
}

TEST(BoundedJson, ReadsWhatIsWithinTheLimits) {
  json out;
  ASSERT_TRUE(parse_json_bounded(R"({"a": [1, 2.5, "x", {"b": null}]})", out));
  EXPECT_EQ(out["a"][3]["b"], nullptr);
  json value = {{"model", "m"}, {"files", {{"m.tflite", json::binary({1, 2, 3})}}}};
  ASSERT_TRUE(parse_cbor_bounded(cbor_of(value), out));
  EXPECT_EQ(out, value);
  // Exactly the limit deep is taken.
  std::string deep = std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
  EXPECT_TRUE(parse_json_bounded(deep, out));
}

TEST(BoundedJson, RefusesDeepNestingBeforeBuildingATree) {
  json out = 1;
  Status s = parse_json_bounded(std::string(100000, '['), out);
  ASSERT_FALSE(s);
  EXPECT_NE(s.reason().find("nested deeper than 64"), std::string::npos) << s.reason();
  EXPECT_TRUE(out.is_null());
  // 600,000 one-element CBOR arrays: nlohmann's reader alone recurses into a stack overflow.
  s = parse_cbor_bounded(std::string(600000, '\x81'), out);
  ASSERT_FALSE(s);
  EXPECT_NE(s.reason().find("nested deeper"), std::string::npos) << s.reason();
  std::string deep = std::string(kMaxJsonDepth + 1, '[') + std::string(kMaxJsonDepth + 1, ']');
  EXPECT_FALSE(parse_json_bounded(deep, out));
}

TEST(BoundedJson, RefusesContainersLargerThanTheirInput) {
  json out;
  // A CBOR array declaring 2^64 - 2 elements: nlohmann's tree builder throws out_of_range for it.
  std::string huge = "\x9b\xff\xff\xff\xff\xff\xff\xff\xfe";
  Status s = parse_cbor_bounded(huge, out);
  ASSERT_FALSE(s);
  EXPECT_NE(s.reason().find("declares"), std::string::npos) << s.reason();
  EXPECT_FALSE(parse_cbor_bounded(std::string("\xbb\x00\x00\x00\x00\x7f\xff\xff\xff", 9), out));
}

TEST(BoundedJson, SaysWhereTheInputIsUnreadable) {
  json out;
  Status s = parse_json_bounded(R"({"a": tru})", out);
  ASSERT_FALSE(s);
  EXPECT_NE(s.reason().find("byte"), std::string::npos) << s.reason();
  EXPECT_FALSE(parse_cbor_bounded(std::string("\xa1\x61", 2), out));  // a map cut off in its key
  EXPECT_FALSE(parse_json_bounded("", out));
  EXPECT_FALSE(parse_json_bounded("1e999", out));
}

TEST(BoundedJson, ReportsQuotingIllFormedUtf8CanBeWritten) {
  json report = {{"reason", std::string("'\xff' is not a file name")}};
  EXPECT_THROW(report.dump(), json::type_error);
  EXPECT_EQ(dump_json_replacing(report), "{\"reason\":\"'\xef\xbf\xbd' is not a file name\"}");
}

}  // namespace
// Manifests arrive inside deployment packages: read_json_file bounds them too.
TEST(BoundedJson, JsonFilesAreReadWithTheSameBounds) {
  test::TempDir dir;
  std::ofstream(dir / "deep.json") << std::string(100000, '[') << std::string(100000, ']');
  try {
    read_json_file(dir / "deep.json", 1u << 20);
    FAIL() << "read a file nested 100,000 deep";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("deep.json"), std::string::npos) << e.what();
  }
  std::ofstream(dir / "ok.json") << R"({"models": [1, 2]})";
  EXPECT_EQ(read_json_file(dir / "ok.json", 1u << 20)["models"].size(), 2u);
}

}  // namespace edgeml
