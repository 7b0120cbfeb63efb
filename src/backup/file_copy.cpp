#include "backup/file_copy.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/error.h"

namespace edgeml::backup {
namespace fs = std::filesystem;
namespace {

[[noreturn]] void fail(const char* what, const fs::path& path) {
  throw Error(fmt::format("cannot {} '{}': {}", what, path.string(), std::strerror(errno)));
}

}  // namespace

NewFile::NewFile(fs::path path) : fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)), path_(std::move(path)) {
  if (fd_ < 0) fail("create", path_);
}

NewFile::~NewFile() { ::close(fd_); }

void NewFile::write(std::span<const std::byte> bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("write", path_);
    bytes = bytes.subspan(static_cast<std::size_t>(n));
  }
}

void NewFile::sync() {
  if (::fsync(fd_) != 0) fail("sync", path_);
}

void copy_file_synced(const fs::path& from, const fs::path& to) {
  int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) fail("open", from);
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{in};
  NewFile out(to);
  std::array<std::byte, 1 << 16> buffer;
  for (;;) {
    ssize_t n = ::read(in, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("read", from);
    if (n == 0) break;
    out.write(std::span(buffer.data(), static_cast<std::size_t>(n)));
  }
  out.sync();
}

void sync_path(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail("open", path);
  int synced = ::fsync(fd);
  ::close(fd);
  if (synced != 0) fail("sync", path);
}

std::vector<fs::path> list_files(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, ec), end;
  if (ec) throw Error(fmt::format("cannot read the directory '{}': {}", dir.string(), ec.message()));
  for (; it != end; it.increment(ec)) {
    if (ec) throw Error(fmt::format("cannot read the directory '{}': {}", dir.string(), ec.message()));
    const fs::path& path = it->path();
    if (path.filename().string().starts_with('.')) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    fs::file_status status = it->symlink_status(ec);
    if (!fs::exists(status) || fs::is_directory(status)) continue;  // gone since it was listed: the caller's affair
    if (!fs::is_regular_file(status))
      throw Error(fmt::format("'{}' is neither a regular file nor a directory; a backup holds only those",
                              path.string()));
    files.push_back(path.lexically_relative(dir));
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace edgeml::backup
