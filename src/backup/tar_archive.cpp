#include "backup/tar_archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <dlfcn.h>
#include <unistd.h>

#include <array>
#include <ctime>
#include <fstream>

#include <fmt/format.h>

#include "core/error.h"

namespace edgeml::backup {
namespace fs = std::filesystem;
namespace {

// libarchive is opened when a backup or restore first needs it, not linked:
// linked, it and what it links (libxml2, ICU, liblzma, libzstd, libbz2,
// libacl, ...) are loaded into every edgeml process, 1.3 MiB resident in
// edgeml serve, and a static libarchive would bring them all the same (its
// pax writer pulls in every format and filter).
static_assert(ARCHIVE_VERSION_NUMBER / 1000000 == 3, "libarchive 3 has the soname below");
constexpr const char* kLibArchive = "libarchive.so.13";

#define EDGEML_LIBARCHIVE_FUNCTIONS(X) \
  X(archive_entry_filetype) \
  X(archive_entry_free) \
  X(archive_entry_new) \
  X(archive_entry_pathname) \
  X(archive_entry_set_filetype) \
  X(archive_entry_set_mtime) \
  X(archive_entry_set_pathname) \
  X(archive_entry_set_perm) \
  X(archive_entry_set_size) \
  X(archive_entry_size) \
  X(archive_entry_size_is_set) \
  X(archive_error_string) \
  X(archive_read_data) \
  X(archive_read_free) \
  X(archive_read_new) \
  X(archive_read_next_header) \
  X(archive_read_open_filename) \
  X(archive_read_support_format_tar) \
  X(archive_write_close) \
  X(archive_write_data) \
  X(archive_write_free) \
  X(archive_write_header) \
  X(archive_write_new) \
  X(archive_write_open_fd) \
  X(archive_write_set_format_pax_restricted)

struct LibArchive {
#define EDGEML_FIELD(name) decltype(&::name) name = nullptr;
  EDGEML_LIBARCHIVE_FUNCTIONS(EDGEML_FIELD)
#undef EDGEML_FIELD
};

LibArchive open_libarchive() {
  // Never closed: its functions may be called until the process ends.
  void* library = ::dlopen(kLibArchive, RTLD_NOW | RTLD_LOCAL);
  if (!library)
    throw Error(fmt::format("backup and restore need libarchive ({}): {}; on Debian: apt install libarchive13",
                            kLibArchive, ::dlerror()));
  LibArchive la;
  auto find = [&](const char* name) {
    void* symbol = ::dlsym(library, name);
    if (!symbol) throw Error(fmt::format("{} has no function {}", kLibArchive, name));
    return symbol;
  };
#define EDGEML_FIND(name) la.name = reinterpret_cast<decltype(&::name)>(find(#name));
  EDGEML_LIBARCHIVE_FUNCTIONS(EDGEML_FIND)
#undef EDGEML_FIND
  return la;
}

const LibArchive& la() {
  static const LibArchive library = open_libarchive();  // a failure is thrown again at the next call
  return library;
}

std::string archive_reason(archive* a) {
  const char* why = la().archive_error_string(a);
  return why ? why : "unknown error";
}

}  // namespace

TarWriter::TarWriter(int fd, fs::path name) : archive_(la().archive_write_new()), fd_(fd), name_(std::move(name)) {
  if (!archive_) throw Error("libarchive cannot start a tar file");
  // pax headers only where ustar's cannot hold a name or a size: tar reads it everywhere.
  if (la().archive_write_set_format_pax_restricted(archive_) != ARCHIVE_OK ||
      la().archive_write_open_fd(archive_, fd_) != ARCHIVE_OK)
    fail("start");
}

TarWriter::~TarWriter() {
  if (archive_) la().archive_write_free(archive_);
  if (fd_ >= 0) ::close(fd_);
}

void TarWriter::fail(const char* what) {
  throw Error(fmt::format("cannot {} the tar file '{}': {}", what, name_.string(), archive_reason(archive_)));
}

void TarWriter::write_header(const std::string& entry_name, std::uint64_t size) {
  archive_entry* entry = la().archive_entry_new();
  la().archive_entry_set_pathname(entry, entry_name.c_str());
  la().archive_entry_set_filetype(entry, AE_IFREG);
  la().archive_entry_set_perm(entry, 0600);
  la().archive_entry_set_size(entry, static_cast<la_int64_t>(size));
  la().archive_entry_set_mtime(entry, std::time(nullptr), 0);
  int rc = la().archive_write_header(archive_, entry);
  la().archive_entry_free(entry);
  if (rc != ARCHIVE_OK) fail("write an entry of");
}

void TarWriter::write_data(const char* data, std::size_t size) {
  while (size > 0) {
    la_ssize_t n = la().archive_write_data(archive_, data, size);
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
  if (la().archive_write_close(archive_) != ARCHIVE_OK) fail("finish");
  if (::fsync(fd_) != 0) throw Error(fmt::format("cannot sync the tar file '{}'", name_.string()));
}

TarReader::TarReader(const fs::path& path) : archive_(la().archive_read_new()), buffer_(1 << 16) {
  if (!archive_) throw Error("libarchive cannot start reading");
  // Tar only, no decompression filters: a backup is what write_backup wrote, nothing else is read.
  la().archive_read_support_format_tar(archive_);
  if (la().archive_read_open_filename(archive_, path.c_str(), buffer_.size()) != ARCHIVE_OK) {
    std::string why = archive_reason(archive_);
    la().archive_read_free(archive_);
    throw Error(fmt::format("cannot open '{}': {}", path.string(), why));
  }
}

TarReader::~TarReader() { la().archive_read_free(archive_); }

std::optional<TarEntry> TarReader::next() {
  archive_entry* entry = nullptr;
  int rc = la().archive_read_next_header(archive_, &entry);
  if (rc == ARCHIVE_EOF) return std::nullopt;
  if (rc != ARCHIVE_OK) throw Error(archive_reason(archive_));
  const char* name = la().archive_entry_pathname(entry);
  return TarEntry{name ? name : "", la().archive_entry_filetype(entry) == AE_IFREG,
                  la().archive_entry_size_is_set(entry) ? la().archive_entry_size(entry) : -1};
}

std::span<const std::byte> TarReader::read() {
  la_ssize_t n = la().archive_read_data(archive_, buffer_.data(), buffer_.size());
  if (n < 0) throw Error(archive_reason(archive_));
  return {buffer_.data(), static_cast<std::size_t>(n)};
}

}  // namespace edgeml::backup
