// Sends prediction requests over MQTT 5 and waits for their replies: each
// request carries a Response Topic (response_topic(client id), ours alone) and
// its sequence number as Correlation Data, which the server returns with the
// reply. At most `concurrency` requests are in flight, sent no faster than
// `rate`; one unanswered for `timeout` is re-sent, as it was, up to `retries`
// times (see in_flight_table.h), then given up as a timeout, so a run ends in
// bounded time whether or not anything answers.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "mqtt/client.h"
#include "client/in_flight_table.h"
#include "client/request_result.h"

namespace edgeml::client {

struct RequestClientOptions {
  // Connected as MQTT 5 with a clean session whatever is set here; an empty
  // client id becomes a unique one.
  mq::ClientOptions client;
  // QoS 0, as the server takes requests: at QoS 1 over MQTT 5, Paho C 1.3.12
  // stalls for about a second whenever more than the broker's Receive Maximum
  // (20 in mosquitto) of our publishes wait for acknowledgement.
  int qos = 0;
  int concurrency = 1;  // requests in flight at most
  double rate = 0;      // requests per second at most; 0: as fast as concurrency allows
  std::chrono::milliseconds timeout{5000};
  // Re-sends of a request unanswered for `timeout`. A re-send holds its
  // request's slot in `concurrency` and is paced by `rate` like any send.
  int retries = 2;
};

class RequestClient {
 public:
  // Gives the next request, or false when there are no more.
  using Source = std::function<bool(Request& request)>;
  // Called on run()'s thread for each request as it ends, in the order they end.
  using ResultHandler = std::function<void(const RequestResult& result)>;

  // Throws Error on options out of range or a client id unusable in a topic.
  explicit RequestClient(RequestClientOptions options);

  // Connects and subscribes to our response topic before anything is sent.
  // Throws Error when the broker cannot be reached or refuses either.
  void connect();

  // Sends all `next` gives (until `stop` is set) and returns once each has
  // been answered or has timed out.
  RequestTotals run(const Source& next, const ResultHandler& on_result, const std::atomic<bool>* stop = nullptr);

  const std::string& client_id() const { return options_.client.connection.client_id; }
  const std::string& response_topic() const { return response_topic_; }

 private:
  using Clock = std::chrono::steady_clock;
  struct Arrival {
    InFlightTable::Ended sent;
    Clock::time_point at;
    std::string payload;
  };
  class Run;

  void on_reply(const mq::Message& message);

  RequestClientOptions options_;
  std::string response_topic_;

  // Shared with Paho's receive thread.
  std::mutex mutex_;
  std::condition_variable arrived_cv_;
  InFlightTable in_flight_;
  std::vector<Arrival> arrived_;
  std::uint64_t next_sequence_ = 1;

  // Last, so it disconnects before the state its handler uses is gone.
  std::unique_ptr<mq::Client> client_;
};

}  // namespace edgeml::client
