#include "mqtt/sqlite_outbox.h"

#include <mqtt/exception.h>

#include <gtest/gtest.h>

#include "support/test_support.h"

namespace edgeml::mq {
namespace {

TEST(SqliteOutbox, KeepsWhatIsPutUntilRemovedAcrossReopening) {
  test::TempDir dir;
  {
    SqliteOutbox box(dir / "sub" / "outbox.db");
    box.open("client", "tcp://127.0.0.1:1883");
    std::string a = "abc", b("\x00\x01", 2);
    box.put("s-1", {::mqtt::string_view(a), ::mqtt::string_view(b)});
    box.put("c-2", {::mqtt::string_view(a)});
    box.put("c-2", {::mqtt::string_view(b)});  // replaces
    EXPECT_TRUE(box.contains_key("s-1"));
    EXPECT_EQ(box.get("s-1"), std::string("abc\x00\x01", 5));
    box.remove("s-1");
    EXPECT_FALSE(box.contains_key("s-1"));
    box.close();
  }
  SqliteOutbox box(dir / "sub" / "outbox.db");
  box.open("client", "tcp://127.0.0.1:1883");
  ::mqtt::string_collection keys = box.keys();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0], "c-2");
  EXPECT_EQ(box.get("c-2"), std::string("\x00\x01", 2));
  EXPECT_THROW(box.get("s-1"), ::mqtt::persistence_exception);
  box.clear();
  EXPECT_EQ(box.keys().size(), 0u);
}

TEST(SqliteOutbox, UnusableLocationIsAPersistenceError) {
  test::TempDir dir;
  std::filesystem::create_directory(dir / "taken");
  SqliteOutbox box(dir / "taken");
  EXPECT_THROW(box.open("client", "uri"), ::mqtt::persistence_exception);
}

}  // namespace
}  // namespace edgeml::mq
