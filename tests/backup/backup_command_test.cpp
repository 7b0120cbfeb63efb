// edgeml backup and edgeml restore as a user runs them: exit status, messages.
#include <fstream>

#include <gtest/gtest.h>

#include "backup_testing.h"
#include "support/test_support.h"

namespace edgeml::backup {
namespace {
namespace fs = std::filesystem;
using edgeml::test::read_file;
using edgeml::test::run_edgeml;

int run(const std::vector<std::string>& args, const fs::path& log) {
  Process p = run_edgeml(args, log);
  std::optional<int> status = p.wait_for(std::chrono::seconds(60));
  EXPECT_TRUE(status) << "edgeml did not finish";
  return status.value_or(-1);
}

TEST(BackupCommand, BacksUpChecksRestoresAndRefusesADamagedFile) {
  edgeml::test::TempDir dir;
  test::SampleNode node = test::make_sample_node(dir / "node", 100, 3);
  fs::path file = dir / "node.tar";
  ASSERT_EQ(run({"backup", "--out", file.string(), "--models", node.models.string(), "--db", node.db.string(),
                 "--state-dir", node.state.string(), "--contract", node.contract.string(), "--deploy-key",
                 node.key.string()},
                dir / "backup.log"),
            0)
      << read_file(dir / "backup.log");
  EXPECT_NE(read_file(dir / "backup.log").find("5 parts"), std::string::npos) << read_file(dir / "backup.log");

  ASSERT_EQ(run({"restore", file.string(), "--check"}, dir / "check.log"), 0) << read_file(dir / "check.log");
  EXPECT_NE(read_file(dir / "check.log").find("is whole"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "rebuilt"));

  std::string bytes = read_file(file);
  bytes[bytes.size() / 2] ^= 0x55;
  std::ofstream(dir / "damaged.tar", std::ios::binary) << bytes;
  EXPECT_EQ(run({"restore", (dir / "damaged.tar").string(), "--into", (dir / "rebuilt").string()}, dir / "bad.log"), 1);
  EXPECT_NE(read_file(dir / "bad.log").find("edgeml: error: backup"), std::string::npos) << read_file(dir / "bad.log");
  EXPECT_FALSE(fs::exists(dir / "rebuilt"));

  EXPECT_EQ(run({"restore", file.string()}, dir / "nowhere.log"), 1);
  EXPECT_NE(read_file(dir / "nowhere.log").find("--into DIR"), std::string::npos) << read_file(dir / "nowhere.log");

  ASSERT_EQ(run({"restore", file.string(), "--into", (dir / "rebuilt").string()}, dir / "restore.log"), 0)
      << read_file(dir / "restore.log");
  EXPECT_NE(read_file(dir / "restore.log").find("serve it: edgeml serve --models " + (dir / "rebuilt" / "models").string()),
            std::string::npos)
      << read_file(dir / "restore.log");
  EXPECT_EQ(test::model_answers(dir / "rebuilt" / "models"), test::model_answers(node.models));
  EXPECT_EQ(test::stored_events(dir / "rebuilt" / "alarms.db"), test::stored_events(node.db));

  EXPECT_EQ(run({"backup", "--out", file.string(), "--db", node.db.string()}, dir / "again.log"), 1);
  EXPECT_NE(read_file(dir / "again.log").find("already there"), std::string::npos);
}

}  // namespace
}  // namespace edgeml::backup
