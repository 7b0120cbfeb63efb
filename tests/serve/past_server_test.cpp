// edgeml serve answering models trained here, through a real mosquitto: a
// model of the series' past, trained on the earlier 80% of the tutorial's
// series, is told that part of the stream, then asked for each next event
// of the later part before being told it, and every answer is the trainer's
// own prediction for the same row; and the models of several series, each
// answering its own series' requests.
#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ingest/raw_file.h"
#include "protocol/manifest.h"
#include "served_models.h"
#include "stats_conversation.h"
#include "train/manifest.h"
#include "train/model_export.h"
#include "train/trainer.h"

namespace edgeml::serve {
namespace {

using nlohmann::json;
using edgeml::test::kSeries;
using edgeml::test::kWait;
using edgeml::test::stats_when;

train::EventTable series_table(const std::vector<AlarmEvent>& events) {
  train::EventTable t;
  t.rows.resize(static_cast<Eigen::Index>(events.size()), train::kColumnCount);
  for (std::size_t i = 0; i < events.size(); ++i)
    t.rows.row(static_cast<Eigen::Index>(i)) << events[i].index, events[i].event_time, events[i].value, events[i].threshold;
  t.source = "tutorial series";
  return t;
}

train::ModelSpec past_spec() {
  train::ModelSpec s;
  s.name = "past_gaps";
  s.features = {"gap_1", "gap_2", "mean_gap_8", "median_gap_16", "value"};
  s.target = train::Target::gap;
  s.layers = {{8, train::Activation::tanh}, {1, train::Activation::linear}};
  s.epochs = 20;
  return s;
}

TEST(ServePast, AReplayedStreamGetsTheTrainersPredictionsForTheSameRows) {
  EDGEML_REQUIRE_SHARED("data/bts/1160629000_121_308_test.csv");
  std::vector<AlarmEvent> events;
  ingest::RawFileReader reader(edgeml::test::shared_file("data/bts/1160629000_121_308_test.csv"));
  for (AlarmEvent e; reader.next(e);) events.push_back(e);
  ASSERT_EQ(events.size(), 1000u);

  std::size_t repeated = 0;
  train::TrainTestSplit split = train::time_split(series_table(events), 0.8, repeated);
  train::TrainingData data{split.train, split.test, {}};
  train::TrainedModel model = train::train_model(past_spec(), data, {});
  edgeml::test::TempDir models;
  train::write_model_files(model, "1", models.path());
  write_manifest_file(train::manifest_json({model}, data, {"1", "time-ordered", {}}), models.path());
  const train::Examples offline = train::examples_for(model.spec, data.test, data);
  const Eigen::VectorXf expected = model.predict(offline.x);
  ASSERT_EQ(offline.rows.size(), 200u);

  edgeml::test::ServedModels served(models.path(), "past-node");
  edgeml::test::MessageInbox stats, replies;
  auto stats_client = edgeml::test::receiving_client(served.client("stats"), stats, "edgeml/nodes/past-node/stats");
  auto listener = edgeml::test::receiving_client(served.client("listener"), replies, "predict/" + kSeries);
  mq::Client sensor(served.client("sensor")), requester(served.client("requester"));
  sensor.connect();
  requester.connect();
  const std::size_t told_first = 800, rows = 25;
  for (std::size_t i = 0; i < told_first; ++i) sensor.publish(alarm_topic(events[i].series), format_payload(events[i]), 1);
  for (std::size_t k = 0; k < rows; ++k) {
    stats_when(stats, [&](const json& s) { return s["events"] == told_first + k; });
    const AlarmEvent& next = events[told_first + k];
    replies.clear();
    requester.publish("request/" + kSeries, fmt::format("{:.1f},{:g},{:g}", next.index, next.value, next.threshold), 1);
    ASSERT_TRUE(replies.wait_for(1, kWait)) << "no reply for index " << next.index;
    const json answer = json::parse(replies.messages().at(0).payload)["predictions"]["past_gaps"];
    ASSERT_TRUE(answer.contains("output")) << answer.dump();
    const float ours = expected(static_cast<Eigen::Index>(k));
    EXPECT_NEAR(answer["output"].get<double>(), ours, 1e-5 * std::max(1.0f, std::fabs(ours))) << "index " << next.index;
    sensor.publish(alarm_topic(next.series), format_payload(next), 1);
  }
}

// A request before the server has seen enough of the series is answered
// with why, by the model that reads the past, and by the others as usual.
TEST(ServePast, TooShortAPastIsAnAnswerWithWhy) {
  EDGEML_REQUIRE_SHARED("data/bts/1160629000_121_308_test.csv");
  std::vector<AlarmEvent> events;
  ingest::RawFileReader reader(edgeml::test::shared_file("data/bts/1160629000_121_308_test.csv"));
  for (AlarmEvent e; reader.next(e);) events.push_back(e);
  train::TrainingData data{series_table({events.begin(), events.begin() + 200}),
                           series_table({events.begin() + 200, events.begin() + 250}), {}};
  train::TrainOptions options;
  options.epochs = 2;
  std::vector<train::TrainedModel> trained = {train::train_model(past_spec(), data, options),
                                              train::train_model(train::tutorial_model("single_var_LR"), data, options)};
  edgeml::test::TempDir models;
  for (const auto& m : trained) train::write_model_files(m, "1", models.path());
  write_manifest_file(train::manifest_json(trained, data, {"1", "given", {}}), models.path());
  edgeml::test::ServedModels served(models.path(), "short-node");
  edgeml::test::MessageInbox replies;
  auto listener = edgeml::test::receiving_client(served.client("listener"), replies, "predict/" + kSeries);
  mq::Client requester(served.client("requester"));
  requester.connect();
  requester.publish("request/" + kSeries, "300.0,231,230", 1);
  ASSERT_TRUE(replies.wait_for(1, kWait));
  const json predictions = json::parse(replies.messages().at(0).payload)["predictions"];
  EXPECT_NE(predictions["past_gaps"]["error"].get<std::string>().find("the server has seen 0"), std::string::npos)
      << predictions.dump();
  EXPECT_TRUE(predictions["single_var_LR"].contains("output")) << predictions.dump();
}

// Two series whose events come 60 s and 600 s apart: each gets its own
// single_var_LR, and a third series none.
TEST(ServeSeries, EachSeriesIsAnsweredByItsOwnModels) {
  std::vector<train::TrainedModel> trained;
  std::vector<json> manifests;
  std::map<std::string, float> expected;  // by series, for index 150
  for (auto [series, gap] : {std::pair<std::string, double>{"1/2/3", 60}, {"4/5/6", 600}}) {
    std::vector<AlarmEvent> events;
    for (int i = 0; i < 100; ++i) events.push_back({{}, double(i), 1487441883.0 + gap * i + (i * 37) % 50, 231, 230, true});
    train::TrainingData data{series_table({events.begin(), events.begin() + 80}),
                             series_table({events.begin() + 80, events.end()}), {}};
    train::TrainedModel& m = trained.emplace_back(train::train_model(train::tutorial_model("single_var_LR"), data, {}));
    m.series = series;
    expected[series] = m.predict(Eigen::MatrixXf::Constant(1, 1, 150))(0);
    manifests.push_back(train::manifest_json({m}, data, {"1", "given", {}}));
  }
  edgeml::test::TempDir models;
  for (const auto& m : trained) train::write_model_files(m, "1", models.path());
  write_manifest_file(train::merge_series_manifests(manifests), models.path());
  edgeml::test::ServedModels served(models.path(), "series-node");
  edgeml::test::MessageInbox replies;
  auto listener = edgeml::test::receiving_client(served.client("listener"), replies, "predict/+/+/+");
  mq::Client requester(served.client("requester"));
  requester.connect();
  for (const char* series : {"1/2/3", "4/5/6", "7/8/9"}) {
    replies.clear();
    requester.publish(std::string("request/") + series, "150.0,231,230", 1);
    ASSERT_TRUE(replies.wait_for(1, kWait)) << series;
    const json predictions = json::parse(replies.messages().at(0).payload)["predictions"];
    if (!expected.contains(series)) {
      EXPECT_TRUE(predictions.empty()) << predictions.dump();
      continue;
    }
    std::string name = std::string("single_var_LR@") + series;
    std::replace(name.begin(), name.end(), '/', '_');
    ASSERT_EQ(predictions.size(), 1u) << predictions.dump();
    EXPECT_NEAR(predictions[name]["output"].get<double>(), expected[series], 1e-5 * std::fabs(expected[series]))
        << predictions.dump();
  }
}

// One model of two series pooled, the series an input: each series' request
// gets the prediction the trainer makes for that series.
TEST(ServeSeries, APooledModelTellsTheSeriesByItsInputs) {
  train::EventTable pooled;
  pooled.series_names = {"1/2/3", "4/5/6"};
  std::vector<AlarmEvent> events;
  for (std::size_t k = 0; k < 2; ++k)
    for (int i = 0; i < 100; ++i) {
      events.push_back({{}, double(i), 1487441883.0 + (k == 0 ? 60 : 600) * i, 231, 230, true});
      pooled.series.push_back(k);
    }
  pooled.rows = series_table(events).rows;
  std::size_t repeated = 0;
  train::TrainTestSplit split = train::time_split(pooled, 0.8, repeated);
  train::TrainingData data{split.train, split.test, {}};
  train::ModelSpec spec = train::tutorial_model("single_var_LR");
  spec.features = {"index", "series:1/2/3", "series:4/5/6"};
  const train::TrainedModel model = train::train_model(spec, data, {});
  edgeml::test::TempDir models;
  train::write_model_files(model, "1", models.path());
  write_manifest_file(train::manifest_json({model}, data, {"1", "time-ordered", {}}), models.path());
  edgeml::test::ServedModels served(models.path(), "pooled-node");
  edgeml::test::MessageInbox replies;
  auto listener = edgeml::test::receiving_client(served.client("listener"), replies, "predict/+/+/+");
  mq::Client requester(served.client("requester"));
  requester.connect();
  for (const auto& [series, inputs] : std::vector<std::pair<std::string, std::vector<float>>>{
           {"1/2/3", {150, 1, 0}}, {"4/5/6", {150, 0, 1}}, {"7/8/9", {150, 0, 0}}}) {
    replies.clear();
    requester.publish("request/" + series, "150.0,231,230", 1);
    ASSERT_TRUE(replies.wait_for(1, kWait)) << series;
    const float expected = model.predict(Eigen::Map<const Eigen::RowVectorXf>(inputs.data(), 3))(0);
    const json answer = json::parse(replies.messages().at(0).payload)["predictions"]["single_var_LR"];
    EXPECT_NEAR(answer["output"].get<double>(), expected, 1e-5 * std::max(1.0f, std::fabs(expected))) << series;
  }
}

}  // namespace
}  // namespace edgeml::serve
