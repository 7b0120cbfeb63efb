// What a backup file holds: a plain tar whose first entry, edgeml-backup.json,
// lists every other file with its part, size and SHA-256, and whose last,
// edgeml-backup.sha256, is the SHA-256 of that list. A file missing its last
// entry was cut short; any byte changed anywhere fails one of the checksums.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace edgeml::backup {

// The parts of a node. Directory parts keep a tree; file parts hold one file.
enum class Part { models, db, state, contract, keys, quality };
inline constexpr Part kAllParts[] = {Part::models, Part::db, Part::state, Part::contract, Part::keys, Part::quality};

const char* part_name(Part part);
std::optional<Part> part_named(std::string_view name);
bool is_directory_part(Part part);

struct BackupFile {
  std::string path;  // in the archive: "<part>/<relative path>"
  Part part = Part::models;
  std::uint64_t bytes = 0;
  std::string sha256;  // lower-case hex

  // `path` without its part's directory: where it goes under the part's destination.
  std::string relative_path() const;
};

struct BackupManifest {
  std::string created;         // UTC, ISO 8601
  std::string edgeml_version;  // of the edgeml that wrote it
  std::map<Part, std::string> sources;  // each part held, and where it was taken from
  std::vector<BackupFile> files;        // in archive order

  std::size_t file_count(Part part) const;
  std::uint64_t byte_count() const;
};

inline constexpr const char* kManifestName = "edgeml-backup.json";
inline constexpr const char* kSealName = "edgeml-backup.sha256";
inline constexpr std::size_t kMaxManifestBytes = std::size_t{16} << 20;

std::string manifest_text(const BackupManifest& manifest);
// A line per part for people: "  models     9 files   12.5 KiB  from /srv/models".
std::string describe_parts(const BackupManifest& manifest);
// Throws Error saying what is wrong: not JSON, another format, a part or path
// that is not allowed, a file listed twice, a file part without its one file.
BackupManifest parse_manifest(std::string_view text);

// True for a relative path that stays inside the directory it is joined to:
// segments that are neither empty, "." nor "..", no backslash or control byte.
bool is_contained_path(std::string_view path);

}  // namespace edgeml::backup
