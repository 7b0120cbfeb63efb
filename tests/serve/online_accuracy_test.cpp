#include "serve/online_accuracy.h"

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/error.h"

namespace edgeml::serve {
namespace {

const SeriesId kSeries{"1160629000", "121", "308"};
const Label kLabel;  // the tutorial's: (event_time - 1487508915) / 1000

// The event time at which `output` would have been exactly right.
double event_time_for(double label) { return kLabel.offset + kLabel.scale * label; }

ModelAnswer answer(const char* model, float output, std::optional<double> test_mae = 1.0,
                   const char* version = "v1") {
  return {model, version, &kLabel, output, "", test_mae};
}

const ModelAccuracy* find(const std::vector<ModelAccuracy>& figures, std::string_view model) {
  for (const ModelAccuracy& f : figures)
    if (f.model == model) return &f;
  return nullptr;
}

TEST(OnlineAccuracy, ScoresEachModelAsTheOfflineMaeOnTheSameRows) {
  OnlineAccuracyOptions options;
  options.window = 50;
  OnlineAccuracy accuracy(options);
  std::mt19937 random(3);
  std::normal_distribution<double> noise(0, 2);
  std::vector<double> errors_a, errors_b;
  std::vector<AccuracyAlert> alerts;
  for (int i = 0; i < 200; ++i) {
    double truth = -50 + 0.1 * i;
    float a = static_cast<float>(truth + noise(random)), b = static_cast<float>(truth + 3);
    std::vector<ModelAnswer> answers = {answer("a", a, 10.0), answer("b", b, 10.0)};
    accuracy.remember(kSeries, i, answers);
    ASSERT_EQ(accuracy.observe(kSeries, i, event_time_for(truth), alerts), 2u);
    errors_a.push_back(std::abs(static_cast<double>(a) - truth));
    errors_b.push_back(std::abs(static_cast<double>(b) - truth));
  }
  auto mean = [](const std::vector<double>& v, std::size_t from) {
    double sum = 0;
    for (std::size_t i = from; i < v.size(); ++i) sum += v[i];
    return sum / static_cast<double>(v.size() - from);
  };
  auto figures = accuracy.figures();
  ASSERT_EQ(figures.size(), 2u);
  const ModelAccuracy* a = find(figures, "a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->scored, 200u);
  EXPECT_NEAR(a->mae, mean(errors_a, 0), 1e-9);
  EXPECT_NEAR(a->window_mae, mean(errors_a, 150), 1e-9);
  EXPECT_EQ(a->window_count, 50u);
  EXPECT_GT(a->ewma_mae, 0);
  EXPECT_EQ(a->series, kSeries);
  EXPECT_EQ(a->version, "v1");
  EXPECT_NEAR(find(figures, "b")->mae, 3.0, 1e-5);
  EXPECT_NEAR(find(figures, "b")->ewma_mae, 3.0, 1e-5);
  EXPECT_TRUE(alerts.empty());
  EXPECT_EQ(accuracy.counts().scored, 200u);
}

TEST(OnlineAccuracy, AnEventScoresOnceAndOnlyWhatWasAskedForItsSeriesAndIndex) {
  OnlineAccuracy accuracy;
  std::vector<AccuracyAlert> alerts;
  std::vector<ModelAnswer> answers = {answer("a", 1.0f), {"broken", "v1", nullptr, 0, "output nan is not finite", {}}};
  accuracy.remember(kSeries, 7, answers);
  EXPECT_EQ(accuracy.observe({"1160629000", "121", "309"}, 7, event_time_for(1), alerts), 0u);  // another series
  EXPECT_EQ(accuracy.observe(kSeries, 8, event_time_for(1), alerts), 0u);                       // another index
  EXPECT_EQ(accuracy.observe(kSeries, 7, event_time_for(1), alerts), 1u);  // the model that failed is not scored
  EXPECT_EQ(accuracy.observe(kSeries, 7, event_time_for(1), alerts), 0u);  // a repeated event
  OnlineAccuracyCounts counts = accuracy.counts();
  EXPECT_EQ(counts.scored, 1u);
  EXPECT_EQ(counts.unmatched, 3u);
  EXPECT_EQ(find(accuracy.figures(), "a")->mae, 0);
}

TEST(OnlineAccuracy, RemembersABoundedNumberOfRequestsTheNewestWinning) {
  OnlineAccuracyOptions options;
  options.remembered = 3;
  OnlineAccuracy accuracy(options);
  std::vector<AccuracyAlert> alerts;
  std::vector<ModelAnswer> answers = {answer("a", 0.0f)};
  for (int i = 0; i < 5; ++i) accuracy.remember(kSeries, i, answers);
  EXPECT_EQ(accuracy.counts().forgotten, 2u);
  EXPECT_EQ(accuracy.observe(kSeries, 0, event_time_for(0), alerts), 0u);
  EXPECT_EQ(accuracy.observe(kSeries, 1, event_time_for(0), alerts), 0u);
  EXPECT_EQ(accuracy.observe(kSeries, 4, event_time_for(0), alerts), 1u);
  // Asked again for the same index: the newer prediction is the one scored, once.
  std::vector<ModelAnswer> newer = {answer("a", 5.0f)};
  accuracy.remember(kSeries, 3, newer);
  EXPECT_EQ(accuracy.observe(kSeries, 3, event_time_for(0), alerts), 1u);
  EXPECT_EQ(accuracy.observe(kSeries, 3, event_time_for(0), alerts), 0u);
  EXPECT_DOUBLE_EQ(find(accuracy.figures(), "a")->mae, 2.5);  // errors 0 and 5
}

TEST(OnlineAccuracy, AlertsOnceWhenTheRollingMaeExceedsTheMultipleAndClearsWhenItFalls) {
  OnlineAccuracyOptions options;
  options.window = 10;
  options.alert_multiple = 2;
  options.alert_min_scored = 5;
  OnlineAccuracy accuracy(options);
  std::vector<AccuracyAlert> alerts;
  int index = 0;
  auto score = [&](double error) {
    std::vector<ModelAnswer> answers = {answer("a", static_cast<float>(error), 0.5)};  // test MAE 0.5: bound 1
    accuracy.remember(kSeries, index, answers);
    accuracy.observe(kSeries, index++, event_time_for(0), alerts);
  };
  for (int i = 0; i < 4; ++i) score(3);  // over the bound, but fewer than 5 scored
  EXPECT_TRUE(alerts.empty());
  for (int i = 0; i < 6; ++i) score(3);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_TRUE(alerts[0].raised);
  EXPECT_DOUBLE_EQ(alerts[0].bound, 1.0);
  EXPECT_DOUBLE_EQ(alerts[0].figures.window_mae, 3.0);
  EXPECT_EQ(alerts[0].figures.window_count, 5u);
  EXPECT_TRUE(find(accuracy.figures(), "a")->alert);
  for (int i = 0; i < 9; ++i) score(0);  // the window's mean falls to 0.3
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_FALSE(alerts[1].raised);
  EXPECT_LE(alerts[1].figures.window_mae, 1.0);
  EXPECT_FALSE(find(accuracy.figures(), "a")->alert);
}

TEST(OnlineAccuracy, NoTestMaeNoAlert) {
  OnlineAccuracy accuracy;
  std::vector<AccuracyAlert> alerts;
  for (int i = 0; i < 100; ++i) {
    std::vector<ModelAnswer> answers = {answer("bare", 1000.0f, std::nullopt)};
    accuracy.remember(kSeries, i, answers);
    accuracy.observe(kSeries, i, event_time_for(0), alerts);
  }
  EXPECT_TRUE(alerts.empty());
  EXPECT_FALSE(find(accuracy.figures(), "bare")->test_mae.has_value());
}

TEST(OnlineAccuracy, ANewVersionStartsItsFiguresAfresh) {
  OnlineAccuracy accuracy;
  std::vector<AccuracyAlert> alerts;
  std::vector<ModelAnswer> old_version = {answer("a", 4.0f, 1.0, "v1")};
  std::vector<ModelAnswer> new_version = {answer("a", 1.0f, 1.0, "v2")};
  accuracy.remember(kSeries, 1, old_version);
  accuracy.observe(kSeries, 1, event_time_for(0), alerts);
  accuracy.remember(kSeries, 2, new_version);
  accuracy.observe(kSeries, 2, event_time_for(0), alerts);
  const ModelAccuracy* a = find(accuracy.figures(), "a");
  EXPECT_EQ(a->version, "v2");
  EXPECT_EQ(a->scored, 1u);
  EXPECT_DOUBLE_EQ(a->mae, 1.0);
}

TEST(OnlineAccuracy, APredictionOfAVersionReplacedBeforeItsEventIsNotScored) {
  OnlineAccuracy accuracy;
  std::vector<AccuracyAlert> alerts;
  std::vector<ModelAnswer> v1 = {answer("a", 4.0f, 1.0, "v1")}, v2 = {answer("a", 1.0f, 1.0, "v2")},
                           v1_again = {answer("a", 2.0f, 1.0, "v1")};
  accuracy.remember(kSeries, 1, v1);  // in flight while v2 loads, then v1 is put back
  accuracy.remember(kSeries, 2, v2);
  accuracy.remember(kSeries, 3, v1_again);
  EXPECT_EQ(accuracy.observe(kSeries, 3, event_time_for(0), alerts), 1u);
  EXPECT_EQ(accuracy.observe(kSeries, 2, event_time_for(0), alerts), 0u);  // v2: older than what scores now
  EXPECT_EQ(accuracy.observe(kSeries, 1, event_time_for(0), alerts), 1u);  // v1: the version scored now
  const ModelAccuracy* a = find(accuracy.figures(), "a");
  EXPECT_EQ(a->version, "v1");
  EXPECT_EQ(a->scored, 2u);
  EXPECT_DOUBLE_EQ(a->mae, 3.0);
  EXPECT_EQ(accuracy.counts().superseded, 1u);
  EXPECT_EQ(accuracy.counts().scored, 3u);  // events matched, whether or not their outputs counted
}

TEST(OnlineAccuracy, APredictionOutlivingSeveralNewerVersionsIsNotScored) {
  OnlineAccuracy accuracy;
  std::vector<AccuracyAlert> alerts;
  std::vector<std::string> versions;
  for (int v = 0; v < 6; ++v) {
    versions.push_back(fmt::format("v{}", v));
    std::vector<ModelAnswer> answers = {answer("a", 1.0f, 1.0, versions.back().c_str())};
    accuracy.remember(kSeries, v, answers);
  }
  EXPECT_EQ(accuracy.observe(kSeries, 0, event_time_for(0), alerts), 0u);  // five versions on: its facts are gone
  EXPECT_EQ(accuracy.counts().superseded, 1u);
  EXPECT_EQ(accuracy.observe(kSeries, 2, event_time_for(0), alerts), 1u);  // still kept
  EXPECT_EQ(find(accuracy.figures(), "a")->version, "v2");
}

TEST(OnlineAccuracy, TracksABoundedNumberOfModelSeriesPairs) {
  OnlineAccuracyOptions options;
  options.max_tracked = 2;
  OnlineAccuracy accuracy(options);
  std::vector<AccuracyAlert> alerts;
  std::vector<ModelAnswer> answers = {answer("a", 0.0f), answer("b", 0.0f), answer("c", 0.0f)};
  accuracy.remember(kSeries, 1, answers);
  EXPECT_EQ(accuracy.observe(kSeries, 1, event_time_for(0), alerts), 2u);
  EXPECT_EQ(accuracy.counts().untracked, 1u);
  EXPECT_EQ(accuracy.figures().size(), 2u);
}

TEST(OnlineAccuracy, RefusesOptionsOutOfRange) {
  auto with = [](auto change) {
    OnlineAccuracyOptions o;
    change(o);
    return o;
  };
  EXPECT_THROW(OnlineAccuracy(with([](auto& o) { o.remembered = 0; })), Error);
  EXPECT_THROW(OnlineAccuracy(with([](auto& o) { o.window = 0; })), Error);
  EXPECT_THROW(OnlineAccuracy(with([](auto& o) { o.ewma_weight = 0; })), Error);
  EXPECT_THROW(OnlineAccuracy(with([](auto& o) { o.alert_multiple = -1; })), Error);
}

}  // namespace
}  // namespace edgeml::serve
