// `edgeml train --data postgresql://...` and `edgeml train --data` of that
// database's SQLite export (`edgeml export --sqlite`) give the same models,
// byte for byte: the same rows in the same order, whichever store holds them.
#include <algorithm>
#include <thread>

#include <nlohmann/json.hpp>

#include "ingest/open_event_store.h"
#include "ingest/synthetic.h"
#include "support/postgres_server.h"
#include "support/postgres_testing.h"

namespace edgeml::test {
namespace {

namespace fs = std::filesystem;

// Three series' events in batches that two connections write at once, as two
// cloud collectors do: an arrival order that is neither the events' order nor
// their keys'.
void fill(const std::string& url) {
  ingest::SyntheticSource source(1800, 3, 5);
  std::vector<std::vector<ingest::PendingWrite>> batches(2);
  AlarmEvent e;
  for (int i = 0; source.next(e); ++i) {
    ingest::PendingWrite w;
    w.event = e;
    batches[static_cast<std::size_t>((i / 50) % 2)].push_back(w);
  }
  std::vector<std::thread> writers;
  for (auto& rows : batches)
    writers.emplace_back([&url, &rows] {
      auto store = ingest::open_event_store(url);
      for (std::size_t at = 0; at < rows.size(); at += 50) {
        std::span<ingest::PendingWrite> batch(rows.data() + at, std::min<std::size_t>(50, rows.size() - at));
        ASSERT_TRUE(store->write(batch));
      }
    });
  for (auto& w : writers) w.join();
}

void run(const std::vector<std::string>& args, const fs::path& log) {
  Process p = run_edgeml(args, log);
  ASSERT_EQ(p.wait_for(std::chrono::seconds(120)), 0) << read_file(log);
}

// The model files and the manifest, but for where the rows came from and how long training took.
std::map<std::string, std::string> trained(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() == ".tflite" || entry.path().extension() == ".onnx") files[name] = read_file(entry.path());
  }
  nlohmann::json manifest = nlohmann::json::parse(read_file(dir / "manifest.json"));
  for (auto& model : manifest["models"]) model.erase("training_seconds");
  manifest["data"].erase("train_source");
  manifest["data"].erase("test_source");
  files["manifest.json"] = manifest.dump(1);
  return files;
}

class PostgresTrainingTest : public PostgresTest {};

TEST_F(PostgresTrainingTest, TheSameModelsFromPostgresqlAndFromItsSqliteExport) {
  TempDir dir;
  fill(url_);
  ASSERT_EQ(query_value(url_, "SELECT count(*) FROM events"), "1800");
  const fs::path copy = dir.path() / "cloud.db";
  run({"export", "--db", url_, "--all", "--sqlite", copy.string()}, dir.path() / "export.log");
  EXPECT_NE(read_file(dir.path() / "export.log").find("wrote 1800 events"), std::string::npos)
      << read_file(dir.path() / "export.log");
  const std::string series = "1160629001/122/308";
  for (const auto& [data, out] : {std::pair{url_, std::string("from-postgresql")}, {copy.string(), "from-sqlite"}})
    run({"train", "--data", data, "--series", series, "--out", (dir.path() / out).string(), "--epochs", "3",
         "--model-version", "v1", "--seed", "7"},
        dir.path() / (out + ".log"));
  const auto a = trained(dir.path() / "from-postgresql"), b = trained(dir.path() / "from-sqlite");
  ASSERT_GE(a.size(), 5u) << "four models and a manifest";
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [name, bytes] : a)
    EXPECT_TRUE(b.at(name) == bytes) << name << " differs" << (name == "manifest.json" ? ":\n" + bytes + "\n" + b.at(name) : "");
  EXPECT_NE(a.at("manifest.json").find("\"test_mae\""), std::string::npos) << "the metrics are compared too";
}

}  // namespace
}  // namespace edgeml::test
