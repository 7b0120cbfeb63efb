// edgeml: one executable, git-style subcommands, one file per subcommand.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/error.h"
#include "core/logging.h"

namespace edgeml::cli {
void add_broker_command(CLI::App& app);
void add_publish_command(CLI::App& app);
void add_collect_command(CLI::App& app);
void add_export_command(CLI::App& app);
void add_model_command(CLI::App& app);
#ifdef EDGEML_WITH_TRAINER
void add_train_command(CLI::App& app);
#endif
void add_serve_command(CLI::App& app);
void add_deploy_commands(CLI::App& app);
void add_keys_command(CLI::App& app);
void add_request_command(CLI::App& app);
void add_status_command(CLI::App& app);
void add_backup_command(CLI::App& app);
void add_restore_command(CLI::App& app);
}  // namespace edgeml::cli

int main(int argc, char** argv) {
  CLI::App app{"edgeml: machine learning on the edge over MQTT", "edgeml"};
  app.set_version_flag("--version", std::string("edgeml ") + EDGEML_VERSION);
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")
      ->envname("EDGEML_LOG_LEVEL")
      ->capture_default_str();
  app.require_subcommand(1);
  edgeml::cli::add_broker_command(app);
  edgeml::cli::add_publish_command(app);
  edgeml::cli::add_collect_command(app);
  edgeml::cli::add_export_command(app);
  edgeml::cli::add_model_command(app);
#ifdef EDGEML_WITH_TRAINER
  edgeml::cli::add_train_command(app);
#endif
  edgeml::cli::add_serve_command(app);
  edgeml::cli::add_deploy_commands(app);
  edgeml::cli::add_keys_command(app);
  edgeml::cli::add_request_command(app);
  edgeml::cli::add_status_command(app);
  edgeml::cli::add_backup_command(app);
  edgeml::cli::add_restore_command(app);
  app.parse_complete_callback([&] { edgeml::setup_logging(log_level); });
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
