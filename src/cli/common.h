// What the subcommands share: connection options, stop signals, state paths.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "mqtt/client.h"

namespace edgeml::cli {

// --host --port --username --password-file --cafile --client-id
// --connect-timeout, each also read from EDGEML_<NAME> (the password itself
// from EDGEML_PASSWORD).
void add_connection_options(CLI::App& cmd, mq::ClientOptions& options);

// The command line after the program's name, as given: a reload parses it again.
extern std::vector<std::string> g_arguments;

// Set by SIGINT/SIGTERM once install_stop_handlers() ran.
extern std::atomic<bool> g_stop;
void install_stop_handlers();

// $EDGEML_STATE_DIR, else $XDG_STATE_HOME/edgeml, else ~/.local/state/edgeml.
std::filesystem::path default_state_dir();

bool stderr_is_terminal();

// This machine's name ("edge" when it has none): a node's or a station's default.
std::string host_name();

// Now, in Unix milliseconds: when a package or an application file is signed.
std::int64_t unix_ms_now();

// Writes "PORT\n" to `path` through a rename, so that a test or script
// polling for the file never reads half of it; throws Error naming the path.
void write_port_file(const std::string& path, int port);

// Publishes each (topic, payload) retained at QoS 1 and waits up to 30 s for
// the broker to acknowledge each; throws Error naming the topic otherwise.
void publish_retained(mq::Client& client, const std::vector<std::pair<std::string, std::string>>& messages);

// An option NAME PATH that sets `target` only when given.
void add_path_option(CLI::App* cmd, const std::string& name, std::optional<std::filesystem::path>& target,
                     const std::string& help);

}  // namespace edgeml::cli
