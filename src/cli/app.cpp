#include "cli/app.h"

#include "cli/layered_options.h"

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
void add_cluster_command(CLI::App& app);
void add_deploy_commands(CLI::App& app);
void add_keys_command(CLI::App& app);
void add_request_command(CLI::App& app);
void add_status_command(CLI::App& app);
void add_backup_command(CLI::App& app);
void add_restore_command(CLI::App& app);

void add_commands(CLI::App& app, std::string& log_level) {
  app.set_version_flag("--version", std::string("edgeml ") + EDGEML_VERSION);
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")
      ->envname("EDGEML_LOG_LEVEL")
      ->capture_default_str();
  app.require_subcommand(1);
  add_broker_command(app);
  add_publish_command(app);
  add_collect_command(app);
  add_export_command(app);
  add_model_command(app);
#ifdef EDGEML_WITH_TRAINER
  add_train_command(app);
#endif
  add_serve_command(app);
  add_cluster_command(app);
  add_deploy_commands(app);
  add_keys_command(app);
  add_request_command(app);
  add_status_command(app);
  add_backup_command(app);
  add_restore_command(app);
  add_layered_options(app);
}

}  // namespace edgeml::cli
