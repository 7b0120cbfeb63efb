#include "backup/restore.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <set>

#include <fmt/format.h>

#include "backup/backup_reader.h"
#include "backup/file_copy.h"
#include "core/error.h"
#include "core/temp_dir.h"

namespace edgeml::backup {
namespace fs = std::filesystem;
namespace {

const std::optional<fs::path>& own_target(Part part, const RestoreTargets& t) {
  switch (part) {
    case Part::models: return t.models;
    case Part::db: return t.db;
    case Part::state: return t.state;
    case Part::contract: return t.contract;
    case Part::keys: return t.keys;
    case Part::quality: return t.quality;
  }
  return t.into;
}

std::string single_file_name(const BackupManifest& manifest, Part part) {
  for (const BackupFile& f : manifest.files)
    if (f.part == part) return f.relative_path();
  return part_name(part);
}

fs::path destination(const BackupManifest& manifest, Part part, const RestoreTargets& targets) {
  if (const auto& own = own_target(part, targets)) return fs::absolute(*own).lexically_normal();
  if (!targets.into)
    throw Error(fmt::format("the backup holds part {}, and nothing says where it goes: give --into DIR or its own "
                            "option",
                            part_name(part)));
  fs::path into = fs::absolute(*targets.into).lexically_normal();
  return is_directory_part(part) ? into / part_name(part) : into / single_file_name(manifest, part);
}

void check_free(Part part, const fs::path& dest) {
  std::error_code ec;
  if (is_directory_part(part) && fs::is_directory(dest, ec) && fs::is_empty(dest, ec)) return;
  if (fs::exists(fs::symlink_status(dest, ec)))
    throw Error(fmt::format("'{}' is already there; restore writes only where nothing is (part {})", dest.string(),
                            part_name(part)));
  if (part == Part::db)
    for (const char* suffix : {"-wal", "-shm", "-journal"})
      if (fs::exists(dest.string() + suffix))
        throw Error(fmt::format("'{}{}' is there, left by another database; remove it first", dest.string(), suffix));
}

// rename(), or a copy where the destination is on another filesystem.
void move_into_place(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::create_directories(to.parent_path(), ec);
  if (fs::is_directory(to, ec)) fs::remove(to, ec);  // checked empty by check_free
  if (::rename(from.c_str(), to.c_str()) == 0) return;
  if (errno != EXDEV) throw Error(fmt::format("cannot move '{}' to '{}': {}", from.string(), to.string(), std::strerror(errno)));
  fs::path near = make_unique_dir(to.parent_path(), "." + to.filename().string() + ".restore");
  fs::path copy = near / to.filename();
  if (fs::is_directory(from)) {
    for (const fs::path& rel : list_files(from)) {
      fs::create_directories((copy / rel).parent_path());
      copy_file_synced(from / rel, copy / rel);
    }
  } else {
    copy_file_synced(from, copy);
  }
  if (::rename(copy.c_str(), to.c_str()) != 0)
    throw Error(fmt::format("cannot move '{}' to '{}': {}", copy.string(), to.string(), std::strerror(errno)));
  fs::remove_all(near, ec);
}

}  // namespace

std::vector<RestoredPart> plan_restore(const BackupManifest& manifest, const RestoreTargets& targets) {
  if (manifest.sources.empty()) throw Error("the backup holds no part of a node");
  std::vector<RestoredPart> plan;
  std::set<fs::path> taken;
  for (const auto& [part, source] : manifest.sources) {
    fs::path dest = destination(manifest, part, targets);
    check_free(part, dest);
    if (!taken.insert(dest).second)
      throw Error(fmt::format("two parts would both go to '{}'; give one its own option", dest.string()));
    plan.push_back({part, dest, manifest.file_count(part)});
  }
  return plan;
}

std::vector<RestoredPart> restore_backup(const fs::path& file, const RestoreTargets& targets) {
  BackupManifest manifest = verify_backup(file);
  std::vector<RestoredPart> plan = plan_restore(manifest, targets);
  fs::path stage_parent = targets.into ? fs::absolute(*targets.into) : plan.front().destination.parent_path();
  std::error_code ec;
  fs::create_directories(stage_parent, ec);
  if (ec) throw Error(fmt::format("cannot create '{}': {}", stage_parent.string(), ec.message()));
  fs::path staging = make_unique_dir(stage_parent, ".edgeml-restore");
  try {
    extract_backup(file, staging);
    for (const RestoredPart& p : plan) {
      fs::path from = staging / part_name(p.part);
      if (!is_directory_part(p.part)) from /= single_file_name(manifest, p.part);
      else fs::create_directories(from);  // a part with no files is still restored as a directory
      move_into_place(from, p.destination);
      sync_path(p.destination.parent_path());
    }
  } catch (...) {
    fs::remove_all(staging, ec);
    throw;
  }
  fs::remove_all(staging, ec);
  return plan;
}

}  // namespace edgeml::backup
