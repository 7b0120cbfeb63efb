// The precedence of command line, environment and --config file as a running
// edgeml sees it, and `edgeml serve` reloading its file on SIGHUP.
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <regex>

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

// The service manager's end of sd_notify: a datagram socket at a path.
class NotifySocket {
 public:
  explicit NotifySocket(const std::filesystem::path& path) : path_(path) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path.c_str());
    bound_ = bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~NotifySocket() { close(fd_); }
  bool bound() const { return bound_; }
  // The next message, or "" when none came within `timeout`.
  std::string next(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(timeout.count())) != 1) return "";
    char buffer[4096];
    const ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
    return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : "";
  }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  bool bound_ = false;
};

// What systemd sees of edgeml-serve@.service (Type=notify, ExecReload=kill
// -HUP, stderr to the journal), without systemd: its notify socket and
// JOURNAL_STREAM naming the file stderr goes to.
TEST(ConfigProcess, ServeTellsTheServiceManagerWhenItIsReadyAndReloadingAndLogsForTheJournal) {
  TempDir dir;
  auto broker = test::start_broker(dir / "broker");
  std::filesystem::create_directories(dir / "models");
  NotifySocket manager(dir / "notify");
  ASSERT_TRUE(manager.bound());
  const auto log = dir / "serve.log";
  std::ofstream(log).close();
  struct stat st {};
  ASSERT_EQ(stat(log.c_str(), &st), 0);
  setenv("NOTIFY_SOCKET", (dir / "notify").c_str(), 1);
  setenv("JOURNAL_STREAM", (std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino)).c_str(), 1);
  Process serve = test::run_edgeml({"serve", "--models", (dir / "models").string(), "--node", "unit", "--port",
                                    std::to_string(broker->port()), "--no-monitoring"},
                                   log);
  unsetenv("NOTIFY_SOCKET");
  unsetenv("JOURNAL_STREAM");

  EXPECT_EQ(manager.next(15s).rfind("READY=1\nSTATUS=serving", 0), 0u) << test::read_file(log);
  serve.signal(SIGHUP);
  EXPECT_EQ(manager.next(10s).rfind("RELOADING=1", 0), 0u);
  EXPECT_EQ(manager.next(15s).rfind("READY=1", 0), 0u) << test::read_file(log);
  serve.signal(SIGTERM);
  EXPECT_EQ(manager.next(10s), "STOPPING=1");
  EXPECT_EQ(serve.wait_for(10s), 0);

  // Each line starts with its priority and carries no time: the journal adds it.
  const std::string text = test::read_file(log);
  EXPECT_NE(text.find("<6>reloaded the configuration\n"), std::string::npos) << text;
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t end = text.find('\n', at);
    const std::string line = text.substr(at, end - at);
    if (line.rfind("served ", 0) != 0 && !line.empty()) {  // the summary goes to stdout, also in this file
      EXPECT_TRUE(std::regex_search(line, std::regex("^<[2-7]>")) &&
                  !std::regex_search(line, std::regex("^<.>[0-9]{4}-[0-9]{2}-[0-9]{2}T")))
          << line;
    }
    at = end == std::string::npos ? text.size() : end + 1;
  }
}

}  // namespace
}  // namespace edgeml
