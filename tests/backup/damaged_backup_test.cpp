// A backup that is damaged, cut short or forged is refused before anything is
// written; a change the checksums cannot see (tar padding) changes nothing.
#include <fcntl.h>

#include <fstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "backup/backup_reader.h"
#include "backup/restore.h"
#include "backup/tar_archive.h"
#include "backup_testing.h"
#include "core/sha256.h"
#include "support/test_support.h"

namespace edgeml::backup {
namespace {
namespace fs = std::filesystem;

std::string slurp(const fs::path& path) { return edgeml::test::read_file(path); }

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// Every file under `dir` with the SHA-256 of its bytes, by relative path.
std::map<std::string, std::string> tree(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) out[e.path().lexically_relative(dir).string()] = sha256_hex(slurp(e.path()));
  return out;
}

class DamagedBackup : public ::testing::Test {
 protected:
  void SetUp() override {
    node_ = test::make_sample_node(dir_ / "node", 200, 5);
    write_backup(node_.parts(), dir_ / "good.tar");
    good_ = slurp(dir_ / "good.tar");
    restore_backup(dir_ / "good.tar", {.into = dir_ / "reference"});
    reference_ = tree(dir_ / "reference");
  }

  // Restores `bytes`; returns the error, or "" when the restore gave exactly the reference node.
  std::string restore_bytes(const std::string& bytes) {
    fs::path file = dir_ / "try.tar";
    fs::path into = dir_ / "try";
    write_bytes(file, bytes);
    fs::remove_all(into);
    std::string error;
    try {
      restore_backup(file, {.into = into});
    } catch (const Error& e) {
      error = e.what();
      EXPECT_FALSE(fs::exists(into)) << "a refused backup wrote " << into << ": " << error;
    }
    if (error.empty()) {
      EXPECT_EQ(tree(into), reference_) << "a changed backup restored a different node";
    }
    return error;
  }

  // Where `entry`'s data starts in the good file: after its 512-byte header,
  // which begins with the name.
  std::size_t data_offset(const std::string& entry) const {
    for (std::size_t at = 0; at + 512 <= good_.size(); at += 512)
      if (good_.compare(at, entry.size(), entry) == 0 && good_[at + entry.size()] == '\0') return at + 512;
    ADD_FAILURE() << "no header for " << entry;
    return 0;
  }

  edgeml::test::TempDir dir_;
  test::SampleNode node_;
  std::string good_;
  std::map<std::string, std::string> reference_;
};

TEST_F(DamagedBackup, AnyFlippedByteIsRefusedOrChangesNothing) {
  int refused = 0;
  for (std::size_t at = 0; at < good_.size(); at += 211) {
    std::string bytes = good_;
    bytes[at] = static_cast<char>(bytes[at] ^ 0x20);
    refused += !restore_bytes(bytes).empty();
  }
  EXPECT_GT(refused, 0);
}

TEST_F(DamagedBackup, ChangedContentIsRefusedWithTheFileAndBothChecksums) {
  std::string bytes = good_;
  bytes[data_offset("db/alarms.db") + 3000] ^= 1;
  std::string error = restore_bytes(bytes);
  EXPECT_NE(error.find("is damaged: 'db/alarms.db' has SHA-256"), std::string::npos) << error;
  EXPECT_NE(error.find("the manifest says"), std::string::npos) << error;

  bytes = good_;
  std::size_t sum = good_.find("\"sha256\"", data_offset(kManifestName)) + 12;  // a digit of the first checksum
  bytes[sum] = bytes[sum] == 'a' ? 'b' : 'a';
  error = restore_bytes(bytes);
  EXPECT_NE(error.find("is damaged"), std::string::npos) << error;
}

TEST_F(DamagedBackup, AFileCutShortAnywhereIsRefused) {
  for (std::size_t keep : {std::size_t{0}, std::size_t{100}, std::size_t{512}, good_.size() / 3, good_.size() / 2,
                           data_offset(kSealName) - 512, data_offset(kSealName), good_.size() - 1024 - 512}) {
    std::string error = restore_bytes(good_.substr(0, keep));
    EXPECT_FALSE(error.empty()) << "cut at " << keep;
    EXPECT_TRUE(error.find("incomplete") != std::string::npos || error.find("cut short") != std::string::npos)
        << "cut at " << keep << ": " << error;
  }
}

// Forged archives: whole and consistent tar files whose manifest or entries lie.
class ForgedBackup : public DamagedBackup {
 protected:
  std::string forge(const std::string& manifest, const std::vector<std::pair<std::string, std::string>>& entries,
                    bool seal = true) {
    fs::path file = dir_ / "forged.tar";
    fs::remove(file);
    TarWriter tar(::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600), file);
    tar.add(kManifestName, manifest);
    for (const auto& [name, bytes] : entries) tar.add(name, bytes);
    if (seal) tar.add(kSealName, sha256_hex(manifest) + "\n");
    tar.finish();
    return slurp(file);
  }

