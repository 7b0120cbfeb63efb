// Options from the command line, the environment and --config files: the
// real edgeml command line, parsed with its commands' callbacks taken out.
#include <cstdlib>
#include <fstream>
#include <set>

#include <gtest/gtest.h>

#include "cli/app.h"
#include "cli/layered_options.h"
#include "support/test_support.h"

namespace edgeml::cli {
namespace {

using edgeml::test::TempDir;

// Sets environment variables for one test and takes them away after it.
class Environment {
 public:
  ~Environment() {
    for (const std::string& name : names_) unsetenv(name.c_str());
  }
  void set(const std::string& name, const std::string& value) {
    setenv(name.c_str(), value.c_str(), 1);
    names_.push_back(name);
  }

 private:
  std::vector<std::string> names_;
};

// Thrown once the command line, environment and file are read, before any
// subcommand's callback runs it.
struct Parsed {};

// The edgeml command line without running anything.
struct CommandLine {
  CLI::App app{"edgeml", "edgeml"};
  std::string log_level = "info";
  CommandLine() {
    add_commands(app, log_level);
    app.parse_complete_callback([] { throw Parsed{}; });
  }
  void parse(std::vector<std::string> args) {
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    try {
      app.parse(reversed);
      ADD_FAILURE() << "the command line was not parsed to the end";
    } catch (const Parsed&) {
    }
  }
  const CLI::Option* option(const std::string& command, const std::string& name) {
    return app.get_subcommand(command)->get_option(name);
  }
};

std::filesystem::path write(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path) << text;
  return path;
}

TEST(LayeredOptions, EveryOptionOfTheServicesHasAVariableAndAFileKey) {
  CommandLine cli;
  for (const char* command : {"serve", "collect", "publish", "broker"}) {
    std::set<std::string> variables;
    int options = 0;
    for (const CLI::Option* option : cli.app.get_subcommand(command)->get_options()) {
      if (option->get_lnames().empty() || option->get_lnames().front() == "help") continue;
      if (option->get_lnames().front() == "password") {  // refused everywhere: a secret never sits in argv or a file
        EXPECT_FALSE(option->get_configurable());
        continue;
      }
      ++options;
      SCOPED_TRACE(std::string(command) + " --" + option->get_lnames().front());
      EXPECT_TRUE(option->get_configurable());
      EXPECT_EQ(option->get_envname().rfind("EDGEML_", 0), 0u);
      EXPECT_TRUE(variables.insert(option->get_envname()).second) << "two options share " << option->get_envname();
    }
    EXPECT_GT(options, 5) << command;
  }
}

TEST(LayeredOptions, VariableNamesFollowTheCommandAndTheOption) {
  EXPECT_EQ(environment_name({"serve"}, "metrics-port"), "EDGEML_SERVE_METRICS_PORT");
  EXPECT_EQ(environment_name({"model", "run"}, "input"), "EDGEML_MODEL_RUN_INPUT");
  CommandLine cli;
  EXPECT_EQ(cli.option("serve", "--queue")->get_envname(), "EDGEML_SERVE_QUEUE");
  EXPECT_EQ(cli.option("serve", "--host")->get_envname(), "EDGEML_HOST");  // the connection's, shared by every client
}

TEST(LayeredOptions, CommandLineBeatsEnvironmentBeatsFileBeatsDefault) {
  TempDir dir;
  auto config = write(dir / "serve.toml", "queue = 5\nstats-interval = 2.5\nnode = \"from-file\"\n");
  std::vector<std::string> base = {"serve", "--models", dir.path().string(), "--config", config.string()};
  {
    CommandLine cli;
    cli.parse({"serve", "--models", dir.path().string()});
    EXPECT_EQ(cli.option("serve", "--queue")->count(), 0u);  // the default
  }
  {
    CommandLine cli;
    cli.parse(base);
    EXPECT_EQ(cli.option("serve", "--queue")->as<int>(), 5);
    EXPECT_EQ(cli.option("serve", "--stats-interval")->as<double>(), 2.5);
    EXPECT_EQ(cli.option("serve", "--node")->as<std::string>(), "from-file");
  }
  {
    Environment env;
    env.set("EDGEML_SERVE_QUEUE", "7");
    CommandLine cli;
    cli.parse(base);
    EXPECT_EQ(cli.option("serve", "--queue")->as<int>(), 7);
    EXPECT_EQ(cli.option("serve", "--stats-interval")->as<double>(), 2.5);  // the file's, untouched
  }
  {
    Environment env;
    env.set("EDGEML_SERVE_QUEUE", "7");
    CommandLine cli;
    auto args = base;
    args.insert(args.end(), {"--queue", "9"});
    cli.parse(args);
    EXPECT_EQ(cli.option("serve", "--queue")->as<int>(), 9);
  }
}

TEST(LayeredOptions, FlagsListsAndTheGlobalLogLevelComeFromTheFile) {
  TempDir dir;
  auto config = write(dir / "serve.toml",
                      "log-level = \"warn\"\nno-monitoring = true\ndeploy-key = [\"" + (dir / "a.pub").string() +
                          "\", \"" + (dir / "b.pub").string() + "\"]\n");
  write(dir / "a.pub", "");
  write(dir / "b.pub", "");
  CommandLine cli;
  cli.parse({"serve", "--models", dir.path().string(), "--config", config.string()});
  EXPECT_EQ(cli.log_level, "warn");
  EXPECT_EQ(cli.option("serve", "--no-monitoring")->count(), 1u);
  EXPECT_EQ(cli.option("serve", "--deploy-key")->results().size(), 2u);
}

TEST(LayeredOptions, AWrongFileIsAnErrorNamingWhatIsWrong) {
  TempDir dir;
  auto expect_error = [&](const std::string& text, const std::string& wanted) {
    auto config = write(dir / "serve.toml", text);
    CommandLine cli;
    try {
      cli.parse({"serve", "--models", dir.path().string(), "--config", config.string()});
      ADD_FAILURE() << "no error for: " << text;
    } catch (const CLI::ParseError& e) {
      EXPECT_NE(std::string(e.what()).find(wanted), std::string::npos) << e.what();
    }
  };
  expect_error("qeueu = 5\n", "`edgeml serve` has no option --qeueu");
  expect_error("[serve]\nqueue = 5\n", "are keys at the top of the file");
  expect_error("queue = \"many\"\n", "queue");
  expect_error("queue = 0\n", "queue");  // the option's own check still applies
  CommandLine cli;
  EXPECT_THROW(cli.parse({"serve", "--models", dir.path().string(), "--config", (dir / "missing.toml").string()}),
               CLI::FileError);
}

TEST(LayeredOptions, TheFileOfANestedCommandSetsItsOptions) {
  TempDir dir;
  auto config = write(dir / "run.toml", "input = [\"1,2,3\", \"4,5,6\"]\n");
  write(dir / "m.tflite", "");
  CommandLine cli;
  cli.parse({"model", "run", (dir / "m.tflite").string(), "--config", config.string()});
  EXPECT_EQ(cli.app.get_subcommand("model")->get_subcommand("run")->get_option("--input")->results().size(), 2u);
}

// The examples the package installs as /etc/edgeml/*.toml parse, and every
// key they show commented out is an option of their command.
TEST(LayeredOptions, ThePackagedExamplesAreValid) {
  TempDir dir;
  Environment env;
  env.set("EDGEML_SERVE_MODELS", dir.path().string());  // the file's /var/lib/edgeml/models need not exist here
  for (const char* command : {"broker", "collect", "serve"}) {
    SCOPED_TRACE(command);
    const std::string file = std::string(EDGEML_CONFIG_EXAMPLES) + "/" + command + ".toml";
    CommandLine cli;
    ASSERT_NO_THROW(cli.parse({command, "--config", file}));
    std::ifstream in(file);
    int shown = 0;
    for (std::string line; std::getline(in, line);) {
      const auto equals = line.find(" = ");
      if (line.rfind("# ", 0) != 0 || equals == std::string::npos || line.find(' ', 2) != equals) continue;
      const std::string key = line.substr(2, equals - 2);
      EXPECT_NE(cli.app.get_subcommand(command)->get_option_no_throw("--" + key), nullptr) << key;
      ++shown;
    }
    EXPECT_GT(shown, 0);
  }
}

}  // namespace
}  // namespace edgeml::cli
