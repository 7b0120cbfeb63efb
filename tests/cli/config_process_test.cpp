// The precedence of command line, environment and --config file as a running
// edgeml sees it, and `edgeml serve` reloading its file on SIGHUP.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>

#include "protocol/topics.h"
#include "support/message_inbox.h"
#include "support/test_support.h"

namespace edgeml {
namespace {

using namespace std::chrono_literals;
using test::TempDir;

int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  bind(fd, reinterpret_cast<sockaddr*>(&address), length);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

// The port `edgeml broker` listens on with this environment and extra arguments.
int broker_port(const TempDir& dir, const std::string& variable, std::vector<std::string> extra) {
  const auto port_file = dir / "port";
  std::filesystem::remove(port_file);
  if (!variable.empty()) setenv("EDGEML_BROKER_PORT", variable.c_str(), 1);
  std::vector<std::string> args = {"broker", "--config", (dir / "broker.toml").string(), "--port-file", port_file.string()};
  args.insert(args.end(), extra.begin(), extra.end());
  Process broker = test::run_edgeml(args, (dir / "broker.log").string());
  unsetenv("EDGEML_BROKER_PORT");
  const bool started = test::wait_until([&] { return !test::read_file(port_file).empty(); }, 10s);
  broker.stop(SIGTERM, 5s);
  return started ? std::stoi(test::read_file(port_file)) : -1;
}

TEST(ConfigProcess, TheBrokerListensWhereTheHighestLayerSays) {
  TempDir dir;
  const int from_file = free_port(), from_environment = free_port(), from_command_line = free_port();
  std::ofstream(dir / "broker.toml") << "# edgeml broker --config\nport = " << from_file << "\ndata-dir = \""
                                     << (dir / "data").string() << "\"\nlisten = \"127.0.0.1\"\n";
  EXPECT_EQ(broker_port(dir, "", {}), from_file) << test::read_file(dir / "broker.log");
  EXPECT_EQ(broker_port(dir, std::to_string(from_environment), {}), from_environment);
  EXPECT_EQ(broker_port(dir, std::to_string(from_environment), {"--port", std::to_string(from_command_line)}),
            from_command_line);
}

TEST(ConfigProcess, ServeReloadsItsFileOnSighupAndKeepsServingWhenItIsWrong) {
  TempDir dir;
  auto broker = test::start_broker(dir / "broker");
  std::filesystem::create_directories(dir / "models");
  const auto config = dir / "serve.toml";
  auto write_config = [&](const std::string& node) {
    std::ofstream(config) << "node = \"" << node << "\"\nport = " << broker->port()
                          << "\nhost = \"127.0.0.1\"\nstats-interval = 0.2\nno-monitoring = true\n";
  };
  write_config("before");
  test::MessageInbox inbox;
  auto watcher = test::receiving_client(test::client_options(*broker, "watcher"), inbox, std::string(kNodeStatusFilter));
  const auto log = dir / "serve.log";
  Process serve = test::run_edgeml({"serve", "--models", (dir / "models").string(), "--config", config.string()}, log);
  auto status_of = [&](const std::string& node) {
    return test::wait_until(
        [&] {
          for (const auto& m : inbox.messages())
            if (m.topic == node_status_topic(node) && m.payload.find("online") != std::string::npos) return true;
          return false;
        },
        15s);
  };
  ASSERT_TRUE(status_of("before")) << test::read_file(log);

  write_config("after");
  serve.signal(SIGHUP);
  EXPECT_TRUE(status_of("after")) << test::read_file(log);

  std::ofstream(config) << "queue = \"many\"\n";
  serve.signal(SIGHUP);
  EXPECT_TRUE(test::wait_until([&] { return test::read_file(log).find("reload:") != std::string::npos; }, 10s))
      << test::read_file(log);
  EXPECT_TRUE(serve.running());
  EXPECT_EQ(serve.stop(SIGTERM, 10s), 0) << test::read_file(log);
}

}  // namespace
}  // namespace edgeml
