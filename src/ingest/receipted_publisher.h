// Publishes alarm events end to end: each event stays in a durable outbox
// until a collector's store receipt says it is committed to disk (receipt.h),
// and is sent again while it has none (after `resend_after`, and after every
// reconnect). Whatever crashes (broker, collector, this process, the power),
// an event leaves the outbox only once it is stored; a resend is harmless,
// since the store keeps each event once. The window of unreceipted events is
// bounded, so a missing collector stops the publisher instead of filling memory.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/alarm_event.h"
#include "ingest/event_outbox.h"
#include "mqtt/client.h"

namespace edgeml::ingest {

struct ReceiptedOptions {
  int qos = 1;
  std::chrono::duration<double> interval{0};  // between events; 0: as fast as receipts allow
  std::size_t window = 5000;                 // events without a receipt at most
  std::chrono::milliseconds resend_after{5000};
  std::size_t group = 512;  // outbox writes per commit at most (they are committed every 2 ms too)
  // Publishes the broker has not acknowledged yet, at most: below its MQTT 5
  // Receive Maximum (Mosquitto's default is 20), so that Paho never has to
  // hold publishes back in its own queue.
  std::size_t broker_in_flight = 16;
  bool live = false;  // publisher.h's payload_as_sent()
};

class ReceiptedPublisher {
 public:
  using Clock = std::chrono::steady_clock;

  // Call before client.connect(): it subscribes the client (MQTT 5) to this
  // run's receipt topic. What `outbox` holds from an earlier run goes first.
  ReceiptedPublisher(mq::Client& client, EventOutbox& outbox, ReceiptedOptions options);
  ~ReceiptedPublisher();

  // Keeps the event in the outbox and sends it, first waiting for its time
  // slot and for room in the window.
  void publish(const AlarmEvent& event);
  // Waits until every event has a receipt; false if `timeout` passed first.
  bool drain(std::chrono::milliseconds timeout);
  // drain(), then the end marker (kFinishTopic), receipted too.
  bool finish(std::chrono::milliseconds timeout);

  std::int64_t published() const { return published_; }
  std::int64_t receipted() const;
  std::size_t unreceipted() const;
  std::int64_t resent() const { return resent_; }
  std::int64_t restored() const { return restored_; }

 private:
  struct Pending {
    std::string topic, payload;
    Clock::time_point sent_at;
  };

  void on_receipt(std::string_view payload);
  void keep_and_send(std::string topic, std::string payload);
  void send(std::uint64_t sequence, Pending& pending);
  void wait_for_broker_room();
  // Applies the receipts that came, resends what is overdue, and commits the
  // outbox when its group is full (or `sync`).
  void settle(bool sync);
  void sync_outbox();
  void wait_for_receipts(std::chrono::milliseconds timeout);

  mq::Client& client_;
  EventOutbox& outbox_;
  ReceiptedOptions options_;
  std::string receipt_topic_;
  std::map<std::uint64_t, Pending> pending_;  // the publishing thread's
  std::deque<mq::DeliveryPtr> unacknowledged_;  // the same
  std::size_t unsynced_ = 0;
  Clock::time_point start_, next_resend_scan_, last_sync_;
  std::int64_t published_ = 0, resent_ = 0, restored_ = 0;

  mutable std::mutex mutex_;  // what Paho's thread hands over
  std::condition_variable receipt_arrived_;
  std::vector<std::uint64_t> receipts_;
  bool reconnected_ = false;
  int connections_ = 0;
  std::int64_t receipted_ = 0;
  std::size_t unreceipted_ = 0;
};

}  // namespace edgeml::ingest
