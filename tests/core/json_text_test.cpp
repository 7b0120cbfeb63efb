#include "core/json_text.h"

#include <limits>
#include <random>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace edgeml {
namespace {

std::string as_json(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

std::string number(double v) {
  std::string out;
  append_json_number(out, v);
  return out;
}

const std::string kReplacement = "\xef\xbf\xbd";

TEST(JsonText, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(as_json(""), R"("")");
  EXPECT_EQ(as_json("plain é ✓ 😀"), "\"plain é ✓ 😀\"");
  EXPECT_EQ(as_json("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(as_json("\n\r\t\b\f"), R"("\n\r\t\b\f")");
  EXPECT_EQ(as_json(std::string("\x01\x1f\x7f", 3)), "\"\\u0001\\u001f\x7f\"");
  EXPECT_EQ(as_json(std::string("a\0b", 3)), R"("a\u0000b")");
}

TEST(JsonText, ReplacesEachIllFormedUtf8ByteByTheReplacementCharacter) {
  EXPECT_EQ(as_json("\xff\xfe"), "\"" + kReplacement + kReplacement + "\"");
  EXPECT_EQ(as_json("ab\xc3"), "\"ab" + kReplacement + "\"");              // cut at the end
  EXPECT_EQ(as_json("\xc3x"), "\"" + kReplacement + "x\"");                // continuation missing
  EXPECT_EQ(as_json("\xc0\xaf"), "\"" + kReplacement + kReplacement + "\"");  // overlong '/'
  EXPECT_EQ(as_json("\xed\xa0\x80"), "\"" + kReplacement + kReplacement + kReplacement + "\"");  // a surrogate
  EXPECT_EQ(as_json("\xf4\x90\x80\x80").size(), 2 + 4 * kReplacement.size());  // above U+10FFFF
  EXPECT_EQ(as_json("\xe2\x9c\x93\xe2\x9c"), "\"\xe2\x9c\x93" + kReplacement + kReplacement + "\"");
}

TEST(JsonText, AnyBytesGiveJsonThatReadsBackAndKeepsWellFormedText) {
  std::mt19937 random(7);
  std::uniform_int_distribution<int> byte(0, 255), length(0, 40);
  for (int i = 0; i < 5000; ++i) {
    std::string text(static_cast<std::size_t>(length(random)), '\0');
    for (char& c : text) c = static_cast<char>(byte(random));
    std::string json = as_json(text);
    nlohmann::json parsed = nlohmann::json::parse(json, nullptr, false);
    ASSERT_FALSE(parsed.is_discarded()) << json;
    ASSERT_TRUE(parsed.is_string());
    // Well-formed input comes back unchanged: nlohmann's own check agrees.
    nlohmann::json as_is = text;
    bool well_formed = true;
    try {
      (void)as_is.dump();
    } catch (const nlohmann::json::type_error&) {
      well_formed = false;
    }
    if (well_formed) {
      EXPECT_EQ(parsed.get<std::string>(), text);
    }
  }
}

TEST(JsonText, NumbersInTheirShortestRoundTripForm) {
  EXPECT_EQ(number(100.0), "100");
  EXPECT_EQ(number(-0.5), "-0.5");
  EXPECT_EQ(number(1487454633.498), "1487454633.498");
  EXPECT_EQ(number(0.1), "0.1");
  EXPECT_EQ(nlohmann::json::parse(number(1e300)).get<double>(), 1e300);
  std::string f;
  append_json_number(f, -54.281502f);
  EXPECT_EQ(f, "-54.2815");
  EXPECT_EQ(number(std::numeric_limits<double>::quiet_NaN()), "null");
  EXPECT_EQ(number(std::numeric_limits<double>::infinity()), "null");
}

}  // namespace
}  // namespace edgeml
