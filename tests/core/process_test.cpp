#include "core/process.h"

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "core/error.h"
#include "support/test_support.h"

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

TEST(Process, APipedInputIsReadUntilClosed) {
  test::TempDir dir;
  const std::string log = (dir.path() / "out.txt").string();
  Process cat({"cat"}, log, Process::Input::pipe);
  EXPECT_TRUE(cat.write_input("first line\n"));
  EXPECT_TRUE(cat.write_input("second line\n"));
  cat.close_input();
  auto status = cat.wait_for(std::chrono::seconds(5));
  ASSERT_TRUE(status);
  EXPECT_EQ(*status, 0);
  std::stringstream out;
  out << std::ifstream(log).rdbuf();
  EXPECT_EQ(out.str(), "first line\nsecond line\n");
}

// A child that has gone, or does not read, makes write_input false; the
// writer neither dies of SIGPIPE nor blocks.
TEST(Process, WritingToAChildThatDoesNotReadFailsWithoutBlocking) {
  Process gone({"true"}, {}, Process::Input::pipe);
  ASSERT_TRUE(gone.wait_for(std::chrono::seconds(5)));
  EXPECT_FALSE(gone.write_input("anyone there?\n"));
  EXPECT_FALSE(gone.write_input("again\n"));  // closed after the first failure

  Process deaf({"sleep", "30"}, {}, Process::Input::pipe);
  const std::string block(1 << 16, 'x');
  bool refused = false;
  for (int i = 0; i < 64 && !refused; ++i) refused = !deaf.write_input(block);  // the pipe fills
  EXPECT_TRUE(refused);
  deaf.stop(SIGKILL, std::chrono::seconds(5));
}

TEST(Process, WithoutAPipeThereIsNoInputToWrite) {
  Process p({"true"});
  EXPECT_FALSE(p.write_input("x"));
  p.wait_for(std::chrono::seconds(5));
}

TEST(Process, UnknownProgramIsAnError) {
  EXPECT_THROW(Process({"no-such-program-edgeml"}), Error);
}

}  // namespace
}  // namespace edgeml
