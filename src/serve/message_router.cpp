#include "serve/message_router.h"

#include <chrono>

#include <spdlog/spdlog.h>

#include "core/error.h"
#include "protocol/alarm_event.h"
#include "protocol/reply.h"
#include "protocol/request.h"
#include "protocol/topic_filter.h"
#include "protocol/topics.h"
#include "serve/monitoring.h"
#include "serve/series_histories.h"

namespace edgeml::serve {

namespace {

using namespace std::chrono_literals;

constexpr auto kQueueWait = 1000ms;  // the longest a receiving thread waits for room
// With peers to hand a request to, a full queue is not waited on: the
// receiving thread that waits holds back every request behind this one.
constexpr auto kHandOffWait = 0ms;

}  // namespace

MessageKind classify_message(std::string_view topic) {
  if (is_deploy_topic(topic)) return MessageKind::deployment;
  if (is_alarm_topic(topic)) return topic == kFinishTopic ? MessageKind::control : MessageKind::sensor_event;
  if (is_request_topic(topic)) return MessageKind::request;
  return MessageKind::control;
}

MessageRouter::MessageRouter(Destinations destinations, std::string node, std::size_t max_package_bytes,
                             ServerCounters& counts, const std::atomic<bool>& stopping)
    : to_(destinations), node_(std::move(node)), max_package_bytes_(max_package_bytes), counts_(counts),
      stopping_(stopping) {}

void MessageRouter::route(const mq::Message& m) {
  switch (classify_message(m.topic)) {
    case MessageKind::request: return take_request(m, false);
    case MessageKind::sensor_event:
      if (to_.histories) to_.histories->observe(m.topic, m.payload);
      if (to_.monitoring) to_.monitoring->observe_event(m.topic, m.payload);
      return;
    case MessageKind::deployment: return take_deployment(m);
    case MessageKind::control:
      if (!handoff_prefix_.empty() && m.topic.starts_with(handoff_prefix_)) {
        mq::Message original = m;
        original.topic = m.topic.substr(handoff_prefix_.size());
        if (is_request_topic(original.topic)) take_request(original, true);
      }
      return;
  }
}

void MessageRouter::take_request(const mq::Message& m, bool handed_over) {
  for (const std::string& filter : others_)
    if (topic_matches(filter, m.topic)) return;
  ++counts_.requests;
  auto fill = [&](RequestJob& job) {
    job.topic.assign(m.topic);
    job.payload.assign(m.payload);
    job.response_topic.assign(m.response_topic);
    job.correlation_data.assign(m.correlation_data);
    job.received = std::chrono::steady_clock::now();
  };
  const bool may_hand_off = !handed_over && !handoff_prefix_.empty();
  bool queued = to_.requests.push_with(fill, may_hand_off ? kHandOffWait : kQueueWait);
  if (!queued && may_hand_off && !stopping_) {
    if (hand_off(m)) return;
    queued = to_.requests.push_with(fill, kQueueWait);
  }
  if (queued || stopping_) return;
  const std::uint64_t n = ++counts_.overloaded;
  if (n == 1 || n % 1000 == 0) spdlog::warn("{} request(s) refused: the queue stayed full for {} ms", n, kQueueWait.count());
  refuse_overloaded(m);
}

// The request, its Response Topic and Correlation Data as they came, under
// the hand-off prefix: a peer answers it as if it had come to it.
bool MessageRouter::hand_off(const mq::Message& m) {
  try {
    std::string topic = handoff_prefix_ + std::string(m.topic);
    if (m.response_topic.empty())
      client_->publish(topic, m.payload, 0);
    else
      client_->publish_request(topic, m.payload, 0, m.response_topic, m.correlation_data);
  } catch (const Error& e) {
    spdlog::debug("request not handed off: {}", e.what());
    return false;
  }
  const std::uint64_t n = ++counts_.handed_off;
  if (n == 1 || n % 1000 == 0) spdlog::info("{} request(s) handed to the other replicas: the queue was full", n);
  return true;
}

void MessageRouter::refuse_overloaded(const mq::Message& m) {
  const RequestJob refused{std::string(m.topic), {}, m.response_topic, m.correlation_data, {}};
  to_.replies.publish(refused, error_reply("server overloaded: try again later", m.topic, m.payload, node_), nullptr);
}

void MessageRouter::take_deployment(const mq::Message& m) {
  auto copy = [&](DeploymentJob& d) {
    d.topic.assign(m.topic);
    const bool fits = m.payload.size() <= max_package_bytes_;
    d.payload.assign(fits ? m.payload : std::string_view());
    d.refused_size = fits ? 0 : m.payload.size();
  };
  if (!to_.deployments.push_with(copy, kQueueWait) && !stopping_)
    spdlog::error("deployment on {} dropped: {} others are still being installed", m.topic, to_.deployments.capacity());
}

}  // namespace edgeml::serve
