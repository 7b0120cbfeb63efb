#include "cli/common.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>

#include <fmt/format.h>

#include "core/error.h"

#include "mqtt/credentials.h"

namespace edgeml::cli {

std::vector<std::string> g_arguments;
std::atomic<bool> g_stop{false};

static void on_stop_signal(int) { g_stop = true; }

void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

void add_connection_options(CLI::App& cmd, mq::ClientOptions& o) {
  auto& c = o.connection;
  cmd.add_option("--host", c.host, "MQTT broker host")->envname("EDGEML_HOST")->capture_default_str()->group("Broker");
  cmd.add_option("--port", c.port, "MQTT broker port")
      ->envname("EDGEML_PORT")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str()
      ->group("Broker");
  cmd.add_option("--username", c.username, "user name for the broker")->envname("EDGEML_USERNAME")->group("Broker");
  // No --password: a command line can be read by any user of the machine.
  if (const char* p = std::getenv("EDGEML_PASSWORD")) c.password = p;
  cmd.add_option_function<std::string>(
         "--password-file", [&c](const std::string& file) { c.password = mq::read_password_file(file); },
         "file whose first line is the broker password (mode 600); else EDGEML_PASSWORD")
      ->envname("EDGEML_PASSWORD_FILE")
      ->group("Broker");
  cmd.add_option_function<std::string>(
         "--password",
         [](const std::string&) {
           throw CLI::ValidationError("--password", "a password on the command line can be read by anyone on this "
                                                    "machine: use --password-file FILE (mode 600) or EDGEML_PASSWORD");
         },
         "refused: use --password-file or EDGEML_PASSWORD")
      ->configurable(false)
      ->group("");
  cmd.add_option("--cafile", c.cafile, "CA certificate (PEM): connect with TLS and verify the broker")
      ->envname("EDGEML_CAFILE")
      ->check(CLI::ExistingFile)
      ->group("Broker");
  cmd.add_option("--client-id", c.client_id, "MQTT client id")->envname("EDGEML_CLIENT_ID")->group("Broker");
  cmd.add_option_function<double>(
         "--connect-timeout",
         [&o](double s) { o.connect_timeout = std::chrono::milliseconds(static_cast<long>(s * 1000)); },
         "seconds to keep retrying the first connection (default 30)")
      ->envname("EDGEML_CONNECT_TIMEOUT")
      ->check(CLI::PositiveNumber)
      ->group("Broker");
}

void write_port_file(const std::string& path, int port) {
  const std::string partial = path + ".partial";
  std::ofstream(partial) << port << "\n";
  std::error_code error;
  std::filesystem::rename(partial, path, error);
  if (error) throw Error(fmt::format("cannot write the port file {}: {}", path, error.message()));
}

std::filesystem::path default_state_dir() {
  if (const char* d = std::getenv("EDGEML_STATE_DIR"); d && *d) return d;
  if (const char* d = std::getenv("XDG_STATE_HOME"); d && *d) return std::filesystem::path(d) / "edgeml";
  if (const char* h = std::getenv("HOME"); h && *h) return std::filesystem::path(h) / ".local/state/edgeml";
  return std::filesystem::temp_directory_path() / "edgeml-state";
}

bool stderr_is_terminal() { return isatty(STDERR_FILENO) == 1; }

void add_path_option(CLI::App* cmd, const std::string& name, std::optional<std::filesystem::path>& target,
                     const std::string& help) {
  cmd->add_option_function<std::string>(name, [&target](const std::string& v) { target = v; }, help);
}

void publish_retained(mq::Client& client, const std::vector<std::pair<std::string, std::string>>& messages) {
  for (const auto& [topic, payload] : messages) {
    mq::DeliveryPtr delivery = client.publish(topic, payload, 1, true);
    if (!delivery->wait_for(std::chrono::seconds(30)))
      throw Error(delivery->failed() ? delivery->failure() : fmt::format("the broker did not acknowledge {}", topic));
  }
}

std::string host_name() {
  char name[256] = {};
  return gethostname(name, sizeof name - 1) == 0 && name[0] ? name : "edge";
}

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace edgeml::cli
