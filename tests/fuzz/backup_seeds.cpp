// Writes fuzz_backup_reader's seeds into the directory given: whole backups
// as edgeml backup writes them, made by code from small parts.
#include <fcntl.h>

#include "backup/backup_manifest.h"
#include "backup/tar_archive.h"
#include "core/sha256.h"
#include "fuzz/serve_fuzzing.h"

namespace {

using edgeml::backup::BackupManifest;
using edgeml::backup::Part;

void write_backup(const std::filesystem::path& path, const BackupManifest& m,
                  const std::vector<std::string>& contents) {
  edgeml::backup::TarWriter tar(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600), path);
  std::string text = edgeml::backup::manifest_text(m);
  tar.add(edgeml::backup::kManifestName, text);
  for (std::size_t i = 0; i < m.files.size(); ++i) tar.add(m.files[i].path, contents[i]);
  tar.add(edgeml::backup::kSealName, edgeml::sha256_hex(text) + "\n");
  tar.finish();
}

BackupManifest manifest_of(const std::vector<std::pair<std::string, Part>>& files, const std::vector<std::string>& contents) {
  BackupManifest m;
  m.created = "2026-12-04T12:00:00Z";
  m.edgeml_version = "0.1.0";
  for (std::size_t i = 0; i < files.size(); ++i) {
    m.sources[files[i].second] = "/srv/node";
    m.files.push_back({files[i].first, files[i].second, contents[i].size(), edgeml::sha256_hex(contents[i])});
  }
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  auto dir = edgeml::fuzz::seed_dir(argc, argv, "backup_seeds");
  std::vector<std::string> node = {R"({"models":[]})", "TFL3 model bytes", "SQLite format 3", "{}", "PUBLIC KEY"};
  write_backup(dir / "node", manifest_of({{"models/manifest.json", Part::models}, {"models/m@v1.tflite", Part::models},
                                          {"db/alarms.db", Part::db}, {"contract/contract.json", Part::contract},
                                          {"keys/deploy.pub", Part::keys}},
                                         node),
               node);
  std::vector<std::string> nested = {"x", ""};
  write_backup(dir / "nested", manifest_of({{"state/outbox/sensor-1/events.db", Part::state}, {"quality/q.json", Part::quality}}, nested),
               nested);
  write_backup(dir / "empty", manifest_of({}, {}), {});
  return 0;
}
