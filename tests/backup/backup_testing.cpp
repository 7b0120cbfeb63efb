#include "backup_testing.h"

#include <fmt/format.h>

#include "ingest/event_outbox.h"
#include "ingest/sqlite_event_store.h"
#include "serve/deploy_keys.h"
#include "serve/deployment.h"
#include "serve/model_set.h"
#include "support/test_support.h"
#include "../serve/serve_testing.h"

namespace edgeml::backup::test {
namespace fs = std::filesystem;

NodeParts SampleNode::parts() const {
  NodeParts p;
  p.models = models;
  p.db = db;
  p.state = state;
  p.contract = contract;
  p.deploy_keys = {key};
  return p;
}

void deploy_sample_models(const fs::path& models, const std::string& version) {
  fs::path source = models.parent_path() / (".source-" + version);
  fs::remove_all(source);
  fs::create_directories(source);
  serve::test::write_sample_directory(source, version);
  for (const serve::ModelPackage& package : serve::packages_from_directory(source))
    serve::install_package(package, models);
  fs::remove_all(source);
}

void store_events(const fs::path& db, int first, int count) {
  ingest::SqliteEventStore store(db);
  ASSERT_TRUE(store.begin());
  for (int i = first; i < first + count; ++i) {
    AlarmEvent e;
    e.series = {"1160629000", std::to_string(100 + i % 3), "308"};
    e.index = i;
    e.event_time = 1600000000 + i;
    e.value = 200 + i % 60;
    e.threshold = 230;
    e.active = e.value > e.threshold;
    bool stored = false;
    ASSERT_TRUE(store.insert(e, stored));
  }
  ASSERT_TRUE(store.commit());
}

SampleNode make_sample_node(const fs::path& dir, int events, int unsent, const std::string& version) {
  SampleNode node{dir / "models", dir / "alarms.db", dir / "state", dir / "contract.json", dir / "keys" / "deploy.pub"};
  fs::create_directories(node.models);
  deploy_sample_models(node.models, version);
  store_events(node.db, 0, events);
  {
    ingest::EventOutbox outbox(node.state / "outbox" / "sensor-1" / "events.db");
    for (int i = 0; i < unsent; ++i) outbox.add(fmt::format("alarm/1160629000/121/308"), fmt::format("{},{}", i, i * 2));
    outbox.sync();
  }
  serve::test::write_file(node.contract, R"({"latency_p99_ms": 20, "availability": 0.999})");
  serve::write_new_key_pair(dir / "keys");
  return node;
}

std::vector<std::string> stored_events(const fs::path& db) {
  std::vector<std::string> out;
  ingest::SqliteEventStore store(db);
  store.for_each(std::nullopt, 0, [&](const ingest::StoredEvent& s) {
    const AlarmEvent& e = s.event;
    out.push_back(fmt::format("{} {} {} {} {} {}", e.series.path(), e.index, e.event_time, e.value, e.threshold,
                              e.active));
  });
  return out;
}

std::vector<std::string> outbox_messages(const fs::path& state) {
  std::vector<std::string> out;
  ingest::EventOutbox outbox(state / "outbox" / "sensor-1" / "events.db");
  outbox.for_each([&](std::uint64_t, std::string topic, std::string payload) { out.push_back(topic + " " + payload); });
  return out;
}

std::vector<std::string> model_answers(const fs::path& models) {
  std::vector<std::string> out;
  serve::ModelSet set = serve::ModelSet::load(models);
  for (const serve::RejectedFile& r : set.rejected()) out.push_back("rejected " + r.file.string() + ": " + r.reason);
  for (const auto& model : set.models()) {
    std::string line = model->info().name + " " + model->info().version + ":";
    for (int i = 0; i < 50; ++i) {
      Request request;
      request.series = {"1160629000", "121", "308"};
      request.index = i * 60;
      request.value = 200 + i;
      request.threshold = 230;
      float answer = 0;
      Status s = model->predict(request, {}, answer);
      line += s ? fmt::format(" {:a}", answer) : " failed: " + s.reason();  // %a: every bit shows
    }
    out.push_back(line);
  }
  return out;
}

}  // namespace edgeml::backup::test
