// edgeml broker: a Mosquitto broker with a generated configuration, in the foreground.
#include <fstream>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/common.h"
#include "core/error.h"
#include "mqtt/broker.h"
#include "mqtt/credentials.h"

namespace edgeml::cli {

namespace {

struct BrokerArgs {
  mqtt::BrokerConfig config;
  std::vector<std::string> users;
  std::string password_file;
  std::vector<std::string> roles;
  std::string port_file;
  bool no_persistence = false;
  bool verbose = false;
};

void run_broker(BrokerArgs& args) {
  mqtt::BrokerConfig config = args.config;
  for (const auto& u : args.users) config.users.push_back(mqtt::resolve_broker_user(u, args.password_file));
  for (const auto& r : args.roles) config.roles.push_back(mqtt::parse_broker_role(r));
  config.persistence = !args.no_persistence;
  if (args.verbose) config.log_types = "all";
  if (config.data_dir.empty()) config.data_dir = default_state_dir() / "broker";

  mqtt::Broker broker(config);
  install_stop_handlers();
  broker.start();
  fmt::print("edgeml broker: mqtt://{}:{}{} (mosquitto, data in {}, log {})\n", broker.address(), broker.port(),
             config.cert_file.empty() ? "" : fmt::format(", mqtts://{}:{}", broker.tls_address(), broker.tls_port()),
             broker.data_dir().string(), broker.log_file().string());
  std::fflush(stdout);
  if (!args.port_file.empty()) {
    std::ofstream(args.port_file) << broker.port() << "\n";
  }
  while (broker.running() && !g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  if (g_stop) {
    spdlog::info("stopping the broker");
    broker.stop();
    return;
  }
  int status = broker.wait();
  throw Error(fmt::format("mosquitto exited with status {}; see {}", status, broker.log_file().string()));
}

}  // namespace

void add_broker_command(CLI::App& app) {
  auto args = std::make_shared<BrokerArgs>();
  auto* cmd = app.add_subcommand("broker", "run a private Mosquitto broker (foreground)");
  auto& c = args->config;
  cmd->add_option("--listen", c.address, "address to listen on")->capture_default_str();
  cmd->add_option("--port", c.port, "MQTT port; 0 picks a free one")->check(CLI::Range(0, 65535))->capture_default_str();
  cmd->add_option("--port-file", args->port_file, "write the port listened on to this file");
  cmd->add_option("--data-dir", c.data_dir, "configuration and persistence directory (default: state dir/broker)");
  cmd->add_option("--user", args->users,
                  "NAME allowed to connect; turns anonymous access off (repeatable). Its password comes from "
                  "--password-file, else EDGEML_BROKER_PASSWORD_<NAME>, else the terminal");
  cmd->add_option("--password-file", args->password_file, "NAME:PASSWORD lines for --user; must be mode 600")
      ->check(CLI::ExistingFile);
  cmd->add_option("--role", args->roles,
                  "NAME=ROLE for a --user, ROLE one of " + mqtt::broker_role_names() +
                      "; generates the ACL (repeatable)");
  cmd->add_option("--acl", c.acl_file, "Mosquitto ACL file, instead of --role")->check(CLI::ExistingFile);
  cmd->add_option("--cert", c.cert_file, "server certificate (PEM) for a TLS listener")->check(CLI::ExistingFile);
  cmd->add_option("--key", c.key_file, "private key (PEM) of --cert")->check(CLI::ExistingFile);
  cmd->add_option("--tls-port", c.tls_port, "TLS port; 0 picks a free one")->check(CLI::Range(0, 65535))->capture_default_str();
  cmd->add_flag("--allow-anonymous", c.allow_anonymous, "allow clients without a user name off loopback");
  cmd->add_flag("--no-persistence", args->no_persistence, "keep sessions and queued messages in memory only");
  cmd->add_flag("--verbose", args->verbose, "log every broker event");
  cmd->callback([args] { run_broker(*args); });
}

}  // namespace edgeml::cli
