#include "backup/backup_manifest.h"

#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/bounded_json.h"
#include "core/error.h"

namespace edgeml::backup {
namespace {

constexpr const char* kFormat = "edgeml-backup";
constexpr int kVersion = 1;
constexpr std::size_t kMaxPathBytes = 1024;

const char* const kPartNames[] = {"models", "db", "state", "contract", "keys", "quality"};

std::string string_field(const nlohmann::json& doc, const char* key) {
  auto at = doc.find(key);
  return at != doc.end() && at->is_string() ? at->get<std::string>() : std::string();
}

bool is_sha256_hex(const std::string& text) {
  return text.size() == 64 && text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

BackupFile parse_file(const nlohmann::json& entry, std::size_t index) {
  auto where = [&] { return fmt::format("file {} of the manifest", index + 1); };
  if (!entry.is_object() || !entry.contains("path") || !entry["path"].is_string() || !entry.contains("part") ||
      !entry["part"].is_string() || !entry.contains("bytes") || !entry["bytes"].is_number_unsigned() ||
      !entry.contains("sha256") || !entry["sha256"].is_string())
    throw Error(where() + " is not {path, part, bytes, sha256}");
  BackupFile file;
  file.path = entry["path"].get<std::string>();
  auto part = part_named(entry["part"].get<std::string>());
  if (!part) throw Error(fmt::format("{} names an unknown part", where()));
  file.part = *part;
  file.bytes = entry["bytes"].get<std::uint64_t>();
  file.sha256 = entry["sha256"].get<std::string>();
  std::string prefix = std::string(part_name(file.part)) + "/";
  if (!is_contained_path(file.path) || !file.path.starts_with(prefix) || file.path.size() == prefix.size())
    throw Error(fmt::format("{} has the path '{}', which is not a plain path under {}", where(),
                            file.path.substr(0, 200), prefix));
  if (!is_sha256_hex(file.sha256)) throw Error(fmt::format("{} ('{}') has no SHA-256 in hex", where(), file.path));
  return file;
}

void check_parts(const BackupManifest& manifest) {
  std::set<std::string> paths;
  for (const BackupFile& f : manifest.files) {
    if (!paths.insert(f.path).second) throw Error(fmt::format("the manifest lists '{}' twice", f.path));
    if (!manifest.sources.contains(f.part))
      throw Error(fmt::format("the manifest lists '{}' of part {}, which it does not hold", f.path, part_name(f.part)));
    if (!is_directory_part(f.part) && f.relative_path().find('/') != std::string::npos)
      throw Error(fmt::format("the manifest lists '{}' in a subdirectory of part {}", f.path, part_name(f.part)));
  }
  for (const auto& [part, source] : manifest.sources)
    if (!is_directory_part(part) && manifest.file_count(part) != 1)
      throw Error(fmt::format("part {} should hold one file, the manifest lists {}", part_name(part),
                              manifest.file_count(part)));
}

}  // namespace

const char* part_name(Part part) { return kPartNames[static_cast<std::size_t>(part)]; }

std::optional<Part> part_named(std::string_view name) {
  for (Part p : kAllParts)
    if (name == part_name(p)) return p;
  return std::nullopt;
}

bool is_directory_part(Part part) { return part == Part::models || part == Part::state || part == Part::keys; }

std::string BackupFile::relative_path() const { return path.substr(std::string_view(part_name(part)).size() + 1); }

std::size_t BackupManifest::file_count(Part part) const {
  std::size_t n = 0;
  for (const BackupFile& f : files) n += f.part == part;
  return n;
}

std::uint64_t BackupManifest::byte_count() const {
  std::uint64_t n = 0;
  for (const BackupFile& f : files) n += f.bytes;
  return n;
}

bool is_contained_path(std::string_view path) {
  if (path.empty() || path.size() > kMaxPathBytes || path.front() == '/') return false;
  for (char c : path)
    if (static_cast<unsigned char>(c) < 0x20 || c == '\\' || c == 0x7f) return false;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view segment = path.substr(start, end - start);
    if (segment.empty() || segment == "." || segment == "..") return false;
    start = end + 1;
  }
  return true;
}

std::string manifest_text(const BackupManifest& manifest) {
  nlohmann::json sources = nlohmann::json::object();
  for (const auto& [part, source] : manifest.sources) sources[part_name(part)] = source;
  nlohmann::json files = nlohmann::json::array();
  for (const BackupFile& f : manifest.files)
    files.push_back({{"path", f.path}, {"part", part_name(f.part)}, {"bytes", f.bytes}, {"sha256", f.sha256}});
  nlohmann::json doc = {{"format", kFormat},   {"version", kVersion}, {"created", manifest.created},
                        {"edgeml", manifest.edgeml_version}, {"parts", sources}, {"files", files}};
  return dump_json_replacing(doc) + "\n";
}

std::string describe_parts(const BackupManifest& manifest) {
  std::string text;
  for (const auto& [part, source] : manifest.sources) {
    std::uint64_t bytes = 0;
    for (const BackupFile& f : manifest.files) bytes += f.part == part ? f.bytes : 0;
    std::size_t files = manifest.file_count(part);
    text += fmt::format("  {:<9} {:>4} file{} {:>10.1f} KiB  from {}\n", part_name(part), files, files == 1 ? " " : "s",
                        static_cast<double>(bytes) / 1024.0, source);
  }
  return text;
}

BackupManifest parse_manifest(std::string_view text) {
  nlohmann::json doc;
  if (Status s = parse_json_bounded(text, doc); !s) throw Error("its manifest is not JSON: " + s.reason());
  if (!doc.is_object() || string_field(doc, "format") != kFormat)
    throw Error(fmt::format("its manifest is not an {} manifest", kFormat));
  if (doc.value("version", nlohmann::json()) != kVersion)
    throw Error(fmt::format("its manifest has format version {}; this edgeml reads version {}",
                            dump_json_replacing(doc.value("version", nlohmann::json())), kVersion));
  BackupManifest manifest;
  manifest.created = string_field(doc, "created");
  manifest.edgeml_version = string_field(doc, "edgeml");
  const nlohmann::json& parts = doc.value("parts", nlohmann::json());
  const nlohmann::json& files = doc.value("files", nlohmann::json());
  if (!parts.is_object() || !files.is_array()) throw Error("its manifest has no parts object or files array");
  for (const auto& [name, source] : parts.items()) {
    auto part = part_named(name);
    if (!part || !source.is_string()) throw Error(fmt::format("its manifest has an unknown part '{}'", name));
    manifest.sources[*part] = source.get<std::string>();
  }
  for (std::size_t i = 0; i < files.size(); ++i) manifest.files.push_back(parse_file(files[i], i));
  check_parts(manifest);
  return manifest;
}

}  // namespace edgeml::backup
