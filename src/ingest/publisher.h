// Publishes alarm events in the tutorial's topics and payloads, at a given
// pace, keeping a bounded window of unacknowledged messages.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>

#include "protocol/alarm_event.h"
#include "mqtt/client.h"

namespace edgeml::ingest {

struct PublishOptions {
  int qos = 1;
  std::chrono::duration<double> interval{0};  // between events; 0: as fast as the broker takes them
  std::size_t window = 1000;  // messages published but not yet acknowledged
  bool live = false;  // payload_as_sent()
};

// The payload an event goes out with. Live, its event_time is the wall clock
// at the moment it is sent (after any pacing), as a live sensor's is, so that
// a store's received_at - event_time is the lag from sensor to store.
std::string payload_as_sent(const AlarmEvent& event, bool live);

class Publisher {
 public:
  Publisher(mq::Client& client, PublishOptions options);

  // Publishes one event, first waiting for its time slot and for room in the
  // window (while the broker is away, this waits for it to come back).
  void publish(const AlarmEvent& event);
  // Waits until every event is acknowledged, then publishes the end marker (kFinishTopic) and
  // waits for that too.
  // Returns false if `timeout` passed first.
  bool finish(std::chrono::milliseconds timeout);
  // Waits until every message is acknowledged; false on timeout.
  bool drain(std::chrono::milliseconds timeout);

  std::int64_t published() const { return published_; }
  std::int64_t acknowledged() const { return acknowledged_; }
  std::size_t in_flight() const { return static_cast<std::size_t>(published_ - acknowledged_); }
  std::int64_t failed() const { return failed_; }
  // Times the client was rebuilt because the broker kept dropping it.
  std::int64_t recoveries() const { return recoveries_; }

 private:
  // A message the broker has not acknowledged yet, kept to publish it again.
  struct InFlight {
    mq::DeliveryPtr delivery;
    std::string topic;
    std::string payload;
    int attempts = 1;
  };

  void send(std::string topic, std::string payload);
  void retire_completed(bool wait_for_oldest);
  bool wait_oldest(std::chrono::milliseconds timeout);
  void recover_if_stuck();
  void retry_front();

  mq::Client& client_;
  PublishOptions options_;
  std::deque<InFlight> window_;
  std::chrono::steady_clock::time_point start_;
  std::atomic<std::int64_t> published_{0};
  std::atomic<std::int64_t> acknowledged_{0};
  std::atomic<std::int64_t> failed_{0};
  std::int64_t recoveries_ = 0;
};

}  // namespace edgeml::ingest
