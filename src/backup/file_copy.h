// Copying and writing files so that what is written is on disk when the call
// returns (fsync), and listing a directory tree.
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <vector>

namespace edgeml::backup {

// A file created new (0600; it must not be there before) and written in
// pieces; it is on disk once sync() returns. Throws Error naming the file.
class NewFile {
 public:
  explicit NewFile(std::filesystem::path path);
  ~NewFile();
  NewFile(const NewFile&) = delete;
  NewFile& operator=(const NewFile&) = delete;

  void write(std::span<const std::byte> bytes);
  void sync();

 private:
  int fd_;
  std::filesystem::path path_;
};

// Copies `from` to the new file `to` and syncs it. Throws Error.
void copy_file_synced(const std::filesystem::path& from, const std::filesystem::path& to);
// fsync of a file or a directory (a rename is durable once its directory is synced).
void sync_path(const std::filesystem::path& path);

// The regular files under `dir`, relative to it, sorted; names starting with
// '.' (staging directories, editors' files) are left out. Throws Error on a
// file that is neither a regular file nor a directory.
std::vector<std::filesystem::path> list_files(const std::filesystem::path& dir);

}  // namespace edgeml::backup
