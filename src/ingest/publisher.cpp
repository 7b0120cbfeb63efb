#include "ingest/publisher.h"

#include <thread>

#include <spdlog/spdlog.h>

#include "core/error.h"

namespace edgeml::ingest {

namespace {
// Waits on acknowledgements are sliced so a stuck client is noticed quickly.
constexpr std::chrono::milliseconds kWaitSlice{500};
constexpr int kMaxAttempts = 10;
}  // namespace

Publisher::Publisher(mq::Client& client, PublishOptions options)
    : client_(client), options_(options), start_(std::chrono::steady_clock::now()) {
  if (options_.qos < 0 || options_.qos > 2) throw Error("QoS must be 0, 1 or 2");
  if (options_.window == 0) options_.window = 1;
}

void Publisher::recover_if_stuck() {
  if (!client_.recover_if_stuck()) return;
  // Everything unacknowledged goes again: at least once, and the collector
  // stores each event once.
  for (InFlight& m : window_) m.delivery = client_.publish(m.topic, m.payload, options_.qos);
  ++recoveries_;
}

// A failed publish has ended too: retire_completed() deals with it.
bool Publisher::wait_oldest(std::chrono::milliseconds timeout) {
  mq::Delivery& oldest = *window_.front().delivery;
  return oldest.wait_for(timeout) || oldest.done();
}

// Paho fails a publish it could not send (a lost connection at the wrong
// moment): it goes again, a bounded number of times, instead of counting as sent.
void Publisher::retry_front() {
  InFlight& m = window_.front();
  if (++m.attempts > kMaxAttempts) {
    spdlog::error("giving up on a message to '{}' after {} attempts", m.topic, kMaxAttempts);
    window_.pop_front();
    ++failed_;
    ++acknowledged_;
    return;
  }
  spdlog::warn("a message to '{}' was not delivered; publishing it again", m.topic);
  m.delivery = client_.publish(m.topic, m.payload, options_.qos);
}

void Publisher::retire_completed(bool wait_for_oldest) {
  if (wait_for_oldest && !window_.empty()) {
    // Bounded waits so a long outage shows up in the log instead of a silent hang.
    auto started = std::chrono::steady_clock::now();
    auto next_report = started + std::chrono::seconds(5);
    while (!wait_oldest(kWaitSlice)) {
      recover_if_stuck();
      auto now = std::chrono::steady_clock::now();
      if (now >= next_report) {
        spdlog::warn("waiting {:.0f} s for the broker to acknowledge; {} messages queued",
                     std::chrono::duration<double>(now - started).count(), in_flight());
        next_report += std::chrono::seconds(5);
      }
    }
  }
  while (!window_.empty() && window_.front().delivery->done()) {
    if (window_.front().delivery->failed()) {
      retry_front();
      continue;
    }
    window_.pop_front();
    ++acknowledged_;
  }
}

void Publisher::send(std::string topic, std::string payload) {
  recover_if_stuck();
  retire_completed(false);
  while (window_.size() >= options_.window) retire_completed(true);
  auto delivery = client_.publish(topic, payload, options_.qos);
  window_.push_back(InFlight{std::move(delivery), std::move(topic), std::move(payload)});
  ++published_;
}

std::string payload_as_sent(const AlarmEvent& event, bool live) {
  if (!live) return format_payload(event);
  AlarmEvent now = event;
  now.event_time = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  return format_payload(now);
}

void Publisher::publish(const AlarmEvent& event) {
  if (options_.interval.count() > 0 && published_ > 0) {
    auto offset = options_.interval * static_cast<double>(published_.load());
    std::this_thread::sleep_until(start_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(offset));
  } else if (published_ == 0) {
    start_ = std::chrono::steady_clock::now();
  }
  send(alarm_topic(event.series), payload_as_sent(event, options_.live));
}

bool Publisher::drain(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!window_.empty()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left <= std::chrono::milliseconds::zero()) return false;
    if (wait_oldest(std::min(left, kWaitSlice))) retire_completed(false);
    else recover_if_stuck();
  }
  // Messages a killed run left in the outbox have no Delivery of ours.
  while (client_.pending() > 0) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

bool Publisher::finish(std::chrono::milliseconds timeout) {
  // Only once the broker has every event: a message resent after a reconnect
  // must not arrive after the finish, or a collector stopping there misses it.
  auto deadline = std::chrono::steady_clock::now() + timeout;
  if (!drain(timeout)) return false;
  send(std::string(kFinishTopic), std::string(kFinishPayload));
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return drain(std::max(left, std::chrono::milliseconds(1000)));
}

}  // namespace edgeml::ingest
