// Proves the hot path allocates nothing: predicting, and parsing a CSV request
// into a reused Request.
#include <gtest/gtest.h>

#include "serve/model_set.h"
#include "protocol/request.h"
#include "serve_testing.h"
#include "support/allocation_counting.h"
#include "support/test_support.h"

namespace edgeml::serve {
namespace {

// Counts the allocations `work` makes when run `times` times.
template <typename Work>
long allocations_of(Work work, int times = 1000) {
  edgeml::test::start_counting_allocations();
  for (int i = 0; i < times; ++i) work();
  return edgeml::test::stop_counting_allocations();
}

TEST(ServeHotPath, PredictAllocatesNothing) {
  edgeml::test::TempDir dir;
  test::write_sample_directory(dir.path());
  ModelSet set = ModelSet::load(dir.path());
  ASSERT_EQ(set.models().size(), 2u);
  Request request;
  ASSERT_TRUE(parse_request("request/1160629000/121/308", "797,232,230", request));
  for (const auto& model : set.models()) {
    float out = 0;
    bool all_ok = true;
    EXPECT_EQ(allocations_of([&] { all_ok &= model->predict(request, {}, out).is_ok(); }), 0) << model->info().name;
    EXPECT_TRUE(all_ok);
  }
  // The counter works: an allocation while counting is seen (kept through a
  // volatile pointer, so the compiler cannot drop it).
  static int* volatile probe = nullptr;
  EXPECT_EQ(allocations_of([] { probe = new int(1); }, 1), 1);
  delete probe;
}

TEST(ServeHotPath, ParsingACsvRequestIntoAReusedRequestAllocatesNothing) {
  Request request;
  ASSERT_TRUE(parse_request("request/1160629000/121/308", "100.0,231,230", request));
  bool all_ok = true;
  EXPECT_EQ(allocations_of([&] { all_ok &= parse_request("request/1160629000/121/308", "797.0,232,230\n", request).is_ok(); }), 0);
  EXPECT_TRUE(all_ok);
  EXPECT_EQ(request.index, 797);
}

}  // namespace
}  // namespace edgeml::serve
