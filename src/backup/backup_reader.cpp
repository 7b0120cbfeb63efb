#include "backup/backup_reader.h"

#include <algorithm>
#include <functional>
#include <memory>

#include <fmt/format.h>

#include "backup/file_copy.h"
#include "backup/tar_archive.h"
#include "core/error.h"
#include "core/sha256.h"

namespace edgeml::backup {
namespace fs = std::filesystem;
namespace {

constexpr std::size_t kMaxSealBytes = 256;

// Found wrong: the text of "is damaged: ..." or "is incomplete: ...".
struct Refusal {
  std::string what;
};

// A file being extracted could not be written: the backup is not to blame.
struct WriteFailure {
  std::string what;
};

Refusal damaged(std::string what) { return {"is damaged: " + std::move(what)}; }
Refusal incomplete(std::string what) { return {"is incomplete: " + std::move(what)}; }

// Where one file's bytes go while they are checked; null for nowhere.
using Sink = std::function<void(std::span<const std::byte>)>;
using SinkFor = std::function<Sink(const BackupFile&)>;

std::string read_small_entry(TarReader& tar, const TarEntry& entry, std::size_t max_bytes) {
  if (!entry.regular_file || entry.size < 0 || static_cast<std::uint64_t>(entry.size) > max_bytes)
    throw damaged(fmt::format("'{}' is not a regular file of at most {} bytes", entry.name, max_bytes));
  std::string text;
  for (auto piece = tar.read(); !piece.empty(); piece = tar.read())
    text.append(reinterpret_cast<const char*>(piece.data()), piece.size());
  return text;
}

void check_file(TarReader& tar, const BackupFile& file, const Sink& sink) {
  std::optional<TarEntry> entry = tar.next();
  if (!entry) throw incomplete(fmt::format("it ends where '{}' should follow", file.path));
  if (entry->name != file.path)
    throw damaged(fmt::format("it holds '{}' where the manifest lists '{}'", entry->name.substr(0, 200), file.path));
  if (!entry->regular_file || entry->size < 0 || static_cast<std::uint64_t>(entry->size) != file.bytes)
    throw damaged(fmt::format("'{}' has {} bytes, the manifest says {}", file.path, entry->size, file.bytes));
  Sha256 sha;
  std::uint64_t seen = 0;
  for (auto piece = tar.read(); !piece.empty(); piece = tar.read()) {
    sha.update(piece);
    seen += piece.size();
    if (sink) sink(piece);
  }
  if (seen != file.bytes) throw incomplete(fmt::format("'{}' stops after {} of its {} bytes", file.path, seen, file.bytes));
  if (std::string sum = sha.hex(); sum != file.sha256)
    throw damaged(fmt::format("'{}' has SHA-256 {}, the manifest says {}", file.path, sum, file.sha256));
}

BackupManifest read_backup(TarReader& tar, const SinkFor& sink_for) {
  std::optional<TarEntry> first = tar.next();
  if (!first) throw incomplete("it holds nothing");
  if (first->name != kManifestName) throw damaged(fmt::format("its first entry is '{}', not {}", first->name.substr(0, 200), kManifestName));
  std::string text = read_small_entry(tar, *first, kMaxManifestBytes);
  BackupManifest manifest;
  try {
    manifest = parse_manifest(text);
  } catch (const Error& e) {
    throw damaged(e.what());
  }
  for (const BackupFile& file : manifest.files) check_file(tar, file, sink_for ? sink_for(file) : Sink());
  std::optional<TarEntry> seal = tar.next();
  if (!seal) throw incomplete(fmt::format("its last entry, {}, is missing", kSealName));
  if (seal->name != kSealName) throw damaged(fmt::format("it holds '{}', which its manifest does not list", seal->name.substr(0, 200)));
  if (read_small_entry(tar, *seal, kMaxSealBytes) != sha256_hex(text) + "\n")
    throw damaged(fmt::format("its manifest does not match the SHA-256 in {}", kSealName));
  if (std::optional<TarEntry> extra = tar.next())
    throw damaged(fmt::format("'{}' follows its last entry", extra->name.substr(0, 200)));
  return manifest;
}

BackupManifest read_checked(const fs::path& file, const SinkFor& sink_for) {
  try {
    TarReader tar(file);
    return read_backup(tar, sink_for);
  } catch (const WriteFailure& w) {
    throw Error(w.what);
  } catch (const Refusal& r) {
    throw Error(fmt::format("backup '{}' {}", file.string(), r.what));
  } catch (const Error& e) {
    throw Error(fmt::format("backup '{}' is damaged or cut short: {}", file.string(), e.what()));
  }
}

// Writes one extracted file, synced once its last byte is in.
Sink file_sink(const fs::path& into, const BackupFile& file) {
  try {
    fs::path path = into / file.path;
    fs::create_directories(path.parent_path());
    auto out = std::make_shared<NewFile>(path);
    if (file.bytes == 0) out->sync();  // an empty file gets no piece
    std::uint64_t left = file.bytes;
    return [out, left](std::span<const std::byte> piece) mutable {
      try {
        out->write(piece);
        left -= std::min<std::uint64_t>(left, piece.size());
        if (left == 0) out->sync();
      } catch (const Error& e) {
        throw WriteFailure{e.what()};
      }
    };
  } catch (const std::exception& e) {  // Error, or filesystem_error from create_directories
    throw WriteFailure{e.what()};
  }
}

}  // namespace

BackupManifest verify_backup(const fs::path& file) { return read_checked(file, nullptr); }

BackupManifest extract_backup(const fs::path& file, const fs::path& into) {
  return read_checked(file, [&](const BackupFile& f) { return file_sink(into, f); });
}

}  // namespace edgeml::backup
