#include "backup/backup_writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <set>
#include <thread>
#include <tuple>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "backup/file_copy.h"
#include "backup/sqlite_copy.h"
#include "backup/tar_archive.h"
#include "core/error.h"
#include "core/sha256.h"
#include "core/temp_dir.h"

namespace edgeml::backup {
namespace fs = std::filesystem;
namespace {

// A deployment takes milliseconds and they come seldom; a burst of them is waited out.
constexpr int kModelCopyAttempts = 20;
constexpr std::chrono::milliseconds kModelCopyPause{20};

// Removes a directory and what it holds when the scope ends.
struct ScopedDir {
  fs::path path;
  ~ScopedDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// What a deployment changes: each file's name, size, modification time and
// inode (manifest.json is replaced by a rename, so its inode changes).
using DirectoryState = std::vector<std::tuple<std::string, std::uintmax_t, std::int64_t, ino_t>>;

DirectoryState directory_state(const fs::path& dir) {
  DirectoryState state;
  for (const fs::path& rel : list_files(dir)) {
    struct stat st {};
    if (::stat((dir / rel).c_str(), &st) != 0) continue;
    state.emplace_back(rel.string(), st.st_size, st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec, st.st_ino);
  }
  return state;
}

// Staged copies are not synced one by one: the backup file made of them is.
void stage_file(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::create_directories(to.parent_path(), ec);
  if (!ec) fs::copy_file(from, to, ec);
  if (ec) throw Error(fmt::format("cannot copy '{}': {}", from.string(), ec.message()));
}

void copy_tree(const fs::path& from, const fs::path& to) {
  for (const fs::path& rel : list_files(from)) stage_file(from / rel, to / rel);
}

void snapshot_models(const fs::path& from, const fs::path& to) {
  if (!fs::is_directory(from)) throw Error(fmt::format("the models directory '{}' is not a directory", from.string()));
  for (int attempt = 1; attempt <= kModelCopyAttempts; ++attempt) {
    if (attempt > 1) std::this_thread::sleep_for(kModelCopyPause);
    DirectoryState before = directory_state(from);
    fs::remove_all(to);
    fs::create_directories(to);
    try {
      copy_tree(from, to);
    } catch (const Error&) {
      if (directory_state(from) == before) throw;  // not a deployment under way: a real failure
      continue;
    }
    if (directory_state(from) == before) return;
  }
  throw Error(fmt::format("the models directory '{}' changed during each of {} copies; deployments are still "
                          "arriving, try again",
                          from.string(), kModelCopyAttempts));
}

// The publisher's state: its outbox databases through the backup API, other files as they are.
void snapshot_state(const fs::path& from, const fs::path& to) {
  if (!fs::is_directory(from)) throw Error(fmt::format("the state directory '{}' is not a directory", from.string()));
  fs::create_directories(to);
  for (const fs::path& rel : list_files(from)) {
    if (is_sqlite_companion(rel)) continue;
    fs::create_directories((to / rel).parent_path());
    try {
      if (is_sqlite_database(from / rel))
        copy_sqlite_database(from / rel, to / rel);
      else
        stage_file(from / rel, to / rel);
    } catch (const Error&) {
      if (fs::exists(from / rel)) throw;  // else an emptied outbox was removed meanwhile: nothing to keep
    }
  }
}

void snapshot_file(const fs::path& from, const fs::path& to_dir, const char* what) {
  if (!fs::is_regular_file(from)) throw Error(fmt::format("the {} '{}' is not a file", what, from.string()));
  stage_file(from, to_dir / from.filename());
}

void snapshot_keys(const std::vector<fs::path>& keys, const fs::path& to) {
  fs::create_directories(to);
  std::set<std::string> taken;
  for (const fs::path& key : keys) {
    if (!fs::is_regular_file(key)) throw Error(fmt::format("the deploy key '{}' is not a file", key.string()));
    std::string name = key.filename().string();
    for (int n = 2; taken.contains(name); ++n) name = fmt::format("{}-{}{}", key.stem().string(), n, key.extension().string());
    taken.insert(name);
    stage_file(key, to / name);
  }
}

std::string absolute_text(const fs::path& path) { return fs::absolute(path).lexically_normal().string(); }

void snapshot_parts(const NodeParts& parts, const fs::path& staging, BackupManifest& manifest) {
  auto dir = [&](Part p) { return staging / part_name(p); };
  if (parts.models) snapshot_models(*parts.models, dir(Part::models));
  if (parts.db) {
    fs::create_directories(dir(Part::db));
    copy_sqlite_database(*parts.db, dir(Part::db) / parts.db->filename());
  }
  if (parts.state) snapshot_state(*parts.state, dir(Part::state));
  if (parts.contract) snapshot_file(*parts.contract, dir(Part::contract), "contract");
  if (!parts.deploy_keys.empty()) snapshot_keys(parts.deploy_keys, dir(Part::keys));
  if (parts.quality) snapshot_file(*parts.quality, dir(Part::quality), "quality configuration");
  if (parts.models) manifest.sources[Part::models] = absolute_text(*parts.models);
  if (parts.db) manifest.sources[Part::db] = absolute_text(*parts.db);
  if (parts.state) manifest.sources[Part::state] = absolute_text(*parts.state);
  if (parts.contract) manifest.sources[Part::contract] = absolute_text(*parts.contract);
  if (!parts.deploy_keys.empty()) manifest.sources[Part::keys] = absolute_text(parts.deploy_keys.front().parent_path());
  if (parts.quality) manifest.sources[Part::quality] = absolute_text(*parts.quality);
}

std::string file_sha256(const fs::path& path) {
  Sha256 sha;
  std::ifstream in(path, std::ios::binary);
  std::array<char, 1 << 16> buffer;
  while (in) {
    in.read(buffer.data(), buffer.size());
    sha.update(std::string_view(buffer.data(), static_cast<std::size_t>(in.gcount())));
  }
  if (in.bad()) throw Error(fmt::format("cannot read '{}'", path.string()));
  return sha.hex();
}

void list_staged_files(const fs::path& staging, BackupManifest& manifest) {
  for (const auto& [part, source] : manifest.sources)
    for (const fs::path& rel : list_files(staging / part_name(part))) {
      fs::path staged = staging / part_name(part) / rel;
      std::string path = (fs::path(part_name(part)) / rel).generic_string();
      if (!is_contained_path(path))
        throw Error(fmt::format("'{}' has a name a backup cannot hold (control characters or a backslash)",
                                (fs::path(source) / rel).string()));
      manifest.files.push_back({path, part, fs::file_size(staged), file_sha256(staged)});
    }
}

// The manifest first, so that `tar xOf FILE edgeml-backup.json` tells what a
// backup holds at once; the seal last, so that a file cut short lacks it.
void write_archive(const BackupManifest& manifest, const fs::path& staging, const fs::path& out) {
  std::string pattern = (out.parent_path() / ("." + out.filename().string() + ".partial-XXXXXX")).string();
  int fd = ::mkstemp(pattern.data());
  if (fd < 0) throw Error(fmt::format("cannot create a file beside '{}': {}", out.string(), std::strerror(errno)));
  fs::path partial = pattern;
  try {
    TarWriter tar(fd, out);
    std::string text = manifest_text(manifest);
    tar.add(kManifestName, text);
    for (const BackupFile& f : manifest.files) tar.add_file(f.path, staging / f.path, f.bytes);
    tar.add(kSealName, sha256_hex(text) + "\n");
    tar.finish();
    // link() rather than rename(): it never replaces a file that appeared at `out` meanwhile.
    if (::link(partial.c_str(), out.c_str()) != 0)
      throw Error(fmt::format("cannot create '{}': {}", out.string(), std::strerror(errno)));
  } catch (...) {
    std::error_code ec;
    fs::remove(partial, ec);
    throw;
  }
  fs::remove(partial);
  sync_path(out.parent_path());
}

}  // namespace

BackupManifest write_backup(const NodeParts& parts, const fs::path& out_path) {
  fs::path out = fs::absolute(out_path);
  if (fs::exists(out)) throw Error(fmt::format("'{}' is already there; a backup does not overwrite a file", out.string()));
  fs::path parent = out.parent_path();
  if (!fs::is_directory(parent)) throw Error(fmt::format("the directory '{}' is not there", parent.string()));
  BackupManifest manifest;
  manifest.created = fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::time(nullptr)));
  manifest.edgeml_version = EDGEML_VERSION;
  ScopedDir staging{make_unique_dir(parent, ".edgeml-backup")};
  snapshot_parts(parts, staging.path, manifest);
  if (manifest.sources.empty()) throw Error("nothing to back up: name at least one part");
  list_staged_files(staging.path, manifest);
  write_archive(manifest, staging.path, out);
  return manifest;
}

}  // namespace edgeml::backup
