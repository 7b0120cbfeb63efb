#include <atomic>
#include <fstream>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "backup/backup_reader.h"
#include "backup/backup_writer.h"
#include "backup/restore.h"
#include "backup_testing.h"
#include "support/test_support.h"

namespace edgeml::backup {
namespace {
namespace fs = std::filesystem;
using test::SampleNode;

std::string slurp(const fs::path& path) { return edgeml::test::read_file(path); }

TEST(BackupRestore, RebuildsANodeWithTheSameModelsAnswersEventsOutboxContractAndKeys) {
  edgeml::test::TempDir dir;
  SampleNode node = test::make_sample_node(dir / "node", 500, 40);
  BackupManifest written = write_backup(node.parts(), dir / "node.tar");
  EXPECT_EQ(written.sources.size(), 5u);

  std::vector<RestoredPart> parts = restore_backup(dir / "node.tar", {.into = dir / "rebuilt"});
  ASSERT_EQ(parts.size(), 5u);
  fs::path rebuilt = dir / "rebuilt";
  std::vector<std::string> answers = test::model_answers(node.models);
  ASSERT_EQ(answers.size(), 2u);  // linear and relu, nothing rejected
  EXPECT_EQ(test::model_answers(rebuilt / "models"), answers);
  EXPECT_EQ(test::stored_events(rebuilt / "alarms.db"), test::stored_events(node.db));
  EXPECT_EQ(test::stored_events(rebuilt / "alarms.db").size(), 500u);
  EXPECT_EQ(test::outbox_messages(rebuilt / "state"), test::outbox_messages(node.state));
  EXPECT_EQ(test::outbox_messages(rebuilt / "state").size(), 40u);
  EXPECT_EQ(slurp(rebuilt / "contract.json"), slurp(node.contract));
  EXPECT_EQ(slurp(rebuilt / "keys" / "deploy.pub"), slurp(node.key));
  EXPECT_EQ(slurp(rebuilt / "models" / "manifest.json"), slurp(node.models / "manifest.json"));
  EXPECT_FALSE(fs::exists(rebuilt / "keys" / "deploy.key"));  // only the pinned public key is a part
  for (const auto& entry : fs::directory_iterator(rebuilt))  // no staging left behind
    EXPECT_FALSE(entry.path().filename().string().starts_with('.')) << entry.path();
}

TEST(BackupRestore, PartsGoWhereTheirOwnOptionsSay) {
  edgeml::test::TempDir dir;
  SampleNode node = test::make_sample_node(dir / "node", 10, 0);
  NodeParts only;
  only.models = node.models;
  only.db = node.db;
  write_backup(only, dir / "b.tar");
  restore_backup(dir / "b.tar", {.models = dir / "srv" / "m", .db = dir / "var" / "events.db"});
  EXPECT_EQ(test::model_answers(dir / "srv" / "m"), test::model_answers(node.models));
  EXPECT_EQ(test::stored_events(dir / "var" / "events.db").size(), 10u);
}

TEST(BackupRestore, ACopyTakenWhileTheCollectorWritesHoldsWholeTransactions) {
  edgeml::test::TempDir dir;
  SampleNode node = test::make_sample_node(dir / "node", 0, 0);
  std::atomic<bool> stop = false;
  std::thread collector([&] {
    for (int batch = 0; !stop; ++batch) test::store_events(node.db, batch * 50, 50);
  });
  NodeParts db_only;
  db_only.db = node.db;
  std::string error;
  try {
    for (int i = 0; i < 5; ++i) write_backup(db_only, dir / fmt::format("b{}.tar", i));
  } catch (const Error& e) {
    error = e.what();
  }
  stop = true;
  collector.join();
  ASSERT_EQ(error, "");
  std::vector<std::string> all = test::stored_events(node.db);
  for (int i = 0; i < 5; ++i) {
    fs::path out = dir / fmt::format("r{}", i);
    restore_backup(dir / fmt::format("b{}.tar", i), {.into = out});
    std::vector<std::string> copy = test::stored_events(out / "alarms.db");
    EXPECT_EQ(copy.size() % 50, 0u) << "a transaction was split";
    ASSERT_LE(copy.size(), all.size());
    EXPECT_TRUE(std::equal(copy.begin(), copy.end(), all.begin())) << "backup " << i;
  }
}

// Each model is deployed on its own, so the models may be of different versions;
// none may be torn (a manifest naming files of another version).
TEST(BackupRestore, ACopyTakenWhileModelsAreDeployedHoldsWholeModels) {
  edgeml::test::TempDir dir;
  SampleNode node = test::make_sample_node(dir / "node", 0, 0);
  std::atomic<bool> stop = false;
  std::thread deployer([&] {
    for (int v = 2; !stop; ++v) {
      test::deploy_sample_models(node.models, fmt::format("v{}", v));
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  NodeParts models_only;
  models_only.models = node.models;
  std::string error;
  try {
    for (int i = 0; i < 10; ++i) write_backup(models_only, dir / fmt::format("b{}.tar", i));
  } catch (const Error& e) {
    error = e.what();
  }
  stop = true;
  deployer.join();
  ASSERT_EQ(error, "");
  for (int i = 0; i < 10; ++i) {
    fs::path out = dir / fmt::format("r{}", i);
    restore_backup(dir / fmt::format("b{}.tar", i), {.into = out});
    std::vector<std::string> answers = test::model_answers(out / "models");
    for (const std::string& a : answers) EXPECT_FALSE(a.starts_with("rejected")) << a;
    ASSERT_EQ(answers.size(), 2u) << answers[0].substr(0, 20) << "\n" << answers[2].substr(0, 20);
    EXPECT_TRUE(answers[0].starts_with("linear v")) << answers[0];
    EXPECT_TRUE(answers[1].starts_with("relu v")) << answers[1];
  }
}

TEST(BackupRestore, RefusesADestinationThatIsTakenBeforeWritingAnything) {
  edgeml::test::TempDir dir;
  SampleNode node = test::make_sample_node(dir / "node", 10, 0);
  write_backup(node.parts(), dir / "b.tar");
  fs::create_directories(dir / "again" / "models");
  std::ofstream(dir / "again" / "models" / "old.tflite") << "x";
  std::string error = edgeml::test::error_of([&] { restore_backup(dir / "b.tar", {.into = dir / "again"}); });
  EXPECT_NE(error.find("again/models' is already there"), std::string::npos) << error;
  EXPECT_FALSE(fs::exists(dir / "again" / "alarms.db"));

  error = edgeml::test::error_of([&] { restore_backup(dir / "b.tar", {.models = dir / "m"}); });
  EXPECT_NE(error.find("nothing says where it goes"), std::string::npos) << error;
  error = edgeml::test::error_of([&] { restore_backup(dir / "b.tar", {.into = dir / "x", .contract = dir / "x" / "alarms.db"}); });
  EXPECT_NE(error.find("two parts would both go to"), std::string::npos) << error;
  EXPECT_FALSE(fs::exists(dir / "x"));
}

TEST(BackupRestore, BackupRefusesToOverwriteAndNamesWhatIsMissing) {
  edgeml::test::TempDir dir;
  SampleNode node = test::make_sample_node(dir / "node", 1, 0);
  write_backup(node.parts(), dir / "b.tar");
  EXPECT_NE(edgeml::test::error_of([&] { write_backup(node.parts(), dir / "b.tar"); }).find("already there"),
            std::string::npos);
  EXPECT_NE(edgeml::test::error_of([&] { write_backup({}, dir / "c.tar"); }).find("nothing to back up"),
            std::string::npos);
  NodeParts missing;
  missing.db = dir / "nope.db";
  EXPECT_NE(edgeml::test::error_of([&] { write_backup(missing, dir / "d.tar"); }).find("nope.db' is not a file"),
            std::string::npos);
  missing.db = node.contract;
  EXPECT_NE(edgeml::test::error_of([&] { write_backup(missing, dir / "e.tar"); }).find("is not an SQLite database"),
            std::string::npos);
  for (const auto& entry : fs::directory_iterator(dir.path()))  // no partial file, no staging
    EXPECT_FALSE(entry.path().filename().string().starts_with('.')) << entry.path();
  EXPECT_FALSE(fs::exists(dir / "d.tar"));
}

}  // namespace
}  // namespace edgeml::backup
