#include "core/json_text.h"

#include <cmath>
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

std::string thousandths(double v) {
  std::string out;
  append_json_thousandths(out, v);
  return out;
}

TEST(JsonText, ThousandthsAreRoundedAndWrittenShortest) {
  EXPECT_EQ(thousandths(1487454633.49849), "1487454633.498");
  EXPECT_EQ(thousandths(1487454633.4985), "1487454633.499");  // std::round: halves away from zero
  EXPECT_EQ(thousandths(-54.2815), "-54.282");
  EXPECT_EQ(thousandths(0.05), "0.05");
  EXPECT_EQ(thousandths(0.001), "0.001");   // fixed and scientific as long: fixed
  EXPECT_EQ(thousandths(0.0004), "0");
  EXPECT_EQ(thousandths(-0.0004), "-0");    // what append_json_number makes of -0.0
  EXPECT_EQ(thousandths(100), "100");
  EXPECT_EQ(thousandths(1.5e9), "1.5e+09");  // scientific is shorter
  EXPECT_EQ(thousandths(123456789012345.6), "123456789012345.6");
  EXPECT_EQ(thousandths(std::numeric_limits<double>::quiet_NaN()), "null");
}

// The fast path must write exactly what the general one writes: checked on
// values of every size around the times replies carry, and on ones that
// switch between fixed and scientific.
TEST(JsonText, ThousandthsMatchTheShortestFormOfTheRoundedValue) {
  std::mt19937_64 random(7);
  std::uniform_real_distribution<double> exponent(-4, 16), mantissa(1, 10);
  std::uniform_int_distribution<int> digits(0, 9), sign(0, 1);
  auto check = [](double v) {
    ASSERT_EQ(thousandths(v), number(std::round(v * 1000) / 1000)) << "value " << v;
  };
  for (int i = 0; i < 200000; ++i) {
    double v = mantissa(random) * std::pow(10.0, std::floor(exponent(random)));
    ASSERT_NO_FATAL_FAILURE(check(sign(random) ? -v : v));
  }
  for (int i = 0; i < 20000; ++i) {  // few significant digits and many zeros: 1.5e+09, 100000, 0.02
    double v = (digits(random) + 10 * digits(random)) * std::pow(10.0, digits(random) - 3);
    ASSERT_NO_FATAL_FAILURE(check(sign(random) ? -v : v));
  }
}

}  // namespace
}  // namespace edgeml
