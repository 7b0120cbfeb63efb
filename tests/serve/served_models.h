// What the tests of edgeml serve share: a broker with a server process on a
// model directory, and small steps of a conversation with it.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/process.h"
#include "mqtt/broker.h"
#include "mqtt/client.h"
#include "protocol/topics.h"
#include "serve/server.h"
#include "support/message_inbox.h"
#include "support/test_support.h"

namespace edgeml::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Every wait on the broker, the server or the network is bounded by this.
inline constexpr std::chrono::milliseconds kWait = 30s;

// A broker, `edgeml serve` on `models`, and a client watching its status.
class ServedModels {
 public:
  // An empty `models` starts no server; `extra_args` go to `edgeml serve`.
  explicit ServedModels(const fs::path& models, const std::string& node = "test-node",
                        const std::vector<std::string>& extra_args = {}, std::chrono::milliseconds reload_poll = 100ms)
      : broker_(start_broker(dir_.path())), node_(node), reload_poll_(reload_poll) {
    status_client_ = receiving_client(client("status-watcher"), status_, "edgeml/nodes/+/status");
    if (models.empty()) return;
    server_ = start(models, node, extra_args);
    EXPECT_TRUE(status_.wait_for(node_status_topic(node), "online", kWait)) << read_file(dir_ / "serve.log");
  }

  Process start(const fs::path& models, const std::string& node, const std::vector<std::string>& extra_args = {}) {
    std::vector<std::string> args = {"serve", "--port", std::to_string(broker_->port()), "--models", models.string(),
                                     "--node", node, "--reload-poll-ms", std::to_string(reload_poll_.count()),
                                     "--stats-interval", "0.2"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    return run_edgeml(args, dir_ / "serve.log");
  }

  mq::ClientOptions client(const std::string& id, int version = 4) const {
    mq::ClientOptions o = client_options(*broker_, id);
    o.mqtt_version = version;
    return o;
  }
  const mq::Broker& broker() const { return *broker_; }
  const MessageInbox& status() const { return status_; }
  Process& server() { return *server_; }
  const TempDir& dir() const { return dir_; }

 private:
  TempDir dir_;
  std::unique_ptr<mq::Broker> broker_;
  std::string node_;
  std::chrono::milliseconds reload_poll_;
  MessageInbox status_;
  std::unique_ptr<mq::Client> status_client_;
  std::optional<Process> server_;
};

// Writes `bytes` to dir/name through a rename, as a deployment would. The
// file is staged in `staging` (on the same file system) when given, else in
// `dir` itself, where a poll may see the staged file as a change of its own.
void install_file(const fs::path& dir, const std::string& name, const std::string& bytes,
                  const fs::path& staging = {});

// Sends one request for series 1160629000/121/308 and returns the version
// single_var_LR answered with (or what went wrong).
std::string answering_version(mq::Client& requester, MessageInbox& replies);

}  // namespace edgeml::test
