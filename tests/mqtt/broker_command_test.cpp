// `edgeml broker` as a command: what it refuses, where passwords come from,
// and that its mosquitto does not outlive it.
#include <signal.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/error.h"
#include "core/process.h"
#include "mqtt/broker_acl.h"
#include "mqtt/client.h"
#include "support/test_support.h"

namespace edgeml::mq {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test::TempDir;
using test::wait_until;

constexpr auto kWait = 20s;

TEST(MqttBrokerCommand, RefusesToListenOffLoopbackWithoutUsers) {
  TempDir dir;
  fs::path log = dir / "edgeml.log";
  Process edgeml = test::run_edgeml(
      {"broker", "--listen", "0.0.0.0", "--port", "0", "--data-dir", (dir / "broker").string()}, log);
  auto status = edgeml.wait_for(kWait);
  ASSERT_TRUE(status) << "edgeml broker kept running";
  EXPECT_EQ(*status, 1);
  std::string output = test::read_file(log);
  EXPECT_NE(output.find("authentication"), std::string::npos) << output;
  EXPECT_NE(output.find("--user NAME"), std::string::npos) << output;
  // Refused before mosquitto was configured, let alone started.
  EXPECT_FALSE(fs::exists(dir / "broker" / "mosquitto.conf"));
}

// Runs `edgeml args...` to its end and returns its output; fails the test
// unless it exits with `expected`.
std::string run_to_end(const std::vector<std::string>& args, const fs::path& log, int expected) {
  Process edgeml = test::run_edgeml(args, log);
  auto status = edgeml.wait_for(kWait);
  EXPECT_TRUE(status) << "edgeml " << args[0] << " kept running";
  if (!status) edgeml.stop(SIGKILL, 2s);
  EXPECT_EQ(status.value_or(-1), expected) << test::read_file(log);
  return test::read_file(log);
}

TEST(MqttBrokerCommand, PasswordsOnTheCommandLineAreRefused) {
  TempDir dir;
  std::string output = run_to_end({"broker", "--port", "0", "--user", "alice:hunter2", "--data-dir",
                                   (dir / "broker").string()},
                                  dir / "broker.log", 1);
  EXPECT_NE(output.find("--password-file"), std::string::npos) << output;
  EXPECT_NE(output.find("EDGEML_BROKER_PASSWORD_ALICE"), std::string::npos) << output;
  EXPECT_EQ(output.find("hunter2"), std::string::npos) << output;
  EXPECT_FALSE(fs::exists(dir / "broker" / "mosquitto.conf"));

  output = run_to_end({"status", "--once", "--password", "hunter2"}, dir / "status.log", 105);
  EXPECT_NE(output.find("--password-file"), std::string::npos) << output;
}

TEST(MqttBrokerCommand, WriteAclWritesTheAclOfRolesAndRoleAndExits) {
  TempDir dir;
  std::ofstream(dir / "roles") << "# plant\nsensor-1: sensor\nnode-a: server, collector\n";
  const fs::path acl = dir / "out" / "acl";
  fs::create_directories(acl.parent_path());
  run_to_end({"broker", "--roles", (dir / "roles").string(), "--role", "ops=deployer", "--write-acl", acl.string(),
              "--data-dir", (dir / "broker").string()},
             dir / "write.log", 0);
  EXPECT_EQ(test::read_file(acl), render_acl({{"sensor-1", "sensor"},
                                              {"node-a", "server"},
                                              {"node-a", "collector"},
                                              {"ops", "deployer"}}));
  EXPECT_FALSE(fs::exists(dir / "broker" / "mosquitto.conf")) << "a broker was configured";

  std::ofstream(dir / "bad-roles") << "sensor-1: sensor\n\nnode-a: server, admin\n";
  std::string output = run_to_end({"broker", "--roles", (dir / "bad-roles").string(), "--write-acl", acl.string()},
                                  dir / "bad.log", 1);
  EXPECT_NE(output.find((dir / "bad-roles").string() + ":3: unknown role 'admin'"), std::string::npos) << output;
  output = run_to_end({"broker", "--write-acl", acl.string()}, dir / "none.log", 1);
  EXPECT_NE(output.find("--write-acl needs --role NAME=ROLE or --roles FILE"), std::string::npos) << output;
}

TEST(MqttBrokerCommand, PasswordFileReadableByOthersIsRefused) {
  TempDir dir;
  std::ofstream(dir / "pw") << "alice:secret\n";
  chmod((dir / "pw").c_str(), 0640);
  std::string output = run_to_end({"broker", "--port", "0", "--user", "alice", "--password-file",
                                   (dir / "pw").string(), "--data-dir", (dir / "broker").string()},
                                  dir / "broker.log", 1);
  EXPECT_NE(output.find("group or others"), std::string::npos) << output;
  EXPECT_NE(output.find((dir / "pw").string()), std::string::npos) << output;
}

TEST(MqttBrokerCommand, UsersGetTheirPasswordsFromAFileOrTheEnvironment) {
  TempDir dir;
  std::ofstream(dir / "pw") << "alice:alice-pw\n";
  chmod((dir / "pw").c_str(), 0600);
  setenv("EDGEML_BROKER_PASSWORD_BOB_2", "bob-pw", 1);
  Process edgeml = test::run_edgeml({"broker", "--port", "0", "--port-file", (dir / "port").string(), "--user",
                                     "alice", "--user", "bob-2", "--password-file", (dir / "pw").string(), "--role",
                                     "alice=sensor", "--role", "bob-2=collector",
                                     "--data-dir", (dir / "data").string()},
                                    dir / "broker.log");
  unsetenv("EDGEML_BROKER_PASSWORD_BOB_2");
  ASSERT_TRUE(wait_until([&] { return fs::exists(dir / "port") && fs::file_size(dir / "port") > 0; }, kWait))
      << test::read_file(dir / "broker.log");
  const int port = std::stoi(test::read_file(dir / "port"));
  for (auto [name, password] : {std::pair{"alice", "alice-pw"}, std::pair{"bob-2", "bob-pw"}}) {
    ClientOptions options;
    options.connection.port = port;
    options.connection.client_id = std::string("cmd-") + name;
    options.connection.username = name;
    options.connection.password = password;
    options.connect_timeout = 10s;
    Client client(options);
    EXPECT_NO_THROW(client.connect()) << name;
  }

  // The client commands: --password-file, else EDGEML_PASSWORD.
  std::ofstream(dir / "client-pw") << "alice-pw\n";
  chmod((dir / "client-pw").c_str(), 0600);
  std::vector<std::string> status{"status", "--once", "--wait", "0.3", "--port", std::to_string(port),
                                  "--username", "alice", "--connect-timeout", "2"};
  auto with = [&](std::vector<std::string> extra) {
    extra.insert(extra.begin(), status.begin(), status.end());
    return extra;
  };
  run_to_end(with({"--password-file", (dir / "client-pw").string()}), dir / "status-file.log", 0);
  setenv("EDGEML_PASSWORD", "alice-pw", 1);
  run_to_end(status, dir / "status-env.log", 0);
  setenv("EDGEML_PASSWORD", "wrong", 1);
  std::string refused = run_to_end(status, dir / "status-wrong.log", 1);
  unsetenv("EDGEML_PASSWORD");
  EXPECT_NE(refused.find("refused"), std::string::npos) << refused;
  edgeml.signal(SIGTERM);
  EXPECT_TRUE(edgeml.wait_for(kWait));
}

// The pids of a process's children, from /proc.
std::vector<int> children_of(int pid) {
  std::vector<int> out;
  for (const auto& task : fs::directory_iterator(fmt::format("/proc/{}/task", pid))) {
    std::ifstream in(task.path() / "children");
    int child;
    while (in >> child) out.push_back(child);
  }
  return out;
}

// Gone, or a zombie waiting for a reaper that is not us.
bool process_gone(int pid) {
  std::ifstream stat(fmt::format("/proc/{}/stat", pid));
  std::string line;
  if (!std::getline(stat, line)) return true;
  std::size_t paren = line.rfind(')');
  return paren != std::string::npos && line.size() > paren + 2 && line[paren + 2] == 'Z';
}

TEST(MqttBrokerCommand, MosquittoGoesWhenEdgemlBrokerIsKilled) {
  test::TempDir dir;
  Process edgeml = test::run_edgeml({"broker", "--port", "0", "--port-file", (dir / "port").string(), "--data-dir",
                                     (dir / "data").string()},
                                    dir / "broker.log");
  ASSERT_TRUE(test::wait_until([&] { return fs::exists(dir / "port") && fs::file_size(dir / "port") > 0; },
                               std::chrono::seconds(15)))
      << test::read_file(dir / "broker.log");
  std::vector<int> children = children_of(edgeml.pid());
  ASSERT_EQ(children.size(), 1u);
  edgeml.signal(SIGKILL);
  ASSERT_TRUE(edgeml.wait_for(std::chrono::seconds(5)));
  EXPECT_TRUE(test::wait_until([&] { return process_gone(children[0]); }, std::chrono::seconds(10)))
      << "mosquitto (pid " << children[0] << ") outlived the edgeml broker that started it";
}

}  // namespace
}  // namespace edgeml::mq
