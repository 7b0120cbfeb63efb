// edgeml backup: a consistent snapshot of a running node in one file.
#pragma once

#include <filesystem>
#include <optional>
#include <vector>

#include "backup/backup_manifest.h"

namespace edgeml::backup {

// Where the parts of a node are, named as the subcommands that use them name them.
struct NodeParts {
  std::optional<std::filesystem::path> models;    // serve --models (manifest.json, deployments.json, files)
  std::optional<std::filesystem::path> db;        // collect --db
  std::optional<std::filesystem::path> state;     // publish --state-dir (the outbox)
  std::optional<std::filesystem::path> contract;  // serve --contract
  std::vector<std::filesystem::path> deploy_keys;  // serve --deploy-key
  std::optional<std::filesystem::path> quality;   // collect/serve --quality-config
};

// Snapshots each part given and writes the backup to `out`, which must not
// exist yet. Databases are copied through SQLite's backup API, the models
// directory again until no deployment changed it meanwhile. The file is
// written under a temporary name beside `out`, synced and renamed, so `out`
// is whole or absent. Throws Error naming the part and the reason.
BackupManifest write_backup(const NodeParts& parts, const std::filesystem::path& out);

}  // namespace edgeml::backup
