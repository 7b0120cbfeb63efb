// Sends a request's reply, once: to its MQTT 5 Response Topic (with its
// Correlation Data) when it has one that --response-filter allows, else to
// the reply topic the wire protocol gives for the request.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "mqtt/client.h"
#include "protocol/alarm_event.h"
#include "serve/jobs.h"

namespace edgeml::serve {

class ReplyPublisher {
 public:
  // `refused` counts replies whose Response Topic was not allowed.
  ReplyPublisher(mq::Client& client, std::string response_filter, std::atomic<std::uint64_t>& refused);

  // `series`: the request's, when it was read; else the reply topic is made
  // from the request's topic. Never throws: a reply that cannot go is logged.
  void publish(const RequestJob& job, const std::string& reply, const SeriesId* series);

 private:
  mq::Client& client_;
  const std::string response_filter_;
  std::atomic<std::uint64_t>& refused_;
};

}  // namespace edgeml::serve
