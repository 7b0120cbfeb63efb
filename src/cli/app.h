// The edgeml command line: its global options and every subcommand.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace edgeml::cli {

// Adds --version, --log-level (into log_level), --config, and the
// subcommands, whose callbacks run them.
void add_commands(CLI::App& app, std::string& log_level);

}  // namespace edgeml::cli
