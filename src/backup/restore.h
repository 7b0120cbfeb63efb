// edgeml restore: a node rebuilt from a backup file.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <vector>

#include "backup/backup_manifest.h"

namespace edgeml::backup {

// Where each part goes. A part without its own destination goes under
// `into`: models/, state/ and keys/ as directories, the database, contract
// and quality configuration under the names they had.
struct RestoreTargets {
  std::optional<std::filesystem::path> into{};
  std::optional<std::filesystem::path> models{}, db{}, state{}, contract{}, keys{}, quality{};
};

struct RestoredPart {
  Part part;
  std::filesystem::path destination;
  std::size_t files = 0;
};

// Checks every byte of `file` before writing anything, refuses a destination
// that exists (a directory may exist empty) or that two parts share, then
// writes each part (files 0600, synced) under a temporary name and renames
// it into place. Throws Error with the reason; a refused backup leaves no trace.
std::vector<RestoredPart> restore_backup(const std::filesystem::path& file, const RestoreTargets& targets);

// Where restore_backup would write each part of `manifest`. Throws Error for
// a part with no destination, a destination taken, or one shared by two parts.
std::vector<RestoredPart> plan_restore(const BackupManifest& manifest, const RestoreTargets& targets);

}  // namespace edgeml::backup
