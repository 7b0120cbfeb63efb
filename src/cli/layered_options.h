// Where a subcommand's options come from, besides its command line: the
// EDGEML_* environment and a TOML file given with --config. One precedence for
// every option: command line > environment > file > default.
#pragma once

#include <CLI/CLI.hpp>

namespace edgeml::cli {

// Call once every subcommand is added. Gives each option of a long name that
// has no variable yet EDGEML_<COMMAND>_<OPTION> (e.g. --models of serve:
// EDGEML_SERVE_MODELS; of model run: EDGEML_MODEL_RUN_...), and adds
// --config FILE, which may follow the subcommand: its top-level keys are the
// chosen subcommand's long option names (`metrics-port = 9100`), and
// log-level. A key no option of that subcommand has is an error.
void add_layered_options(CLI::App& app);

// EDGEML_<PATH>_<NAME> for option NAME (without dashes) of the subcommand
// path, upper case, dashes as underscores.
std::string environment_name(const std::vector<std::string>& command_path, const std::string& option);

}  // namespace edgeml::cli
