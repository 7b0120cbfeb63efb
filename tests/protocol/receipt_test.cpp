#include "protocol/receipt.h"

#include <gtest/gtest.h>

namespace edgeml {
namespace {

TEST(Receipt, RangesRoundTripInAnyOrderWithRepeats) {
  std::string text = encode_receipt({9, 3, 4, 5, 5, 1, 10, 12});
  EXPECT_EQ(text, "1,3-5,9-10,12");
  std::vector<std::uint64_t> back;
  ASSERT_TRUE(decode_receipt(text, back));
  EXPECT_EQ(back, (std::vector<std::uint64_t>{1, 3, 4, 5, 9, 10, 12}));
  EXPECT_EQ(encode_receipt({}), "");
  back.clear();
  EXPECT_TRUE(decode_receipt("", back));
  EXPECT_TRUE(back.empty());
}

TEST(Receipt, RefusesWhatIsNotAListOfRangesAndHugeRanges) {
  std::vector<std::uint64_t> out;
  for (const char* bad : {"x", "1,,2", "5-3", "-1", "1-", "1-2-3", "18446744073709551616", " 1", "1,2,"})
    EXPECT_FALSE(decode_receipt(bad, out)) << bad;
  // A range may not make the reader allocate more than the cap allows.
  EXPECT_FALSE(decode_receipt("0-18446744073709551615", out));
  EXPECT_FALSE(decode_receipt(std::string(kMaxReceiptBytes + 1, '1'), out));
}

TEST(Receipt, SequencesAreDecimalCorrelationData) {
  std::uint64_t s = 0;
  EXPECT_TRUE(parse_sequence(sequence_correlation(42), s));
  EXPECT_EQ(s, 42u);
  EXPECT_FALSE(parse_sequence("", s));
  EXPECT_FALSE(parse_sequence("4x", s));
  EXPECT_EQ(receipt_topic("sensor-1", "00ff"), "edgeml/receipts/sensor-1/00ff");
  EXPECT_TRUE(is_receipt_topic(receipt_topic("sensor-1", new_run_id())));
  EXPECT_FALSE(is_receipt_topic("edgeml/deploy/all/m"));
  EXPECT_FALSE(is_receipt_topic("edgeml/receipts/#"));
  EXPECT_FALSE(is_receipt_topic("edgeml/receipts/+/x"));
  EXPECT_FALSE(is_receipt_topic(std::string("edgeml/receipts/a\0b", 19)));
  EXPECT_FALSE(is_receipt_topic("edgeml/receipts/" + std::string(300, 'a')));
  EXPECT_EQ(new_run_id().size(), 16u);
  EXPECT_NE(new_run_id(), new_run_id());
}

}  // namespace
}  // namespace edgeml
