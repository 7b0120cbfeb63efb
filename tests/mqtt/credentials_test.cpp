#include "mqtt/credentials.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "core/error.h"
#include "support/test_support.h"

namespace edgeml::mq {
namespace {

namespace fs = std::filesystem;
using test::error_of;
using test::TempDir;

fs::path write_file(const fs::path& path, const std::string& text, mode_t mode) {
  std::ofstream(path) << text;
  chmod(path.c_str(), mode);
  return path;
}

TEST(MqttCredentials, PasswordFileFirstLine) {
  TempDir dir;
  fs::path file = write_file(dir / "pw", "s3cret:with colon\r\nignored\n", 0600);
  EXPECT_EQ(read_password_file(file), "s3cret:with colon");
  write_file(file, "\nsecond\n", 0600);
  EXPECT_NE(error_of([&] { read_password_file(file); }).find("first line"), std::string::npos);
}

TEST(MqttCredentials, FilesOthersCanReadAreRefused) {
  TempDir dir;
  for (mode_t mode : {0640, 0604, 0620, 0644}) {
    SCOPED_TRACE(mode);
    fs::path file = write_file(dir / "pw", "alice:secret\n", mode);
    std::string message = error_of([&] { read_password_file(file); });
    EXPECT_NE(message.find(file.string()), std::string::npos) << message;
    EXPECT_NE(message.find("chmod 600"), std::string::npos) << message;
    EXPECT_NE(error_of([&] { password_in_file(file, "alice"); }).find("group or others"), std::string::npos);
  }
  std::string message = error_of([&] { read_password_file(dir / "missing"); });
  EXPECT_NE(message.find("missing"), std::string::npos) << message;
}

TEST(MqttCredentials, PasswordOfAUserInAFile) {
  TempDir dir;
  fs::path file = write_file(dir / "pw", "alice:a:1\nalice2:b\nbob:c\n", 0600);
  EXPECT_EQ(password_in_file(file, "alice"), "a:1");
  EXPECT_EQ(password_in_file(file, "bob"), "c");
  EXPECT_EQ(password_in_file(file, "ali"), std::nullopt);
  EXPECT_EQ(password_in_file(file, "carol"), std::nullopt);
}

TEST(MqttCredentials, VariableNames) {
  EXPECT_EQ(password_variable("alice"), "EDGEML_BROKER_PASSWORD_ALICE");
  EXPECT_EQ(password_variable("node-7.b"), "EDGEML_BROKER_PASSWORD_NODE_7_B");
}

TEST(MqttCredentials, BrokerUserFromFileThenEnvironment) {
  TempDir dir;
  fs::path file = write_file(dir / "pw", "alice:from-file\n", 0600);
  setenv("EDGEML_BROKER_PASSWORD_ALICE", "from-env", 1);
  setenv("EDGEML_BROKER_PASSWORD_BOB", "bob-env", 1);
  EXPECT_EQ(resolve_broker_user("alice", file).password, "from-file");
  EXPECT_EQ(resolve_broker_user("alice", {}).password, "from-env");
  EXPECT_EQ(resolve_broker_user("bob", file).password, "bob-env");
  unsetenv("EDGEML_BROKER_PASSWORD_ALICE");
  unsetenv("EDGEML_BROKER_PASSWORD_BOB");
}

TEST(MqttCredentials, NoPasswordNamesTheThreeWays) {
  if (isatty(0)) GTEST_SKIP() << "stdin is a terminal: the password would be asked for";
  unsetenv("EDGEML_BROKER_PASSWORD_CAROL");
  std::string message = error_of([] { resolve_broker_user("carol", {}); });
  EXPECT_NE(message.find("carol"), std::string::npos) << message;
  EXPECT_NE(message.find("--password-file"), std::string::npos) << message;
  EXPECT_NE(message.find("EDGEML_BROKER_PASSWORD_CAROL"), std::string::npos) << message;
  EXPECT_NE(message.find("terminal"), std::string::npos) << message;
}

TEST(MqttCredentials, NameColonPasswordIsRefusedWithoutEchoingThePassword) {
  std::string message = error_of([] { resolve_broker_user("alice:hunter2", {}); });
  EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
  EXPECT_NE(message.find("--password-file"), std::string::npos) << message;
  EXPECT_NE(message.find("EDGEML_BROKER_PASSWORD_ALICE"), std::string::npos) << message;
}

}  // namespace
}  // namespace edgeml::mq
