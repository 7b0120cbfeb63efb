#include "core/csv.h"

#include <array>

#include <gtest/gtest.h>

namespace edgeml {
namespace {

TEST(Csv, SplitsAndCountsFields) {
  std::array<std::string_view, 3> f;
  EXPECT_EQ(split_csv("a,b,c", f), 3u);
  EXPECT_EQ(f[1], "b");
  EXPECT_EQ(split_csv("a,b,c,d,e", f), 5u);  // counts beyond what it stores
  EXPECT_EQ(split_csv("", f), 1u);
  EXPECT_EQ(split_csv("x,\r", f), 2u);
  EXPECT_EQ(f[1], "");
}

TEST(Csv, NumbersMustBeWholeAndFinite) {
  double v = 0;
  EXPECT_TRUE(parse_number(" 231 ", "v", v));
  EXPECT_EQ(v, 231);
  EXPECT_TRUE(parse_number("+1.5e2", "v", v));
  EXPECT_EQ(v, 150);
  EXPECT_FALSE(parse_number("231abc", "v", v));
  EXPECT_FALSE(parse_number("", "v", v));
  EXPECT_FALSE(parse_number("NaN", "v", v));
  // Found by fuzz_request_parser: one sign only ("+-0" was read as -0).
  EXPECT_FALSE(parse_number("+-0", "v", v));
  EXPECT_FALSE(parse_number("+-5", "v", v));
  EXPECT_FALSE(parse_number("++5", "v", v));
  EXPECT_TRUE(parse_number("-5", "v", v));
  EXPECT_EQ(v, -5);
}

TEST(Csv, PythonFloatFormatting) {
  EXPECT_EQ(format_python_float(0), "0.0");
  EXPECT_EQ(format_python_float(1487441883), "1487441883.0");
  EXPECT_EQ(format_python_float(2.5), "2.5");
  EXPECT_EQ(format_number(231), "231");
  EXPECT_EQ(format_number(0.1), "0.1");
}

}  // namespace
}  // namespace edgeml
