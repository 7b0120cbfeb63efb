#include "serve/reply_publisher.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/error.h"
#include "protocol/reply.h"
#include "protocol/request.h"
#include "protocol/topic_filter.h"
#include "protocol/topics.h"

namespace edgeml::serve {

namespace {

// Replies go out at QoS 0, as the tutorial's did: a reply is worth nothing
// late, and a requester that misses one asks again. QoS 1 replies over
// MQTT 5 also stall in Paho C 1.3.12 once the broker's Receive Maximum (20 in
// mosquitto) of them wait for acknowledgement under load.
constexpr int kReplyQos = 0;


}  // namespace

ReplyPublisher::ReplyPublisher(mq::Client& client, std::string response_filter, std::atomic<std::uint64_t>& refused)
    : client_(client), response_filter_(std::move(response_filter)), refused_(refused) {}

void ReplyPublisher::publish(const RequestJob& job, const std::string& reply, const SeriesId* series) {
  try {
    if (job.response_topic.empty()) {
      client_.publish(series ? reply_topic(*series) : reply_topic_for(job.topic), reply, kReplyQos, false,
                      job.correlation_data);
    } else if (is_publishable_topic(job.response_topic) && topic_matches(response_filter_, job.response_topic)) {
      client_.publish(job.response_topic, reply, kReplyQos, false, job.correlation_data);
    } else {
      // One read of the count: refusals come from the receiving thread (overload) and the worker.
      const std::uint64_t refused = ++refused_;
      if (refused == 1 || refused % 1000 == 0)
        spdlog::warn("{} reply(s) not sent: the Response Topic '{}' is not under --response-filter '{}' or has "
                     "wildcards", refused, job.response_topic.substr(0, 128), response_filter_);
    }
  } catch (const Error& e) {
    spdlog::warn("reply not sent: {}", e.what());
  }
}

}  // namespace edgeml::serve
