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

TEST(BoundedQueue, NeedsRoom) { EXPECT_THROW(BoundedQueue<int>(0), Error); }

}  // namespace
}  // namespace edgeml
