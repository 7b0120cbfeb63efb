// edgeml: one executable, git-style subcommands, one file per subcommand.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/app.h"
#include "cli/common.h"
#include "core/error.h"
#include "core/logging.h"

int main(int argc, char** argv) {
  CLI::App app{"edgeml: machine learning on the edge over MQTT", "edgeml"};
  std::string log_level = "info";
  edgeml::cli::add_commands(app, log_level);
  app.parse_complete_callback([&] { edgeml::setup_logging(log_level); });
  edgeml::cli::g_arguments.assign(argv + 1, argv + argc);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const edgeml::Error& e) {
    fmt::print(stderr, "edgeml: error: {}\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "edgeml: unexpected error: {}\n", e.what());
    return 2;
  }
  return 0;
}
