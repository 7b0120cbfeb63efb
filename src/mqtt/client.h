// An MQTT client (over Paho's async client, which callers never see): connects
// with retries and backoff, reconnects by itself, re-subscribes after every
// reconnect, and keeps QoS>0 publishes (bounded, optionally on disk) while the
// broker is away. Failures are thrown as Error, saying what failed and where.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "mqtt/client_options.h"
#include "mqtt/delivery.h"

namespace edgeml::mq {

// An incoming message as a handler sees it; the views live for the call only.
struct Message {
  std::string_view topic, payload;
  int qos = 0;
  // MQTT 5 request/response: where the sender wants its answer, and the bytes
  // to return with it (both empty when the request has none).
  std::string response_topic, correlation_data;
  // Set on a retained message sent at subscribe time; on a live delivery only
  // when the subscription asked for retain_as_published (MQTT 5).
  bool retained = false;
};

// MQTT 5 subscription options; the defaults are MQTT 3.1.1's behaviour.
struct SubscriptionOptions {
  bool no_local = false;             // the broker does not send us our own publishes
  bool retain_as_published = false;  // live deliveries keep the publisher's retain flag
  bool send_retained = true;         // false: no retained messages at subscribe time

  bool is_default() const { return !no_local && !retain_as_published && send_retained; }
};

class Client {
 public:
  // Runs on Paho's receive thread. Paho C acknowledges a QoS 1 message (PUBACK,
  // and PUBCOMP for QoS 2) before it calls the handler, so a crash inside the
  // handler loses the message as far as the broker knows; a handler blocking
  // only stops Paho reading further messages. Store receipts (ingest/receipt.h)
  // make delivery end to end instead.
  using MessageHandler = std::function<void(std::string_view topic, std::string_view payload)>;

  explicit Client(ClientOptions options);
  ~Client();  // disconnects, keeping the session if clean_session is false
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  using FullMessageHandler = std::function<void(const Message& message)>;

  // Call one of them before connect().
  void set_message_handler(MessageHandler handler);
  void set_message_handler(FullMessageHandler handler);
  // Called on Paho's thread after every (re)connect, after the subscriptions
  // are sent; keep it short. Call before connect().
  void set_connected_handler(std::function<void()> handler);
  // Subscribed at every (re)connect. Throws Error when `subscription` asks
  // for MQTT 5 options and the client speaks MQTT 3.1.1.
  void add_subscription(std::string filter, int qos, SubscriptionOptions subscription = {});

  // Blocks until connected, retrying with backoff for connect_timeout.
  // Throws Error saying why the broker could not be reached or refused us.
  void connect();
  void disconnect(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  bool connected() const;

  // Queues a publish, followed by the Delivery. Throws Error when the buffer
  // of publishes held while disconnected is full.
  DeliveryPtr publish(const std::string& topic, std::string_view payload, int qos, bool retained = false);

  // The same with MQTT 5's Correlation Data (sent only when not empty and
  // the client speaks MQTT 5): the answer to a request that carried it.
  DeliveryPtr publish(const std::string& topic, std::string_view payload, int qos, bool retained,
                      std::string_view correlation_data);

  // An MQTT 5 request: asks for the answer on `response_topic`, returned with
  // `correlation_data`. Throws Error unless the client speaks MQTT 5.
  DeliveryPtr publish_request(const std::string& topic, std::string_view payload, int qos,
                              const std::string& response_topic, std::string_view correlation_data);

  // Subscribes now and waits up to `timeout` for the broker to grant it.
  // Throws Error when it does not answer in time or refuses. Not repeated
  // after a reconnect: add_subscription() is. Not for a handler to call.
  void subscribe(const std::string& filter, int qos, std::chrono::milliseconds timeout,
                 SubscriptionOptions subscription = {});

  // Publishes Paho still has to complete, including those restored from the
  // outbox of an earlier run with the same client id.
  std::size_t pending() const;

  // Disconnects and deletes the on-disk outbox, once nothing is pending: a
  // finished run leaves nothing behind. The client cannot be used afterwards.
  void close_and_discard_outbox();

  // Paho 1.3.12 can corrupt a publish half written when the connection broke
  // and resend it after every reconnect, so the broker drops us each time.
  // When that is seen (two drops right after connecting), starts over with a
  // fresh Paho client under the same client id (the broker keeps the session)
  // and a new outbox (the old one is moved aside), and connects; true then,
  // and the messages in flight are the caller's to publish again (a few may
  // arrive twice). Never throws: a connect that fails is tried again at the
  // next call. Call it from one thread, not from a handler; publishes from
  // other threads meanwhile fail with Error.
  bool recover_if_stuck();

  const ClientOptions& options() const { return options_; }

 private:
  struct Paho;  // Paho's client and what it is made with (client.cpp)

  std::unique_ptr<Paho> make_paho();
  void replace_paho();
  void install_message_callback(Paho& paho);
  void on_connected(Paho& paho);
  void on_connection_lost(const std::string& cause);
  template <typename Call>
  auto with_paho(const char* what, Call&& call) const;  // call(Paho&), shared-locked; Error when there is none
  std::filesystem::path outbox_dir() const;
  void quarantine_outbox();

  ClientOptions options_;
  mutable std::shared_mutex paho_mutex_;  // guards paho_ being replaced, not Paho itself
  std::unique_ptr<Paho> paho_;            // null once closed
  FullMessageHandler handler_;
  std::function<void()> connected_handler_;
  struct Subscription {
    std::string filter;
    int qos;
    SubscriptionOptions options;
  };
  std::vector<Subscription> subscriptions_;
  std::atomic<std::int64_t> connected_at_ms_{0};
  std::atomic<int> quick_losses_{0};
  // What recover_if_stuck() has still to do, when a step of it failed.
  enum class Recovery { none, replace, connect } recovery_ = Recovery::none;
};

}  // namespace edgeml::mq
