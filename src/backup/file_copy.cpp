#include "backup/file_copy.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <utility>

#include <fmt/format.h>

#include "core/error.h"

namespace edgeml::backup {
namespace fs = std::filesystem;
namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

[[noreturn]] void fail(const char* what, const fs::path& path) {
  throw Error(fmt::format("cannot {} '{}': {}", what, path.string(), std::strerror(errno)));
}

Fd create_new(const fs::path& to) {
  Fd fd(::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (fd.get() < 0) fail("create", to);
  return fd;
}

void write_all(int fd, const char* data, std::size_t size, const fs::path& to) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("write", to);
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

void finish(const Fd& fd, const fs::path& to) {
  if (::fsync(fd.get()) != 0) fail("sync", to);
}

}  // namespace

void copy_file_synced(const fs::path& from, const fs::path& to) {
  Fd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) fail("open", from);
  Fd out = create_new(to);
  std::array<char, 1 << 16> buffer;
  for (;;) {
    ssize_t n = ::read(in.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("read", from);
    if (n == 0) break;
    write_all(out.get(), buffer.data(), static_cast<std::size_t>(n), to);
  }
  finish(out, to);
}

void write_file_synced(const fs::path& to, std::string_view bytes) {
  Fd out = create_new(to);
  write_all(out.get(), bytes.data(), bytes.size(), to);
  finish(out, to);
}

void sync_path(const fs::path& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) fail("open", path);
  if (::fsync(fd.get()) != 0) fail("sync", path);
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
