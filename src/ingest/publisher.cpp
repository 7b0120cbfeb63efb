#include "ingest/publisher.h"

#include <thread>

#include <spdlog/spdlog.h>

#include "core/error.h"

namespace edgeml::ingest {

Publisher::Publisher(mqtt::Client& client, PublishOptions options)
    : client_(client), options_(options), start_(std::chrono::steady_clock::now()) {
  if (options_.qos < 0 || options_.qos > 2) throw Error("QoS must be 0, 1 or 2");
  if (options_.window == 0) options_.window = 1;
}

bool Publisher::wait_oldest(std::chrono::milliseconds timeout) {
  try {
    return window_.front()->wait_for(timeout);
  } catch (const ::mqtt::exception& e) {
    // Paho gave up on this message (it only does so when the session is lost).
    spdlog::error("a message was not delivered: {}", e.what());
    window_.pop_front();
    ++failed_;
    ++acknowledged_;
    return true;
  }
}

void Publisher::retire_completed(bool wait_for_oldest) {
  if (wait_for_oldest && !window_.empty()) {
    // Bounded waits so a long outage shows up in the log instead of a silent hang.
    auto started = std::chrono::steady_clock::now();
    while (!wait_oldest(std::chrono::seconds(5))) {
      auto waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      spdlog::warn("waiting {:.0f} s for the broker to acknowledge; {} messages queued", waited, in_flight());
    }
  }
  while (!window_.empty() && window_.front()->is_complete()) {
    window_.pop_front();
    ++acknowledged_;
  }
}

void Publisher::send(const std::string& topic, const std::string& payload) {
  retire_completed(false);
  while (window_.size() >= options_.window) retire_completed(true);
  window_.push_back(client_.publish(topic, payload, options_.qos));
  ++published_;
}

void Publisher::publish(const AlarmEvent& event) {
  if (options_.interval.count() > 0 && published_ > 0) {
    auto due = start_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(options_.interval * static_cast<double>(published_.load()));
    std::this_thread::sleep_until(due);
  } else if (published_ == 0) {
    start_ = std::chrono::steady_clock::now();
  }
  send(alarm_topic(event.series), format_payload(event));
}

bool Publisher::drain(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!window_.empty()) {
    auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) return false;
    if (wait_oldest(std::chrono::duration_cast<std::chrono::milliseconds>(left))) retire_completed(false);
  }
  return true;
}

bool Publisher::finish(std::chrono::milliseconds timeout) {
  send(std::string(kFinishTopic), std::string(kFinishPayload));
  return drain(timeout);
}

}  // namespace edgeml::ingest
