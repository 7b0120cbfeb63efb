#include "cli/layered_options.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <memory>

#include <fmt/format.h>

namespace edgeml::cli {

namespace {

std::vector<std::string> command_path(const CLI::App* app) {
  std::vector<std::string> path;
  for (const CLI::App* at = app; at && at->get_parent(); at = at->get_parent()) path.insert(path.begin(), at->get_name());
  return path;
}

// The subcommand the command line chose, deepest first (model run, not model).
CLI::App* chosen_command(CLI::App* app) {
  for (;;) {
    std::vector<CLI::App*> chosen = app->get_subcommands();
    if (chosen.empty()) return app;
    app = chosen.front();
  }
}

bool environment_has(const CLI::Option* option) {
  const std::string& name = option->get_envname();
  const char* value = name.empty() ? nullptr : std::getenv(name.c_str());
  return value && *value;
}

// CLI11 reads the file before the environment and keeps the first value an
// option gets; so the file's items are routed to the chosen subcommand here,
// checked, and left out where the environment sets the option.
class LayeredConfig : public CLI::ConfigTOML {
 public:
  explicit LayeredConfig(CLI::App* root) : root_(root) {}

  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override {
    std::vector<CLI::ConfigItem> read = CLI::ConfigTOML::from_config(input);
    CLI::App* command = chosen_command(root_);
    std::vector<CLI::ConfigItem> kept;
    for (CLI::ConfigItem& item : read) {
      if (item.name == "++" || item.name == "--") continue;  // section markers of [tables]
      CLI::App* target = item.parents.empty() && root_->get_option_no_throw("--" + item.name) ? root_ : command;
      if (target != root_ && !item.parents.empty())
        throw CLI::ConfigError(fmt::format("--config: '{}.{}': options of `edgeml {}` are keys at the top of the file",
                                           fmt::join(item.parents, "."), item.name, command->get_name()));
      const CLI::Option* option = target->get_option_no_throw("--" + item.name);
      if (!option || !option->get_configurable())
        throw CLI::ConfigError(fmt::format("--config: `edgeml {}` has no option --{}", fmt::join(command_path(target), " "),
                                           item.name));
      if (environment_has(option)) continue;
      item.parents = command_path(target);
      kept.push_back(std::move(item));
    }
    return kept;
  }

 private:
  CLI::App* root_;
};

void name_variables(CLI::App& command) {
  command.fallthrough();  // --config and --log-level may follow the subcommand
  std::vector<std::string> path = command_path(&command);
  std::string example;
  for (CLI::Option* option : command.get_options()) {
    if (option->get_lnames().empty() || !option->get_configurable()) continue;
    const std::string& name = option->get_lnames().front();
    if (name == "help" || name == "config") continue;
    if (option->get_envname().empty()) option->envname(environment_name(path, name));
    if (example.empty()) example = name + " = ...";
  }
  if (!example.empty() && command.get_parent())
    command.footer(fmt::format("Every option also comes from its EDGEML_* variable (Env: above) and from --config FILE "
                               "(TOML: one `name = value` per option, e.g. `{}`); the command line wins over the "
                               "environment, which wins over the file.",
                               example));
  for (CLI::App* sub : command.get_subcommands([](CLI::App* s) { return !s->get_name().empty(); })) name_variables(*sub);
}

}  // namespace

std::string environment_name(const std::vector<std::string>& command_path, const std::string& option) {
  std::string name = "EDGEML";
  for (const std::string& part : command_path) name += "_" + part;
  name += "_" + option;
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) {
    return c == '-' ? '_' : static_cast<char>(std::toupper(c));
  });
  return name;
}

void add_layered_options(CLI::App& app) {
  app.set_config("--config", "", "read options from this TOML file (keys: the subcommand's long option names)");
  app.config_formatter(std::make_shared<LayeredConfig>(&app));
  app.allow_config_extras(CLI::config_extras_mode::error);
  name_variables(app);
}

}  // namespace edgeml::cli
