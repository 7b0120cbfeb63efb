// Copying and writing files so that what is written is on disk when the call
// returns (fsync), and listing a directory tree.
#pragma once

#include <filesystem>
#include <string_view>
#include <vector>

namespace edgeml::backup {

// Copies `from` to `to` (created 0600, not there before) and syncs it. Throws Error.
void copy_file_synced(const std::filesystem::path& from, const std::filesystem::path& to);
// Writes `bytes` to `to` (created 0600, not there before) and syncs it. Throws Error.
void write_file_synced(const std::filesystem::path& to, std::string_view bytes);
// fsync of a file or a directory (a rename is durable once its directory is synced).
void sync_path(const std::filesystem::path& path);

// The regular files under `dir`, relative to it, sorted; names starting with
// '.' (staging directories, editors' files) are left out. Throws Error on a
// file that is neither a regular file nor a directory.
std::vector<std::filesystem::path> list_files(const std::filesystem::path& dir);

}  // namespace edgeml::backup
