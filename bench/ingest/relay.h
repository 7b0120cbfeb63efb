// The baseline's parts: bare Paho clients with nothing of edgeml in them, and
// the clock that tells when the last of N messages arrived.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include <mqtt/async_client.h>

namespace edgeml::bench {

using Clock = std::chrono::steady_clock;

// Counts arrivals and notes the time of the expected-th one. arrived() runs
// on one client's receive thread; it only takes the lock for the last message,
// so it costs the measured path an atomic increment. It also reads that
// thread's CPU clock at the first and the last message: the CPU the receiving
// side spent per message, whatever else the machine was doing.
class ArrivalClock {
 public:
  explicit ArrivalClock(std::int64_t expected) : expected_(expected) {}

  void arrived();
  // False if the expected-th message had not arrived by `deadline`.
  bool wait_until(Clock::time_point deadline);
  std::int64_t count() const { return count_.load(); }
  Clock::time_point last() const { return last_; }
  // CPU time of the receive thread per message between the first and the last.
  double cpu_us_per_message() const;

 private:
  const std::int64_t expected_;
  std::atomic<std::int64_t> count_{0};
  std::mutex mutex_;
  std::condition_variable done_cv_;
  bool done_ = false;
  Clock::time_point last_{};
  std::chrono::nanoseconds first_cpu_{};
  std::chrono::nanoseconds last_cpu_{};
};

// A Paho async publisher without persistence or a session: the fastest way
// Paho can hand messages to the broker, with `window` publishes outstanding so
// the broker, not one round trip, sets the pace.
class BarePublisher {
 public:
  BarePublisher(const std::string& uri, const std::string& client_id, std::size_t window,
                std::chrono::milliseconds timeout);
  ~BarePublisher();

  void publish(const std::string& topic, const std::string& payload, int qos);
  // Waits until every publish completed; throws Error after the timeout.
  void drain();

 private:
  void wait_oldest();

  ::mqtt::async_client client_;
  std::size_t window_;
  std::chrono::milliseconds timeout_;
  std::deque<::mqtt::delivery_token_ptr> outstanding_;
};

// A Paho subscriber that only counts. It keeps a persistent session, as the
// collector does, so the two differ only in what they do with a message.
class BareSubscriber {
 public:
  // Connects and subscribes, returning once the broker acknowledged the
  // subscriptions. Throws Error naming the step that failed.
  BareSubscriber(const std::string& uri, const std::string& client_id, const std::vector<std::string>& filters,
                 int qos, ArrivalClock& clock, std::chrono::milliseconds timeout);
  ~BareSubscriber();

 private:
  ::mqtt::async_client client_;
};

// Connects with a clean session and leaves, so the broker drops the session
// (and the queue) a persistent client left behind; otherwise it would keep
// copying every later run's messages into it.
void forget_session(const std::string& uri, const std::string& client_id, std::chrono::milliseconds timeout);

}  // namespace edgeml::bench
