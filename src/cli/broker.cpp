// edgeml broker: a Mosquitto broker with a generated configuration, in the foreground.
#include <fstream>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/common.h"
#include "core/error.h"
#include "mqtt/broker.h"
#include "mqtt/broker_acl.h"
#include "mqtt/credentials.h"
#include "mqtt/retainer.h"
#include "protocol/topics.h"

namespace edgeml::cli {

namespace {

struct BrokerArgs {
  mq::BrokerConfig config;
  std::vector<std::string> users;
  std::string password_file;
  std::vector<std::string> roles;
  std::string roles_file;
  std::string write_acl;
  std::string port_file;
  mq::BridgeConfig bridge;
  std::string bridge_password_file;
  bool bridge_not_mosquitto = false;
  bool no_persistence = false;
  bool verbose = false;
};

// The ACL alone, for review or for a Mosquitto of one's own; "-": standard output.
void write_acl(const std::vector<mq::BrokerRole>& roles, const std::string& out) {
  if (roles.empty()) throw Error("--write-acl needs --role NAME=ROLE or --roles FILE");
  const std::string acl = mq::render_acl(roles);
  if (out == "-") {
    fmt::print("{}", acl);
    return;
  }
  std::ofstream file(out, std::ios::trunc);
  file << acl;
  file.close();
  if (!file) throw Error(fmt::format("cannot write the ACL to '{}'", out));
  fmt::print(stderr, "edgeml broker: wrote the ACL for {} role grants to {}\n", roles.size(), out);
}

// The cloud broker's password for the bridge: from its file, else
// EDGEML_BRIDGE_PASSWORD, else the terminal; never from the command line.
std::string bridge_password(const BrokerArgs& args) {
  if (!args.bridge_password_file.empty()) return mq::read_password_file(args.bridge_password_file);
  if (const char* env = std::getenv("EDGEML_BRIDGE_PASSWORD")) return env;
  if (auto typed = mq::prompt_password(fmt::format("password of '{}' on the cloud broker: ", args.bridge.username)))
    return *typed;
  throw Error(fmt::format("--bridge-user {} needs a password: --bridge-password-file FILE, EDGEML_BRIDGE_PASSWORD, "
                          "or a terminal to type it on",
                          args.bridge.username));
}

std::optional<mq::BridgeConfig> bridge_config(const BrokerArgs& args) {
  if (args.bridge.urls.empty()) return std::nullopt;
  mq::BridgeConfig bridge = args.bridge;
  if (bridge.station.empty()) bridge.station = host_name();
  if (!bridge.username.empty()) bridge.password = bridge_password(args);
  bridge.mosquitto_peer = !args.bridge_not_mosquitto;
  return bridge;
}

void run_broker(BrokerArgs& args) {
  mq::BrokerConfig config = args.config;
  if (!args.roles_file.empty()) config.roles = mq::read_broker_roles(args.roles_file);
  for (const auto& r : args.roles) config.roles.push_back(mq::parse_broker_role(r));
  if (!args.write_acl.empty()) return write_acl(config.roles, args.write_acl);
  for (const auto& u : args.users) config.users.push_back(mq::resolve_broker_user(u, args.password_file));
  config.persistence = !args.no_persistence;
  if (args.verbose) config.log_types = "all";
  if (config.data_dir.empty()) config.data_dir = default_state_dir() / "broker";
  config.bridge = bridge_config(args);

  mq::Broker broker(config);
  install_stop_handlers();
  broker.start();
  fmt::print("edgeml broker: mqtt://{}:{}{} (mosquitto, data in {}, log {})\n", broker.address(), broker.port(),
             config.cert_file.empty() ? "" : fmt::format(", mqtts://{}:{}", broker.tls_address(), broker.tls_port()),
             broker.data_dir().string(), broker.log_file().string());
  std::fflush(stdout);
  if (config.bridge)
    fmt::print("edgeml broker: station '{}' bridged to {} (its state on {})\n", config.bridge->station,
               fmt::join(config.bridge->urls, ", "), bridge_state_topic(config.bridge->station));
  // Before the port file, which tells scripts and tests the broker is ready.
  std::unique_ptr<mq::Retainer> retainer = mq::start_station_retainer(broker);
  if (retainer) fmt::print("edgeml broker: what comes down the bridge is kept retained here\n");
  std::fflush(stdout);
  if (!args.port_file.empty()) write_port_file(args.port_file, broker.port());
  while (broker.running() && !g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  if (g_stop) {
    spdlog::info("stopping the broker");
    retainer.reset();  // disconnects cleanly, keeping its session for the next run
    broker.stop();
    return;
  }
  int status = broker.wait();
  throw Error(fmt::format("mosquitto exited with status {}; see {}", status, broker.log_file().string()));
}

}  // namespace

void add_bridge_options(CLI::App& cmd, BrokerArgs& args) {
  auto& b = args.bridge;
  const char* group = "Bridge to a cloud broker";
  cmd.add_option("--bridge", b.urls,
                 "cloud broker to forward to, mqtt://HOST[:PORT] or mqtts://HOST[:PORT]; repeat it for the nodes of "
                 "one clustered broker")
      ->group(group);
  cmd.add_option("--station", b.station, "this station's name, its topics' prefix on the cloud broker (default: host name)")
      ->group(group);
  cmd.add_option("--bridge-user", b.username, "user on the cloud broker (its station role wants the station's name)")
      ->group(group);
  cmd.add_option("--bridge-password-file", args.bridge_password_file,
                 "file whose first line is --bridge-user's password; must be mode 600")
      ->check(CLI::ExistingFile)
      ->group(group);
  cmd.add_option("--bridge-ca", b.ca_file, "CA of the cloud broker's certificate (mqtts; default: the system's CAs)")
      ->check(CLI::ExistingFile)
      ->group(group);
  cmd.add_option("--bridge-cert", b.cert_file, "client certificate for the cloud broker (mqtts)")->check(CLI::ExistingFile)->group(group);
  cmd.add_option("--bridge-key", b.key_file, "private key of --bridge-cert")->check(CLI::ExistingFile)->group(group);
  cmd.add_option("--bridge-out", b.extra_out, "another topic filter to forward up, under the station's prefix (repeatable)")
      ->group(group);
  cmd.add_option("--bridge-in", b.extra_in, "another topic filter to take down from the cloud broker (repeatable)")
      ->group(group);
  cmd.add_option("--bridge-mqtt", b.mqtt_version, "MQTT version of the bridge: 4 (3.1.1) or 5")
      ->check(CLI::IsMember({4, 5}))
      ->capture_default_str()
      ->group(group);
  cmd.add_flag("--bridge-not-mosquitto", args.bridge_not_mosquitto,
               "the cloud broker is not Mosquitto (RabbitMQ, NATS): do not announce the bridge as one")
      ->group(group);
}

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
                  "NAME=ROLE for a --user, ROLE one of " + mq::broker_role_names() +
                      "; generates the ACL (repeatable)");
  cmd->add_option("--roles", args->roles_file,
                  "file of 'NAME: ROLE[, ROLE...]' lines (# comments), merged with --role; generates the ACL")
      ->check(CLI::ExistingFile);
  cmd->add_option("--write-acl", args->write_acl,
                  "write the ACL generated from --role/--roles to this file ('-': standard output) and exit, "
                  "without starting the broker");
  cmd->add_option("--acl", c.acl_file, "Mosquitto ACL file, instead of --role/--roles")->check(CLI::ExistingFile);
  cmd->add_option("--cert", c.cert_file, "server certificate (PEM) for a TLS listener")->check(CLI::ExistingFile);
  cmd->add_option("--key", c.key_file, "private key (PEM) of --cert")->check(CLI::ExistingFile);
  cmd->add_option("--tls-port", c.tls_port, "TLS port; 0 picks a free one")->check(CLI::Range(0, 65535))->capture_default_str();
  cmd->add_flag("--allow-anonymous", c.allow_anonymous, "allow clients without a user name off loopback");
  cmd->add_flag("--no-persistence", args->no_persistence, "keep sessions and queued messages in memory only");
  cmd->add_option("--session-expiry", c.session_expiry,
                  "drop a persistent session whose client has not come back within this (30d: a number and h, d, "
                  "w, m or y; 'never')")
      ->capture_default_str();
  cmd->add_flag("--verbose", args->verbose, "log every broker event");
  add_bridge_options(*cmd, *args);
  cmd->callback([args] { run_broker(*args); });
}

}  // namespace edgeml::cli
