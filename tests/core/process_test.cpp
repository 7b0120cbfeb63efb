#include "core/process.h"

#include <signal.h>

#include <gtest/gtest.h>

#include "core/error.h"

namespace edgeml {
namespace {

TEST(Process, ReportsExitStatus) {
  Process p({"sh", "-c", "exit 3"});
  auto status = p.wait_for(std::chrono::seconds(5));
  ASSERT_TRUE(status);
  EXPECT_EQ(*status, 3);
}

TEST(Process, StopsWithASignalAndBoundsTheWait) {
  Process p({"sleep", "30"});
  EXPECT_FALSE(p.wait_for(std::chrono::milliseconds(20)));
  EXPECT_TRUE(p.running());
  EXPECT_EQ(p.stop(SIGTERM, std::chrono::seconds(5)), 128 + SIGTERM);
  EXPECT_FALSE(p.running());
}

TEST(Process, UnknownProgramIsAnError) {
  EXPECT_THROW(Process({"no-such-program-edgeml"}), Error);
}

}  // namespace
}  // namespace edgeml
