#include "mqtt/client.h"

#include <cstdint>
#include <mutex>
#include <shared_mutex>

#include <fmt/format.h>
#include <mqtt/async_client.h>
#include <spdlog/spdlog.h>

#include "core/error.h"
#include "mqtt/net.h"
#include "mqtt/paho_connect.h"
#include "mqtt/paho_delivery.h"
#include "mqtt/paho_outbox.h"

namespace edgeml::mq {

namespace {

std::string first_topic(const ::mqtt::token& token) {
  auto topics = token.get_topics();
  return topics && topics->size() > 0 ? (*topics)[0] : std::string("?");
}

// Logs each subscription's outcome; the broker may refuse one (ACL).
class SubscriptionLog : public ::mqtt::iaction_listener {
  void on_success(const ::mqtt::token& token) override { spdlog::debug("subscribed to {}", first_topic(token)); }
  // Refused by the broker (an ACL), or cut short by a lost connection (it is
  // made again on reconnect).
  void on_failure(const ::mqtt::token& token) override {
    spdlog::warn("the subscription to {} failed (reason code {})", first_topic(token), token.get_reason_code());
  }
};

::mqtt::subscribe_options paho_options(const SubscriptionOptions& o) {
  return ::mqtt::subscribe_options(o.no_local, o.retain_as_published,
                                   o.send_retained ? ::mqtt::subscribe_options::SEND_RETAINED_ON_SUBSCRIBE
                                                   : ::mqtt::subscribe_options::DONT_SEND_RETAINED);
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

::mqtt::message_ptr make_message(const std::string& topic, std::string_view payload, int qos, bool retained,
                                 ::mqtt::properties properties) {
  auto message = ::mqtt::make_message(topic, payload.data(), payload.size(), qos, retained);
  message->set_properties(std::move(properties));
  return message;
}

template <typename Publish>
DeliveryPtr delivery_of(const std::string& topic, Publish&& publish) {
  try {
    return paho_delivery(publish());
  } catch (const ::mqtt::exception& e) {
    throw Error(fmt::format("cannot publish to '{}': {}", topic, e.what()));
  }
}

}  // namespace

struct Client::Paho {
  SubscriptionLog subscription_log;         // outlives the subscriptions client makes
  std::unique_ptr<PahoOutbox> outbox;       // outlives client
  std::unique_ptr<::mqtt::async_client> client;
  ::mqtt::connect_options connect;
};

Client::Client(ClientOptions options) : options_(std::move(options)) { paho_ = make_paho(); }

std::filesystem::path Client::outbox_dir() const {
  return options_.persist_dir / options_.connection.client_id;
}

std::unique_ptr<Client::Paho> Client::make_paho() {
  auto paho = std::make_unique<Paho>();
  if (!options_.persist_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(outbox_dir(), ec);
    if (ec) throw Error(fmt::format("cannot create persistence directory '{}': {}", outbox_dir().string(), ec.message()));
    paho->outbox = std::make_unique<PahoOutbox>(outbox_dir() / "outbox.db");
  }
  paho->client = make_paho_client(options_, paho->outbox.get());
  set_connect_options(paho->connect, options_);
  // Each Paho client's callbacks use that client: during replace_paho() the old
  // one may still call back while paho_ is already the new one.
  Paho* self = paho.get();
  paho->client->set_connected_handler([this, self](const std::string&) { on_connected(*self); });
  paho->client->set_connection_lost_handler([this](const std::string& cause) { on_connection_lost(cause); });
  if (handler_) install_message_callback(*paho);
  return paho;
}

void Client::on_connection_lost(const std::string& cause) {
  // Two drops in a row right after connecting mark the client stuck (see
  // recover_if_stuck()).
  if (now_ms() - connected_at_ms_ < 3000 && connected_at_ms_ > 0) ++quick_losses_;
  else quick_losses_ = 0;
  spdlog::warn("lost the connection to the MQTT broker at {}{}; reconnecting", options_.connection.uri(),
               cause.empty() ? "" : " (" + cause + ")");
}

std::size_t Client::pending() const {
  std::shared_lock lock(paho_mutex_);
  return paho_ ? paho_->client->get_pending_delivery_tokens().size() : 0;
}

// The outbox holds the corrupted message too (Paho persists what it resends),
// so a fresh client must not restore it. It is moved aside, not deleted: it
// may also hold an earlier run's messages that only it still has.
void Client::quarantine_outbox() {
  if (options_.persist_dir.empty()) return;
  std::filesystem::path aside = outbox_dir();
  aside += fmt::format(".quarantine-{}", std::chrono::system_clock::now().time_since_epoch().count());
  std::error_code ec;
  std::filesystem::rename(outbox_dir(), aside, ec);
  if (ec) spdlog::error("cannot move the outbox {} aside: {}", outbox_dir().string(), ec.message());
  else spdlog::warn("moved the outbox aside to {}; the messages in flight are published again", aside.string());
}

// Publishes from other threads meanwhile fail with Error, as they do while
// the broker is away without an outbox; the old client is destroyed outside
// the lock, since its callbacks may be waiting for it.
void Client::replace_paho() {
  spdlog::warn("the broker at {} keeps dropping {} right after it connects; starting a fresh client",
               options_.connection.uri(), options_.connection.client_id);
  std::unique_ptr<Paho> old;
  {
    std::unique_lock lock(paho_mutex_);
    old = std::move(paho_);
  }
  try {
    if (old) old->client->disconnect(0)->wait_for(std::chrono::seconds(1));
  } catch (const ::mqtt::exception&) {
  }
  old.reset();
  quarantine_outbox();
  quick_losses_ = 0;
  connected_at_ms_ = 0;
  std::unique_ptr<Paho> fresh = make_paho();
  std::unique_lock lock(paho_mutex_);
  paho_ = std::move(fresh);
}

bool Client::recover_if_stuck() {
  if (quick_losses_ >= 2) recovery_ = Recovery::replace;
  if (recovery_ == Recovery::none) return false;
  const bool replacing = recovery_ == Recovery::replace;
  try {
    if (replacing) {
      replace_paho();
      recovery_ = Recovery::connect;
    }
    connect();
    recovery_ = Recovery::none;
  } catch (const Error& e) {
    spdlog::warn("{}; trying again", e.what());
  }
  return replacing && recovery_ != Recovery::replace;
}

Client::~Client() {
  try {
    disconnect(std::chrono::seconds(2));
  } catch (...) {
  }
}

void Client::close_and_discard_outbox() {
  if (pending() > 0) return;
  disconnect();
  {
    std::unique_lock lock(paho_mutex_);
    if (!paho_) return;
    paho_.reset();
  }
  if (!options_.persist_dir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(outbox_dir(), ec);
  }
}

void Client::set_message_handler(MessageHandler handler) {
  set_message_handler([handler = std::move(handler)](const Message& m) { handler(m.topic, m.payload); });
}

void Client::set_message_handler(FullMessageHandler handler) {
  handler_ = std::move(handler);
  std::shared_lock lock(paho_mutex_);
  if (paho_) install_message_callback(*paho_);
}

void Client::install_message_callback(Paho& paho) {
  paho.client->set_message_callback([this](::mqtt::const_message_ptr msg) {
    Message m;
    m.topic = msg->get_topic_ref().str();
    m.payload = msg->get_payload_ref().str();
    m.qos = msg->get_qos();
    m.retained = msg->is_retained();
    const ::mqtt::properties& props = msg->get_properties();
    if (props.contains(::mqtt::property::RESPONSE_TOPIC))
      m.response_topic = ::mqtt::get<std::string>(props, ::mqtt::property::RESPONSE_TOPIC);
    if (props.contains(::mqtt::property::CORRELATION_DATA))
      m.correlation_data = ::mqtt::get<std::string>(props, ::mqtt::property::CORRELATION_DATA);
    handler_(m);
  });
}

void Client::set_connected_handler(std::function<void()> handler) { connected_handler_ = std::move(handler); }

void Client::add_subscription(std::string filter, int qos, SubscriptionOptions subscription) {
  if (!subscription.is_default() && options_.mqtt_version < 5)
    throw Error(fmt::format("cannot subscribe to '{}' at {} with MQTT 5 subscription options over MQTT 3.1.1", filter,
                            options_.connection.uri()));
  subscriptions_.push_back({std::move(filter), qos, subscription});
}

void Client::on_connected(Paho& paho) {
  connected_at_ms_ = now_ms();
  spdlog::debug("connected to {} as {}", options_.connection.uri(), options_.connection.client_id);
  // Paho gives no access to its socket; the connection is the one to the broker's port.
  if (options_.tcp_nodelay) disable_nagle_to_port(options_.connection.port);
  // Runs on Paho's thread: start the subscriptions, never wait on them here.
  for (const auto& s : subscriptions_) {
    try {
      paho.client->subscribe(s.filter, s.qos, nullptr, paho.subscription_log, paho_options(s.options));
    } catch (const ::mqtt::exception& e) {
      spdlog::error("cannot subscribe to '{}': {}", s.filter, e.what());
    }
  }
  if (connected_handler_) connected_handler_();
}

template <typename Call>
auto Client::with_paho(const char* what, Call&& call) const {
  std::shared_lock lock(paho_mutex_);
  if (!paho_)
    throw Error(fmt::format("cannot {} at {}: the client is closed or starting over", what, options_.connection.uri()));
  return call(*paho_);
}

void Client::connect() {
  with_paho("connect", [&](Paho& p) { connect_with_retry(*p.client, p.connect, options_); });
}

void Client::disconnect(std::chrono::milliseconds timeout) {
  std::shared_lock lock(paho_mutex_);
  if (!paho_ || !paho_->client->is_connected()) return;
  try {
    paho_->client->disconnect(static_cast<int>(timeout.count()))->wait_for(timeout + std::chrono::seconds(1));
  } catch (const ::mqtt::exception& e) {
    spdlog::debug("disconnect from {}: {}", options_.connection.uri(), e.what());
  }
}

bool Client::connected() const {
  std::shared_lock lock(paho_mutex_);
  return paho_ && paho_->client->is_connected();
}

void Client::subscribe(const std::string& filter, int qos, std::chrono::milliseconds timeout,
                       SubscriptionOptions subscription) {
  const std::string uri = options_.connection.uri();
  try {
    auto token = with_paho("subscribe", [&](Paho& p) {
      return p.client->subscribe(filter, qos, paho_options(subscription));
    });
    if (!token->wait_for(timeout))
      throw Error(fmt::format("the MQTT broker at {} did not confirm the subscription to {}", uri, filter));
    ::mqtt::subscribe_response granted = token->get_subscribe_response();
    for (auto code : granted.get_reason_codes())
      if (code >= 0x80)
        throw Error(fmt::format("the MQTT broker at {} refused the subscription to {}: {}", uri, filter,
                                ::mqtt::exception::reason_code_str(code)));
  } catch (const ::mqtt::exception& e) {
    throw Error(fmt::format("cannot subscribe to {} at {}: {}", filter, uri, e.what()));
  }
}

DeliveryPtr Client::publish(const std::string& topic, std::string_view payload, int qos, bool retained) {
  return delivery_of(topic, [&] {
    return with_paho("publish", [&](Paho& p) {
      return p.client->publish(topic, payload.data(), payload.size(), qos, retained);
    });
  });
}

DeliveryPtr Client::publish(const std::string& topic, std::string_view payload, int qos, bool retained,
                            std::string_view correlation_data) {
  if (correlation_data.empty() || options_.mqtt_version < 5) return publish(topic, payload, qos, retained);
  auto message = make_message(topic, payload, qos, retained,
                              {{::mqtt::property::CORRELATION_DATA, std::string(correlation_data)}});
  return delivery_of(topic, [&] {
    return with_paho("publish", [&](Paho& p) { return p.client->publish(message); });
  });
}

DeliveryPtr Client::publish_request(const std::string& topic, std::string_view payload, int qos,
                                    const std::string& response_topic, std::string_view correlation_data) {
  if (options_.mqtt_version < 5)
    throw Error(fmt::format("cannot send a request to '{}': a Response Topic needs MQTT 5", topic));
  auto message = make_message(topic, payload, qos, false,
                              {{::mqtt::property::RESPONSE_TOPIC, response_topic},
                               {::mqtt::property::CORRELATION_DATA, std::string(correlation_data)}});
  return delivery_of(topic, [&] {
    return with_paho("publish", [&](Paho& p) { return p.client->publish(message); });
  });
}

}  // namespace edgeml::mq