  static std::string manifest_for(const std::string& path, const std::string& bytes) {
    return fmt::format(R"({{"format":"edgeml-backup","version":1,"parts":{{"models":"/x"}},)"
                       R"("files":[{{"path":"{}","part":"models","bytes":{},"sha256":"{}"}}]}})",
                       path, bytes.size(), sha256_hex(bytes));
  }
};

TEST_F(ForgedBackup, APathOutOfItsDirectoryIsRefusedEvenWithMatchingChecksums) {
  std::string payload = "evil";
  std::string error = restore_bytes(forge(manifest_for("models/../../evil", payload), {{"models/../../evil", payload}}));
  EXPECT_NE(error.find("not a plain path under models/"), std::string::npos) << error;
  EXPECT_FALSE(fs::exists(dir_ / "evil"));
  EXPECT_FALSE(fs::exists(dir_.path().parent_path() / "evil"));
}

TEST_F(ForgedBackup, EntriesTheManifestDoesNotListAreRefused) {
  std::string payload = "model bytes";
  std::string manifest = manifest_for("models/a.tflite", payload);
  forge(manifest, {{"models/a.tflite", payload}});
  EXPECT_NO_THROW(verify_backup(dir_ / "forged.tar")) << "the forged archive itself is well formed";
  std::string error = restore_bytes(forge(manifest, {{"models/other.tflite", payload}}));
  EXPECT_NE(error.find("holds 'models/other.tflite' where the manifest lists 'models/a.tflite'"), std::string::npos)
      << error;
  error = restore_bytes(forge(manifest, {{"models/a.tflite", payload}, {"../../x", "y"}}));
  EXPECT_NE(error.find("'../../x'"), std::string::npos) << error;
  error = restore_bytes(forge(manifest, {{"models/a.tflite", payload}}, false));
  EXPECT_NE(error.find("incomplete: its last entry, edgeml-backup.sha256, is missing"), std::string::npos) << error;
  error = restore_bytes(forge(manifest, {}));
  EXPECT_NE(error.find("damaged: it holds 'edgeml-backup.sha256' where the manifest lists 'models/a.tflite'"),
            std::string::npos)
      << error;
}

TEST_F(ForgedBackup, AManifestThatIsNotOneIsRefused) {
  EXPECT_NE(restore_bytes(forge(std::string(300000, '['), {})).find("not JSON"), std::string::npos);
  EXPECT_NE(restore_bytes(forge("{}", {})).find("not an edgeml-backup manifest"), std::string::npos);
  EXPECT_NE(restore_bytes(forge(R"({"format":"edgeml-backup","version":1,"parts":{},"files":[]})", {}))
                .find("holds no part"),
            std::string::npos);
  EXPECT_NE(restore_bytes("not a tar file at all").find("damaged or cut short"), std::string::npos);
}

}  // namespace
}  // namespace edgeml::backup
