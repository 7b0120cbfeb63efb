// Reading a backup file back, every byte checked against its manifest.
#pragma once

#include <filesystem>

#include "backup/backup_manifest.h"

namespace edgeml::backup {

// Reads the whole file and checks it: the manifest first, then each file's
// name, size and SHA-256 in the manifest's order, then the seal, then the
// end. Writes nothing. Throws Error("backup 'FILE' is damaged: ..." or
// "... is incomplete: ...") with what did not match.
BackupManifest verify_backup(const std::filesystem::path& file);

// The same checks, writing each file under `into` (as PART/relative path,
// 0600, synced) as it is read. On a mismatch it throws the same Error and
// what it wrote stays for the caller to remove.
BackupManifest extract_backup(const std::filesystem::path& file, const std::filesystem::path& into);

}  // namespace edgeml::backup
