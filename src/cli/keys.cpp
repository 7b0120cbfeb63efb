// edgeml keys new: the Ed25519 key pair that signs deployments.
#include <filesystem>
#include <memory>

#include <fmt/format.h>

#include "cli/common.h"
#include "serve/deploy_keys.h"

namespace edgeml::cli {

void add_keys_command(CLI::App& app) {
  auto* keys = app.add_subcommand("keys", "the key pair that signs deployments");
  keys->require_subcommand(1);
  auto out = std::make_shared<std::filesystem::path>();
  auto* make = keys->add_subcommand("new", "write a new Ed25519 key pair: DIR/deploy.key (0600) and DIR/deploy.pub");
  make->add_option("--out", *out, "directory for the two files (created 0700 if missing)")->required();
  make->callback([out] {
    std::string id = serve::write_new_key_pair(*out);
    fmt::print("key {}: sign with edgeml deploy --sign-key {}, trust with edgeml serve --deploy-key {}\n", id,
               (*out / "deploy.key").string(), (*out / "deploy.pub").string());
  });
}

}  // namespace edgeml::cli
