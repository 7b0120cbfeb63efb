// edgeml serve scoring its predictions against the sensor stream, through a
// real mosquitto: the online MAE of a replay is the offline MAE of the same
// rows, and an accuracy alert is published when the truth is far off and
// cleared when it comes back.
#include <map>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ingest/raw_file.h"
#include "serve/model_set.h"
#include "serve_testing.h"
#include "served_models.h"
#include "stats_conversation.h"

namespace edgeml::serve {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;
using edgeml::test::kWait;

using edgeml::test::Conversation;
using edgeml::test::kSeries;
using edgeml::test::stats_when;

std::vector<AlarmEvent> test_file_events() {
  std::vector<AlarmEvent> events;
  ingest::RawFileReader reader(edgeml::test::shared_file("data/bts/1160629000_121_308_test.csv"));
  AlarmEvent e;
  while (reader.next(e)) events.push_back(e);
  return events;
}

TEST(ServeOnlineAccuracy, AReplayFollowedByItsEventsGivesTheOfflineMaeOfTheSameRows) {
  EDGEML_REQUIRE_SHARED("models/seed-tflite/multi_var_LR.tflite");
  EDGEML_REQUIRE_SHARED("data/bts/1160629000_121_308_test.csv");
  fs::path models = edgeml::test::shared_file("models/seed-tflite");
  std::vector<AlarmEvent> events = test_file_events();
  ASSERT_GT(events.size(), 900u);

  // Offline: the same models in this process, on the same rows.
  ModelSet offline = ModelSet::load(models);
  std::map<std::string, double> offline_mae;
  for (const auto& model : offline.models()) {
    double sum = 0;
    for (const AlarmEvent& e : events) {
      Request r{e.series, e.index, e.value, e.threshold, Request::IdKind::none, {}};
      float output = 0;
      ASSERT_TRUE(model->predict(r, {}, output));
      sum += std::abs(output - (e.event_time - model->info().label.offset) / model->info().label.scale);
    }
    offline_mae[model->info().name] = sum / static_cast<double>(events.size());
  }

  edgeml::test::ServedModels served(models, "accuracy-node", {"--accuracy-window", "100000"});
  edgeml::test::MessageInbox stats;
  auto watcher = edgeml::test::receiving_client(served.client("stats-watcher"), stats, "edgeml/nodes/accuracy-node/stats");
  Conversation conversation(served);
  std::vector<std::string> requests;
  for (const AlarmEvent& e : events) requests.push_back(fmt::format("{:.1f},{:g},{:g}", e.index, e.value, e.threshold));
  conversation.ask(requests);
  conversation.tell(events);

  json last = stats_when(stats, [&](const json& s) { return s["accuracy"]["scored"] == events.size(); });
  EXPECT_EQ(last["events"], events.size());
  EXPECT_EQ(last["accuracy"]["unmatched"], 0);
  ASSERT_EQ(last["accuracy"]["models"].size(), offline_mae.size());
  for (const json& m : last["accuracy"]["models"]) {
    std::string name = m["model"];
    ASSERT_TRUE(offline_mae.contains(name)) << name;
    EXPECT_EQ(m["series"], kSeries);
    EXPECT_EQ(m["scored"], events.size());
    EXPECT_NEAR(m["mae"].get<double>(), offline_mae[name], 1e-9 * offline_mae[name]) << name;
    EXPECT_NEAR(m["window_mae"].get<double>(), offline_mae[name], 1e-9 * offline_mae[name]) << name;
    EXPECT_FALSE(m.contains("test_mae")) << "bare .tflite files have no manifest";
  }
}

// The sensor stream comes on a connection of its own, so an event is scored
// against what was answered when it arrived: every request answered before
// it, and none answered after it.
TEST(ServeOnlineAccuracy, AnEventScoresTheRequestsAnsweredBeforeItAndNoneAfter) {
  EDGEML_REQUIRE_SHARED("models/seed-tflite/multi_var_LR.tflite");
  EDGEML_REQUIRE_SHARED("data/bts/1160629000_121_308_test.csv");
  std::vector<AlarmEvent> events = test_file_events();
  ASSERT_GT(events.size(), 400u);
  std::vector<AlarmEvent> late(events.begin() + 300, events.begin() + 400);  // their requests come after them
  events.resize(300);
  edgeml::test::ServedModels served(edgeml::test::shared_file("models/seed-tflite"), "interleaved-node");
  edgeml::test::MessageInbox stats;
  auto watcher = edgeml::test::receiving_client(served.client("stats-watcher"), stats,
                                                "edgeml/nodes/interleaved-node/stats");
  mq::Client requester(served.client("requester"));
  mq::Client sensor(served.client("sensor"));
  requester.connect();
  sensor.connect();
  auto ask = [&](const std::vector<AlarmEvent>& rows) {
    for (const AlarmEvent& e : rows)
      requester.publish("request/" + kSeries, fmt::format("{:.1f},{:g},{:g}", e.index, e.value, e.threshold), 1);
  };
  auto tell = [&](const std::vector<AlarmEvent>& rows) {
    for (const AlarmEvent& e : rows) sensor.publish(alarm_topic(e.series), format_payload(e), 1);
  };
  ask(events);
  stats_when(stats, [&](const json& s) { return s["replies"] == events.size(); });
  tell(events);
  tell(late);
  stats_when(stats, [&](const json& s) { return s["events"] == events.size() + late.size(); });
  ask(late);
  const std::size_t all = events.size() + late.size();
  json last = stats_when(stats, [&](const json& s) { return s["replies"] == all; });
  EXPECT_EQ(last["accuracy"]["scored"], events.size());
  EXPECT_EQ(last["accuracy"]["unmatched"], late.size());
}

TEST(ServeOnlineAccuracy, AnAlertIsPublishedWhenTheTruthIsFarOffAndClearedWhenItIsNot) {
  edgeml::test::TempDir models;
  test::write_sample_directory(models.path());  // test MAEs 1.25 (linear) and 0.5 (relu), label scale 60
  edgeml::test::ServedModels served(models.path(), "alert-node", {"--accuracy-window", "20", "--accuracy-alert", "2"});
  edgeml::test::MessageInbox alerts;
  auto watcher = edgeml::test::receiving_client(served.client("alert-watcher"), alerts, "edgeml/nodes/alert-node/alerts");
  Conversation conversation(served);

  auto round = [&](int first, double error) { conversation.ask_then_tell(first, 20, "linear", error); };
  round(0, 10);  // linear: MAE 10 against a bound of 2.5
  ASSERT_TRUE(alerts.wait_for(1, kWait));
  json raised = json::parse(alerts.messages()[0].payload);
  EXPECT_EQ(raised["state"], "raised");
  EXPECT_EQ(raised["model"], "linear");
  EXPECT_EQ(raised["series"], kSeries);
  EXPECT_NEAR(raised["online_mae"].get<double>(), 10, 1e-3);
  EXPECT_DOUBLE_EQ(raised["bound"].get<double>(), 2.5);
  EXPECT_DOUBLE_EQ(raised["test_mae"].get<double>(), 1.25);

  round(100, 0);  // the last 20 now exact: the alert clears
  ASSERT_TRUE(edgeml::test::wait_until(
      [&] {
        for (const auto& m : alerts.messages())
          if (json::parse(m.payload)["state"] == "cleared" && json::parse(m.payload)["model"] == "linear") return true;
        return false;
      },
      kWait));
  // Once each for linear (relu, judged against the same truths, has its own).
  std::map<std::string, int> linear;
  for (const auto& m : alerts.messages())
    if (json p = json::parse(m.payload); p["model"] == "linear") ++linear[p["state"]];
  EXPECT_EQ(linear, (std::map<std::string, int>{{"cleared", 1}, {"raised", 1}}));
}

TEST(ServeOnlineAccuracy, WithoutMonitoringTheSensorStreamIsNotFollowed) {
  edgeml::test::TempDir models;
  test::write_sample_directory(models.path());
  edgeml::test::ServedModels served(models.path(), "quiet-node", {"--no-monitoring"});
  edgeml::test::MessageInbox stats;
  auto watcher = edgeml::test::receiving_client(served.client("stats-watcher"), stats, "edgeml/nodes/quiet-node/stats");
  Conversation conversation(served);
  conversation.ask({"1,2,3"});
  AlarmEvent e;
  ASSERT_TRUE(parse_series_path(kSeries, e.series));
  e.index = 1;
  conversation.tell({e});
  json last = stats_when(stats, [](const json& s) { return s["replies"] == 1; });
  std::this_thread::sleep_for(300ms);
  last = json::parse(stats.messages().back().payload);
  EXPECT_EQ(last["events"], 0);
  EXPECT_FALSE(last.contains("accuracy"));
}

}  // namespace
}  // namespace edgeml::serve
