// Tar files written and read one entry at a time, through libarchive.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

struct archive;

namespace edgeml::backup {

class TarWriter {
 public:
  // Writes to `fd`, which the writer then owns; `name` is for error messages.
  TarWriter(int fd, std::filesystem::path name);
  ~TarWriter();
  TarWriter(const TarWriter&) = delete;
  TarWriter& operator=(const TarWriter&) = delete;

  // A regular file entry (mode 0600) holding `bytes`.
  void add(const std::string& entry_name, std::string_view bytes);
  // A regular file entry holding the file `from`, which must have `size` bytes.
  void add_file(const std::string& entry_name, const std::filesystem::path& from, std::uint64_t size);
  // Ends the archive and syncs it to disk. Throws Error.
  void finish();

 private:
  void write_header(const std::string& entry_name, std::uint64_t size);
  void write_data(const char* data, std::size_t size);
  [[noreturn]] void fail(const char* what);

  archive* archive_ = nullptr;
  int fd_ = -1;
  std::filesystem::path name_;
};

struct TarEntry {
  std::string name;
  bool regular_file = false;
  std::int64_t size = 0;
};

class TarReader {
 public:
  // Throws Error when `path` cannot be opened.
  explicit TarReader(const std::filesystem::path& path);
  ~TarReader();
  TarReader(const TarReader&) = delete;
  TarReader& operator=(const TarReader&) = delete;

  // The next entry's header, or nothing at the end. Throws Error when the
  // archive is damaged or cut short, with libarchive's reason.
  std::optional<TarEntry> next();
  // The current entry's next piece of data; empty at its end. Throws Error.
  std::span<const std::byte> read();

 private:
  archive* archive_ = nullptr;
  std::vector<std::byte> buffer_;
};

}  // namespace edgeml::backup
