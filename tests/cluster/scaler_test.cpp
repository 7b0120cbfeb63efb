// The scaler on a clock the test moves: one replica more after a window
// above a target, one fewer after the longer window below half of it,
// nothing in between, and always within the application's min and max.
#include "cluster/scaler.h"

#include <gtest/gtest.h>

namespace edgeml::cluster {
namespace {

using Clock = Scaler::Clock;

const Clock::time_point t0 = Clock::time_point() + std::chrono::hours(1000);

// 1 to 3 replicas; up after 10 s with a queue above 10, down after 30 s below 5.
ApplicationSpec elastic(const std::string& name = "wind") {
  ApplicationSpec app;
  app.name = name;
  app.min_replicas = 1;
  app.max_replicas = 3;
  app.scaling.queue_depth = 10;
  app.scaling.window_s = 10;
  app.scaling.scale_down_window_s = 30;
  return app;
}

std::vector<ReplicaLoad> queues(std::initializer_list<double> depths) {
  std::vector<ReplicaLoad> loads;
  for (double d : depths) loads.push_back({"serving", "", d, 0, 0, 0});
  return loads;
}

const std::vector<ReplicaLoad> kHigh = queues({12}), kLow = queues({4}), kBetween = queues({7});

// One call of wanted(): the count held, the loads, when (seconds after t0), and the count it should give.
struct Step {
  int current;
  std::vector<ReplicaLoad> loads;
  double at_s;
  int expect;
};

void expect_steps(Scaler& scaler, const ApplicationSpec& app, const std::vector<Step>& steps) {
  for (const Step& s : steps)
    EXPECT_EQ(scaler.wanted(app, s.current, s.loads, t0 + std::chrono::duration_cast<Clock::duration>(
                                                               std::chrono::duration<double>(s.at_s))),
              s.expect)
        << app.name << " at " << s.at_s << " s from " << s.current;
}

TEST(Scaler, OneMoreAfterAWindowAboveTargetAndAnotherWindowForTheNext) {
  Scaler scaler;
  expect_steps(scaler, elastic(),
               {{1, kHigh, 0, 1}, {1, kHigh, 5, 1}, {1, kHigh, 9.999, 1}, {1, kHigh, 10, 2},
                // the next step needs a window of its own
                {2, kHigh, 11, 2}, {2, kHigh, 19, 2}, {2, kHigh, 20, 3},
                // at max it stays, however long the load lasts
                {3, kHigh, 30, 3}, {3, kHigh, 60, 3}, {3, kHigh, 100, 3}});
}

TEST(Scaler, OneFewerAfterTheScaleDownWindowBelowHalfDownToMin) {
  Scaler scaler;
  expect_steps(scaler, elastic(),
               {{3, kLow, 0, 3}, {3, kLow, 10, 3} /* the scale-up window is not enough */, {3, kLow, 29, 3},
                {3, kLow, 30, 2}, {2, kLow, 59, 2}, {2, kLow, 60, 1}, {1, kLow, 90, 1}, {1, kLow, 200, 1}});
}

TEST(Scaler, BetweenHalfAndFullTargetNothingChangesAndTheTimersStartAgain) {
  Scaler steady;
  // Inside the band, and at its edges: exactly at target is not above, exactly half is not below.
  for (const auto& loads : {kBetween, queues({10}), queues({5})})
    expect_steps(steady, elastic(), {{2, loads, 0, 2}, {2, loads, 10, 2}, {2, loads, 30, 2}, {2, loads, 300, 2}});

  // Above for 9 s, between once, then above again: the window starts over.
  Scaler up;
  expect_steps(up, elastic(),
               {{1, kHigh, 0, 1}, {1, kHigh, 9, 1}, {1, kBetween, 9.5, 1}, {1, kHigh, 10, 1}, {1, kHigh, 19, 1},
                {1, kHigh, 20, 2}});
  // Below for 29 s, between once: the scale-down window starts over too.
  Scaler down;
  expect_steps(down, elastic(),
               {{3, kLow, 0, 3}, {3, kLow, 29, 3}, {3, kBetween, 29, 3}, {3, kLow, 30, 3}, {3, kLow, 59, 3},
                {3, kLow, 60, 2}});
  // Above and below reset each other.
  Scaler both;
  expect_steps(both, elastic(),
               {{2, kLow, 0, 2}, {2, kHigh, 25, 2}, {2, kLow, 31, 2} /* below from 31 s */, {2, kLow, 60, 2},
                {2, kLow, 61, 1}});
}

TEST(Scaler, WithoutLoadsOrARuleTheCountStays) {
  Scaler scaler;
  expect_steps(scaler, elastic(),
               {{2, {}, 0, 2}, {2, {}, 50, 2}, {2, {}, 100, 2},
                // no loads in the middle of a window starts it over
                {1, kHigh, 200, 1}, {1, {}, 205, 1}, {1, kHigh, 210, 1}, {1, kHigh, 220, 2}});
  ApplicationSpec fixed = elastic("fixed");
  fixed.scaling = {};
  expect_steps(scaler, fixed, {{2, kHigh, 0, 2}, {2, kHigh, 50, 2}, {2, kLow, 100, 2}, {2, kLow, 200, 2}});
}

TEST(Scaler, TheCurrentCountIsClampedToMinAndMax) {
  Scaler scaler;
  expect_steps(scaler, elastic(),
               {{0, {}, 0, 1}, {-5, kBetween, 0, 1}, {9, {}, 0, 3}, {9, kHigh, 100, 3}, {0, kLow, 200, 1}});
}

TEST(Scaler, QueueAndRateAreAveragedAndP99IsTheWorstReplica) {
  Scaler scaler;
  // Queues of 18 and 0 average 9: not above 10.
  const std::vector<ReplicaLoad> uneven = queues({18, 0});
  expect_steps(scaler, elastic(), {{2, uneven, 0, 2}, {2, uneven, 10, 2}, {2, uneven, 60, 2}});

  ApplicationSpec latency = elastic("latency");
  latency.scaling = {};
  latency.scaling.p99_ms = 20;
  const std::vector<ReplicaLoad> one_slow = {{"serving", "", 0, 1, 0, 0}, {"serving", "", 0, 25, 0, 0}};
  expect_steps(scaler, latency, {{2, one_slow, 0, 2}, {2, one_slow, 10, 3}});

  ApplicationSpec rate = elastic("rate");
  rate.scaling = {};
  rate.scaling.requests_per_s = 100;
  const std::vector<ReplicaLoad> quiet = {{"serving", "", 0, 0, 90, 0}, {"serving", "", 0, 0, 0, 0}};  // 45 a replica
  expect_steps(scaler, rate, {{2, quiet, 0, 2}, {2, quiet, 30, 1}});
}

TEST(Scaler, EachApplicationKeepsItsOwnTimers) {
  Scaler scaler;
  const ApplicationSpec a = elastic("a"), b = elastic("b");
  expect_steps(scaler, a, {{1, kHigh, 0, 1}});
  expect_steps(scaler, b, {{1, kHigh, 8, 1}});
  expect_steps(scaler, a, {{1, kHigh, 10, 2}});
  expect_steps(scaler, b, {{1, kHigh, 10, 1}, {1, kHigh, 18, 2}});
}

}  // namespace
}  // namespace edgeml::cluster
