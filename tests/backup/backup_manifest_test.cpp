#include "backup/backup_manifest.h"

#include <gtest/gtest.h>

#include "support/test_support.h"

namespace edgeml::backup {
namespace {

const std::string kSum(64, 'a');

BackupManifest two_part_manifest() {
  BackupManifest m;
  m.created = "2026-12-04T12:00:00Z";
  m.edgeml_version = "0.1.0";
  m.sources = {{Part::models, "/srv/models"}, {Part::db, "/srv/alarms.db"}};
  m.files = {{"models/manifest.json", Part::models, 120, kSum},
             {"models/sub/relu.tflite", Part::models, 4000, kSum},
             {"db/alarms.db", Part::db, 8192, kSum}};
  return m;
}

TEST(BackupManifest, RoundTripsThroughItsText) {
  BackupManifest m = two_part_manifest();
  BackupManifest back = parse_manifest(manifest_text(m));
  EXPECT_EQ(back.created, m.created);
  EXPECT_EQ(back.sources, m.sources);
  ASSERT_EQ(back.files.size(), 3u);
  EXPECT_EQ(back.files[1].path, "models/sub/relu.tflite");
  EXPECT_EQ(back.files[1].relative_path(), "sub/relu.tflite");
  EXPECT_EQ(back.files[2].part, Part::db);
  EXPECT_EQ(back.byte_count(), 120u + 4000 + 8192);
}

TEST(BackupManifest, PathsThatCouldLeaveTheirDirectoryAreNotContained) {
  EXPECT_TRUE(is_contained_path("models/a/b.tflite"));
  for (const char* bad : {"", "/etc/passwd", "models/../x", "models/./x", "models//x", "models/x/", "..", "a\\b",
                          "a\nb"})
    EXPECT_FALSE(is_contained_path(bad)) << bad;
  EXPECT_FALSE(is_contained_path(std::string(2000, 'a')));
}

std::string refusal(BackupManifest m) {
  return test::error_of([&] { parse_manifest(manifest_text(m)); });
}

TEST(BackupManifest, RefusesWhatCouldWriteOutsideOrContradictItself) {
  BackupManifest m = two_part_manifest();
  m.files[0].path = "models/../../etc/cron.d/x";
  EXPECT_NE(refusal(m).find("not a plain path under models/"), std::string::npos);

  m = two_part_manifest();
  m.files[0].path = "db/other.db";  // listed under models, but in db's directory
  EXPECT_NE(refusal(m).find("not a plain path under models/"), std::string::npos);

  m = two_part_manifest();
  m.files.push_back(m.files[0]);
  EXPECT_NE(refusal(m).find("lists 'models/manifest.json' twice"), std::string::npos);

  m = two_part_manifest();
  m.files.push_back({"db/second.db", Part::db, 1, kSum});
  EXPECT_NE(refusal(m).find("part db should hold one file, the manifest lists 2"), std::string::npos);

  m = two_part_manifest();
  m.sources.erase(Part::db);
  EXPECT_NE(refusal(m).find("which it does not hold"), std::string::npos);

  m = two_part_manifest();
  m.files[2].sha256 = "xyz";
  EXPECT_NE(refusal(m).find("has no SHA-256"), std::string::npos);
}

TEST(BackupManifest, RefusesTextThatIsNotOne) {
  EXPECT_NE(test::error_of([] { parse_manifest("[[[[["); }).find("not JSON"), std::string::npos);
  EXPECT_NE(test::error_of([] { parse_manifest(std::string(100000, '[')); }).find("not JSON"), std::string::npos);
  EXPECT_NE(test::error_of([] { parse_manifest(R"({"format":"other"})"); }).find("not an edgeml-backup"),
            std::string::npos);
  EXPECT_NE(test::error_of([] { parse_manifest(R"({"format":"edgeml-backup","version":9})"); })
                .find("format version 9"),
            std::string::npos);
  EXPECT_NE(test::error_of([] {
              parse_manifest(R"({"format":"edgeml-backup","version":1,"parts":{},"files":[{"path":1}]})");
            }).find("file 1 of the manifest"),
            std::string::npos);
}

}  // namespace
}  // namespace edgeml::backup
