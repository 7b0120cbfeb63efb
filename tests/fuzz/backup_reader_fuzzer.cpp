// libFuzzer target: a backup file as edgeml restore reads it (backup/backup_reader.h),
// through libarchive's tar reader and our manifest and checksum checks.
//
// Checked besides "never throws anything but Error, never crashes": a backup
// that verifies lists only paths that stay under their part, and its
// manifest writes back as text that reads as the same files.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "backup/backup_reader.h"
#include "core/error.h"

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_backup_reader: %s\n", what);
  std::abort();
}

// The input as a file (in memory) that the reader opens by name.
class MemoryFile {
 public:
  MemoryFile(const std::uint8_t* data, std::size_t size) : fd_(memfd_create("backup", MFD_CLOEXEC)) {
    if (fd_ < 0 || ::write(fd_, data, size) != static_cast<ssize_t>(size)) fail("memfd_create or write failed");
  }
  ~MemoryFile() { ::close(fd_); }
  std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

 private:
  int fd_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  MemoryFile file(data, size);
  edgeml::backup::BackupManifest manifest;
  try {
    manifest = edgeml::backup::verify_backup(file.path());
  } catch (const edgeml::Error&) {
    return 0;
  }
  for (const auto& f : manifest.files)
    if (!edgeml::backup::is_contained_path(f.path) || f.path.find("..") != std::string::npos)
      fail("a verified backup lists a path that may leave its part");
  edgeml::backup::BackupManifest again = edgeml::backup::parse_manifest(edgeml::backup::manifest_text(manifest));
  if (again.files.size() != manifest.files.size() || again.sources != manifest.sources)
    fail("a manifest does not read back as itself");
  return 0;
}
