// edgeml backup: a consistent snapshot of a running node in one tar file.
#include <chrono>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "backup/backup_writer.h"
#include "cli/common.h"

namespace edgeml::cli {
namespace {

struct BackupArgs {
  std::filesystem::path out;
  backup::NodeParts parts;
};

}  // namespace

void add_backup_command(CLI::App& app) {
  auto args = std::make_shared<BackupArgs>();
  auto* cmd = app.add_subcommand("backup", "snapshot a running node (models, database, outbox, contract, keys) into one file");
  cmd->add_option("--out", args->out, "the backup file to write (a tar; it must not exist yet)")->required();
  add_path_option(cmd, "--models", args->parts.models, "the models directory of edgeml serve");
  add_path_option(cmd, "--db", args->parts.db, "the collector's SQLite database (copied live, through SQLite's backup API)");
  add_path_option(cmd, "--state-dir", args->parts.state, "the publisher's state directory (its outbox)");
  add_path_option(cmd, "--contract", args->parts.contract, "the service contract of edgeml serve");
  cmd->add_option("--deploy-key", args->parts.deploy_keys, "a public key the node pins (repeatable)");
  add_path_option(cmd, "--quality-config", args->parts.quality, "the data-quality configuration");
  cmd->footer(
      "Each part given is copied consistently while the node runs: databases as one SQLite read transaction\n"
      "sees them, the models directory again until no deployment changed it meanwhile. The file is a tar:\n"
      "edgeml-backup.json first (every file's size and SHA-256), edgeml-backup.sha256 last. edgeml restore\n"
      "checks all of it before it writes anything.");
  cmd->callback([args] {
    auto start = std::chrono::steady_clock::now();
    backup::BackupManifest manifest = backup::write_backup(args->parts, args->out);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    fmt::print("backup '{}': {} parts, {} files, {:.1f} KiB of data, in {:.2f} s\n", args->out.string(),
               manifest.sources.size(), manifest.files.size(), static_cast<double>(manifest.byte_count()) / 1024.0,
               seconds);
    fmt::print("{}", backup::describe_parts(manifest));
  });
}

}  // namespace edgeml::cli
