// A conversation with a served node for the monitoring tests: requests to
// one series, the sensor events that tell their truth, and the stats that
// follow.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "protocol/alarm_event.h"
#include "served_models.h"

namespace edgeml::test {

inline const std::string kSeries = "1160629000/121/308";

// The last stats message once `done` holds for it.
inline nlohmann::json stats_when(const MessageInbox& stats, const std::function<bool(const nlohmann::json&)>& done) {
  nlohmann::json last;
  bool reached = wait_until(
      [&] {
        auto messages = stats.messages();
        if (messages.empty()) return false;
        last = nlohmann::json::parse(messages.back().payload);
        return done(last);
      },
      kWait);
  EXPECT_TRUE(reached) << last.dump();
  return last;
}

// A requester and a sensor on the served broker, and the replies to the requests.
class Conversation {
 public:
  explicit Conversation(ServedModels& served)
      : listener_(receiving_client(served.client("listener"), replies_, "predict/" + kSeries)),
        requester_(served.client("requester")),
        sensor_(served.client("sensor")) {
    requester_.connect();
    sensor_.connect();
  }

  // Sends `requests` CSV payloads to the series and waits for every reply.
  void ask(const std::vector<std::string>& requests) {
    replies_.clear();
    for (const std::string& r : requests) requester_.publish("request/" + kSeries, r, 1);
    ASSERT_TRUE(replies_.wait_for(requests.size(), kWait)) << replies_.size() << " replies";
  }

  void tell(const std::vector<AlarmEvent>& events) {
    for (const AlarmEvent& e : events) sensor_.publish(alarm_topic(e.series), format_payload(e), 1);
  }

  // Asks for indexes first.. first+count-1, then tells each one's truth:
  // `error` label units (of 60 s, write_sample_directory()'s scale) after
  // `model`'s prediction.
  void ask_then_tell(int first, int count, const std::string& model, double error) {
    std::vector<std::string> requests;
    for (int i = first; i < first + count; ++i) requests.push_back(std::to_string(i) + "," + std::to_string(2 * i) + ",3");
    ask(requests);
    std::vector<AlarmEvent> truths;
    for (const auto& reply : replies_.messages()) {
      nlohmann::json r = nlohmann::json::parse(reply.payload);
      AlarmEvent e;
      ASSERT_TRUE(parse_series_path(kSeries, e.series));
      e.index = r["request"]["index"];
      e.value = r["request"]["value"];
      e.threshold = r["request"]["valueThreshold"];
      e.event_time = r["predictions"][model]["event_time"].get<double>() + 60 * error;
      truths.push_back(e);
    }
    tell(truths);
  }

  const MessageInbox& replies() const { return replies_; }

 private:
  MessageInbox replies_;
  std::unique_ptr<mq::Client> listener_;
  mq::Client requester_, sensor_;
};

}  // namespace edgeml::test
