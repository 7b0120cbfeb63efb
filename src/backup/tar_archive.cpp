#include "backup/tar_archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include <array>
#include <ctime>
#include <fstream>

#include <fmt/format.h>

#include "core/error.h"

namespace edgeml::backup {
namespace fs = std::filesystem;
namespace {

std::string archive_reason(archive* a) {
  const char* why = archive_error_string(a);
  return why ? why : "unknown error";
}

}  // namespace

TarWriter::TarWriter(int fd, fs::path name) : archive_(archive_write_new()), fd_(fd), name_(std::move(name)) {
  if (!archive_) throw Error("libarchive cannot start a tar file");
  // pax headers only where ustar's cannot hold a name or a size: tar reads it everywhere.
  if (archive_write_set_format_pax_restricted(archive_) != ARCHIVE_OK ||
      archive_write_open_fd(archive_, fd_) != ARCHIVE_OK)
    fail("start");
}

TarWriter::~TarWriter() {
  if (archive_) archive_write_free(archive_);
  if (fd_ >= 0) ::close(fd_);
}

void TarWriter::fail(const char* what) {
  throw Error(fmt::format("cannot {} the tar file '{}': {}", what, name_.string(), archive_reason(archive_)));
}

void TarWriter::write_header(const std::string& entry_name, std::uint64_t size) {
  archive_entry* entry = archive_entry_new();
  archive_entry_set_pathname(entry, entry_name.c_str());
  archive_entry_set_filetype(entry, AE_IFREG);
  archive_entry_set_perm(entry, 0600);
  archive_entry_set_size(entry, static_cast<la_int64_t>(size));
  archive_entry_set_mtime(entry, std::time(nullptr), 0);
  int rc = archive_write_header(archive_, entry);
  archive_entry_free(entry);
  if (rc != ARCHIVE_OK) fail("write an entry of");
}

void TarWriter::write_data(const char* data, std::size_t size) {
  while (size > 0) {
    la_ssize_t n = archive_write_data(archive_, data, size);
    if (n <= 0) fail("write");
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

void TarWriter::add(const std::string& entry_name, std::string_view bytes) {
  write_header(entry_name, bytes.size());
  write_data(bytes.data(), bytes.size());
}

void TarWriter::add_file(const std::string& entry_name, const fs::path& from, std::uint64_t size) {
  write_header(entry_name, size);
  std::ifstream in(from, std::ios::binary);
  std::array<char, 1 << 16> buffer;
  std::uint64_t written = 0;
  while (in && written < size) {
    in.read(buffer.data(), static_cast<std::streamsize>(std::min<std::uint64_t>(buffer.size(), size - written)));
    write_data(buffer.data(), static_cast<std::size_t>(in.gcount()));
    written += static_cast<std::uint64_t>(in.gcount());
  }
  if (written != size) throw Error(fmt::format("'{}' changed while it was archived", from.string()));
}

void TarWriter::finish() {
  if (archive_write_close(archive_) != ARCHIVE_OK) fail("finish");
  if (::fsync(fd_) != 0) throw Error(fmt::format("cannot sync the tar file '{}'", name_.string()));
}

TarReader::TarReader(const fs::path& path) : archive_(archive_read_new()), buffer_(1 << 16) {
  if (!archive_) throw Error("libarchive cannot start reading");
  // Tar only, no decompression filters: a backup is what write_backup wrote, nothing else is read.
  archive_read_support_format_tar(archive_);
  if (archive_read_open_filename(archive_, path.c_str(), buffer_.size()) != ARCHIVE_OK) {
    std::string why = archive_reason(archive_);
    archive_read_free(archive_);
    throw Error(fmt::format("cannot open '{}': {}", path.string(), why));
  }
}

TarReader::~TarReader() { archive_read_free(archive_); }

std::optional<TarEntry> TarReader::next() {
  archive_entry* entry = nullptr;
  int rc = archive_read_next_header(archive_, &entry);
  if (rc == ARCHIVE_EOF) return std::nullopt;
  if (rc != ARCHIVE_OK) throw Error(archive_reason(archive_));
  const char* name = archive_entry_pathname(entry);
  return TarEntry{name ? name : "", archive_entry_filetype(entry) == AE_IFREG,
                  archive_entry_size_is_set(entry) ? archive_entry_size(entry) : -1};
}

std::span<const std::byte> TarReader::read() {
  la_ssize_t n = archive_read_data(archive_, buffer_.data(), buffer_.size());
  if (n < 0) throw Error(archive_reason(archive_));
  return {buffer_.data(), static_cast<std::size_t>(n)};
}

}  // namespace edgeml::backup
