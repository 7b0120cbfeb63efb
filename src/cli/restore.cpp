// edgeml restore: a node rebuilt from a backup file, checked whole first.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "backup/backup_reader.h"
#include "backup/restore.h"
#include "cli/common.h"

namespace edgeml::cli {

namespace {

struct RestoreArgs {
  std::filesystem::path file;
  backup::RestoreTargets targets;
  bool check_only = false;
};


// The command that starts a server on what was restored.
std::string serve_hint(const std::vector<backup::RestoredPart>& parts) {
  std::string line;
  for (const backup::RestoredPart& p : parts) {
    if (p.part == backup::Part::models) line += " --models " + p.destination.string();
    if (p.part == backup::Part::contract) line += " --contract " + p.destination.string();
    if (p.part == backup::Part::quality) line += " --quality-config " + p.destination.string();
    if (p.part == backup::Part::keys)
      for (const auto& key : std::filesystem::directory_iterator(p.destination))
        line += " --deploy-key " + key.path().string();
  }
  return line.find("--models") == std::string::npos ? "" : "edgeml serve" + line;
}

void run_restore(const RestoreArgs& args) {
  if (args.check_only) {
    backup::BackupManifest manifest = backup::verify_backup(args.file);
    fmt::print("backup '{}' is whole: {} files, every SHA-256 matches (written {} by edgeml {})\n",
               args.file.string(), manifest.files.size(), manifest.created, manifest.edgeml_version);
    fmt::print("{}", backup::describe_parts(manifest));
    return;
  }
  std::vector<backup::RestoredPart> parts = backup::restore_backup(args.file, args.targets);
  fmt::print("restored '{}', every SHA-256 checked:\n", args.file.string());
  for (const backup::RestoredPart& p : parts)
    fmt::print("  {:<9} {:>4} file{} to {}\n", backup::part_name(p.part), p.files, p.files == 1 ? " " : "s",
               p.destination.string());
  if (std::string hint = serve_hint(parts); !hint.empty()) fmt::print("serve it: {}\n", hint);
}

}  // namespace

void add_restore_command(CLI::App& app) {
  auto args = std::make_shared<RestoreArgs>();
  auto* cmd = app.add_subcommand("restore", "rebuild a node from a backup file, after checking all of it");
  cmd->add_option("FILE", args->file, "the backup file (edgeml backup --out)")->required()->check(CLI::ExistingFile);
  add_path_option(cmd, "--into", args->targets.into, "directory for every part without its own option (created if missing)");
  add_path_option(cmd, "--models", args->targets.models, "where the models directory goes");
  add_path_option(cmd, "--db", args->targets.db, "where the collector's database goes");
  add_path_option(cmd, "--state-dir", args->targets.state, "where the publisher's state directory goes");
  add_path_option(cmd, "--contract", args->targets.contract, "where the service contract goes");
  add_path_option(cmd, "--keys", args->targets.keys, "directory for the pinned deploy keys");
  add_path_option(cmd, "--quality-config", args->targets.quality, "where the data-quality configuration goes");
  cmd->add_flag("--check", args->check_only, "only check the file and tell what it holds; write nothing");
  cmd->footer(
      "Nothing is written until every file of the backup has the size and SHA-256 its manifest lists and\n"
      "the manifest its seal; a damaged or partial file is refused with the reason. Destinations must not\n"
      "exist (a directory may be empty); each part is written under a temporary name and renamed into place.");
  cmd->callback([args] { run_restore(*args); });
}

}  // namespace edgeml::cli
