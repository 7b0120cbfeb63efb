#include "core/bounded_queue.h"

#include <atomic>
#include <string>
#include <thread>

#include <gtest/gtest.h>

namespace edgeml {
namespace {

using namespace std::chrono_literals;

bool push(BoundedQueue<std::string>& q, const std::string& text, std::chrono::milliseconds timeout = 0ms) {
  return q.push_with([&](std::string& slot) { slot = text; }, timeout);
}

TEST(BoundedQueue, KeepsOrderAndRefusesWhenFull) {
  BoundedQueue<std::string> q(2);
  EXPECT_TRUE(push(q, "a"));
  EXPECT_TRUE(push(q, "b"));
  auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(push(q, "c", 30ms));
  EXPECT_GE(std::chrono::steady_clock::now() - started, 30ms);
  EXPECT_EQ(q.size(), 2u);
  std::string out;
  ASSERT_TRUE(q.pop(out, 0ms));
  EXPECT_EQ(out, "a");
  EXPECT_TRUE(push(q, "c"));
  ASSERT_TRUE(q.pop(out, 0ms));
  EXPECT_EQ(out, "b");
  ASSERT_TRUE(q.pop(out, 0ms));
  EXPECT_EQ(out, "c");
  EXPECT_FALSE(q.pop(out, 10ms));
}

TEST(BoundedQueue, SlotsKeepTheirStorage) {
  BoundedQueue<std::string> q(1);
  std::string out(100, 'x');
  const char* buffer = out.data();
  ASSERT_TRUE(push(q, std::string(50, 'y')));
  ASSERT_TRUE(q.pop(out, 0ms));  // out now holds the slot's buffer, the slot ours
  ASSERT_TRUE(push(q, "short"));
  ASSERT_TRUE(q.pop(out, 0ms));
  EXPECT_EQ(out, "short");
  EXPECT_EQ(out.data(), buffer);  // the buffer went round and came back
}

TEST(BoundedQueue, CloseWakesWaitersAndDrains) {
  BoundedQueue<std::string> q(1);
  ASSERT_TRUE(push(q, "last"));
  std::atomic<bool> pushed{true};
  std::thread producer([&] { pushed = push(q, "blocked", 10s); });
  std::this_thread::sleep_for(20ms);
  q.close();
  producer.join();
  EXPECT_FALSE(pushed);
  std::string out;
  EXPECT_TRUE(q.pop(out, 0ms));
  EXPECT_EQ(out, "last");
  auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(q.pop(out, 10s));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST(BoundedQueue, HandsEveryElementOverOnceBetweenThreads) {
  BoundedQueue<int> q(4);
  constexpr int kCount = 10000;
  std::thread producer([&] {
    for (int i = 0; i < kCount; ++i) ASSERT_TRUE(q.push_with([&](int& slot) { slot = i; }, 10s));
  });
  long long sum = 0;
  int next = 0;
  for (int got = 0; got < kCount; ++got) {
    int value = -1;
    ASSERT_TRUE(q.pop(value, 10s));
    EXPECT_EQ(value, next++);
    sum += value;
  }
  producer.join();
  EXPECT_EQ(sum, static_cast<long long>(kCount) * (kCount - 1) / 2);
}

TEST(BoundedQueue, ElementsThatNeedNotWakeAreTakenAtTheConsumersTimeout) {
  BoundedQueue<int> q(8);
  std::thread consumer([&] {
    int out = 0;
    ASSERT_TRUE(q.pop(out, 50ms));  // not woken: the element is there when the wait ends
    EXPECT_EQ(out, 1);
  });
  ASSERT_TRUE(q.push_with([](int& slot) { slot = 1; }, 0ms, 2));
  consumer.join();
  EXPECT_EQ(q.size(), 0u);
}

// How long a consumer waiting on `q` (for up to 20 s) waited for its element
// while `pushes` ran.
template <typename Pushes>
std::chrono::steady_clock::duration time_to_pop(BoundedQueue<int>& q, Pushes pushes) {
  std::atomic<bool> waiting = false;
  std::chrono::steady_clock::duration waited{};
  std::thread consumer([&] {
    int out = 0;
    waiting = true;
    auto started = std::chrono::steady_clock::now();
    EXPECT_TRUE(q.pop(out, 20s));
    waited = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(out, 1);
  });
  while (!waiting) std::this_thread::yield();
  std::this_thread::sleep_for(20ms);  // into its wait, most likely; else the test proves less, never fails
  pushes();
  consumer.join();
  return waited;
}

TEST(BoundedQueue, WakesAWaitingConsumerOnceWakeAtElementsWait) {
  BoundedQueue<int> q(8);
  auto waited = time_to_pop(q, [&] {
    for (int i = 1; i <= 3; ++i) ASSERT_TRUE(q.push_with([&](int& slot) { slot = i; }, 0ms, 3));  // the third wakes
  });
  EXPECT_LT(waited, 10s);  // woken, not timed out (a generous bound, not a speed check)
  EXPECT_EQ(q.size(), 2u);
}

TEST(BoundedQueue, WakeAtAboveCapacityWakesWhenFull) {
  BoundedQueue<int> q(2);
  auto waited = time_to_pop(q, [&] {
    for (int i = 1; i <= 2; ++i) ASSERT_TRUE(q.push_with([&](int& slot) { slot = i; }, 0ms, 100));
  });
  EXPECT_LT(waited, 10s);
}

TEST(BoundedQueue, NeedsRoom) { EXPECT_THROW(BoundedQueue<int>(0), Error); }

}  // namespace
}  // namespace edgeml
