#include "mqtt/sqlite_outbox.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "support/test_support.h"

namespace edgeml::mq {
namespace {

TEST(SqliteOutbox, KeepsWhatIsPutUntilRemovedAcrossReopening) {
  test::TempDir dir;
  {
    SqliteOutbox box(dir / "sub" / "outbox.db");
    box.open();
    std::string a = "abc", b("\x00\x01", 2);
    box.put("s-1", {a, b});
    box.put("c-2", {a});
    box.put("c-2", {b});  // replaces
    EXPECT_TRUE(box.contains("s-1"));
    EXPECT_EQ(box.get("s-1"), std::string("abc\x00\x01", 5));
    box.remove("s-1");
    EXPECT_FALSE(box.contains("s-1"));
    box.close();
  }
  SqliteOutbox box(dir / "sub" / "outbox.db");
  box.open();
  std::vector<std::string> keys = box.keys();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0], "c-2");
  EXPECT_EQ(box.get("c-2"), std::string("\x00\x01", 2));
  EXPECT_THROW(box.get("s-1"), Error);
  box.clear();
  EXPECT_EQ(box.keys().size(), 0u);
}

TEST(SqliteOutbox, UnusableLocationIsAnErrorNamingIt) {
  test::TempDir dir;
  std::filesystem::create_directory(dir / "taken");
  SqliteOutbox box(dir / "taken");
  try {
    box.open();
    FAIL() << "opened an outbox on a directory";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find((dir / "taken").string()), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace edgeml::mq
