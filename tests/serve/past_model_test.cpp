// A served model whose inputs read the past of the request's series: its
// inputs from the past it is given, an error when that is too short, and
// the bounded histories a server keeps of the sensor stream.
#include <gtest/gtest.h>

#include "protocol/alarm_event.h"
#include "serve/model.h"
#include "serve/series_histories.h"

namespace edgeml::serve {
namespace {

// prediction = gap_1 + prev_time + 0.5 * value: one dense layer.
runtime::Graph past_graph() {
  runtime::Graph g;
  int x = runtime::add_tensor(g, runtime::float_tensor("features", {1, 3}));
  g.inputs = {x};
  int w = runtime::add_tensor(g, runtime::float_tensor("w", {1, 3}, {1, 1, 0.5f}));
  int b = runtime::add_tensor(g, runtime::float_tensor("b", {1}, {0}));
  g.outputs = {runtime::add_op(g, runtime::OpKind::fully_connected, {x, w, b}, runtime::float_tensor("prediction", {1, 1}))};
  return g;
}

ModelInfo past_info() {
  ModelInfo info;
  info.name = "past";
  info.version = "1";
  for (const char* name : {"gap_1", "prev_time", "value"}) info.features.push_back(*feature_named(name));
  info.label = Label{1000, 10, "10 s after Unix time 1000"};
  info.from_manifest = true;
  return info;
}

TEST(ServePastModel, InputsComeFromThePastOfTheSeries) {
  Model model(past_info(), past_graph());
  EXPECT_EQ(model.info().past_needed, 2u);
  EXPECT_EQ(feature_name(model.info().features[0]), "gap_1");
  Request r{{"1", "2", "3"}, 7, 4, 0, Request::IdKind::none, {}};
  const std::vector<PastEvent> past = {{4, 1100}, {5, 1150}, {6, 1200}};
  float out = 0;
  ASSERT_TRUE(model.predict(r, past, out));
  EXPECT_FLOAT_EQ(out, 5 + 20 + 2);  // gap 50 s = 5 units, last event 20 units, value 4 * 0.5
  Status short_past = model.predict(r, std::span(past).first(1), out);
  ASSERT_FALSE(short_past);
  EXPECT_NE(std::string(short_past.reason()).find("read 2 past events"), std::string::npos) << short_past.reason();
}

TEST(ServePastModel, HistoriesKeepEachSeriesAndRefuseSeriesBeyondTheirBound) {
  SeriesHistories h(2);
  AlarmEvent e{{"1", "2", "3"}, 0, 100, 231, 230, true};
  for (int i = 0; i < 5; ++i) {
    e.index = i;
    e.event_time = 100 + 10 * i;
    h.observe(alarm_topic(e.series), format_payload(e));
  }
  h.observe("alarm/9/9/9", "not an event");
  h.observe(std::string(kFinishTopic), "True");
  h.add({"4", "5", "6"}, {0, 1});
  h.add({"7", "8", "9"}, {0, 1});  // a third series: refused
  EXPECT_EQ(h.events_taken(), 6u);
  EXPECT_EQ(h.events_refused(), 1u);
  PastBuffer buffer;
  std::span<const PastEvent> past = h.past({"1", "2", "3"}, 3, buffer);
  ASSERT_EQ(past.size(), 3u);
  EXPECT_EQ(past.back().event_time, 120);
  EXPECT_TRUE(h.past({"7", "8", "9"}, 3, buffer).empty());
}

}  // namespace
}  // namespace edgeml::serve
