#include "mqtt/client.h"

#include <cstdint>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/error.h"
#include "mqtt/net.h"
#include "mqtt/sqlite_outbox.h"

namespace edgeml::mq {

namespace {

// CONNACK return codes 1..5 (MQTT 3.1.1) and v5 reason codes >= 0x80 mean the
// broker answered and said no: retrying will not help. Paho's own errors are
// negative. For a v5 CONNACK Paho puts the reason code in the return code and
// leaves the reason code at 0, so both have to be looked at.
int refusal_code(const ::mqtt::exception& e) {
  for (int rc : {e.get_return_code(), e.get_reason_code()})
    if ((rc >= 1 && rc <= 5) || rc >= 0x80) return rc;
  return 0;
}

std::string refusal_text(int rc) {
  switch (rc) {
    case 1: return "unacceptable protocol version";
    case 2: return "client identifier rejected";
    case 3: return "server unavailable";
    case 4: return "bad user name or password";
    case 5: return "not authorized";
    case 0x86: return "bad user name or password";
    case 0x87: return "not authorized";
    default: return ::mqtt::exception::reason_code_str(rc);
  }
}

std::unique_ptr<::mqtt::async_client> make_paho_client(const ClientOptions& o, ::mqtt::iclient_persistence* outbox) {
  ::mqtt::create_options create(o.mqtt_version);
  create.set_send_while_disconnected(true, true);
  create.set_max_buffered_messages(o.max_buffered);
  create.set_delete_oldest_messages(false);
  create.set_restore_messages(true);
  create.set_persist_qos0(false);
  const std::string& id = o.connection.client_id;
  if (id.empty()) throw Error("an MQTT client needs a client id");
  return std::make_unique<::mqtt::async_client>(o.connection.uri(), id, create, outbox);
}

}  // namespace

void Client::SubscriptionListener::on_success(const ::mqtt::token& token) {
  auto topics = token.get_topics();
  spdlog::debug("subscribed to {}", topics && topics->size() > 0 ? (*topics)[0] : std::string("?"));
}

void Client::SubscriptionListener::on_failure(const ::mqtt::token& token) {
  auto topics = token.get_topics();
  // Refused by the broker (an ACL), or cut short by a lost connection (it is
  // made again on reconnect).
  spdlog::warn("the subscription to {} failed (reason code {})",
               topics && topics->size() > 0 ? (*topics)[0] : std::string("?"), token.get_reason_code());
}

Client::Client(ClientOptions options) : options_(std::move(options)) {
  create_paho();
  const ConnectionOptions& c = options_.connection;
  connect_options_.set_mqtt_version(options_.mqtt_version);
  if (options_.mqtt_version >= 5) {
    connect_options_.set_clean_start(options_.clean_session);
    // In MQTT 5 a session ends with the connection unless it has an expiry
    // interval; 0xFFFFFFFF ("never") keeps the 3.1.1 meaning of clean session off.
    if (!options_.clean_session)
      connect_options_.set_properties(
          {{::mqtt::property::SESSION_EXPIRY_INTERVAL, static_cast<int32_t>(UINT32_MAX)}});
  } else {
    connect_options_.set_clean_session(options_.clean_session);
  }
  if (!options_.will.topic.empty())
    connect_options_.set_will(::mqtt::will_options(options_.will.topic, options_.will.payload, options_.will.qos,
                                                   options_.will.retained));
  connect_options_.set_keep_alive_interval(options_.keep_alive);
  connect_options_.set_connect_timeout(std::chrono::seconds(5));
  connect_options_.set_automatic_reconnect(std::chrono::seconds(1), std::chrono::seconds(16));
  if (!c.username.empty()) connect_options_.set_user_name(c.username);
  if (!c.password.empty()) connect_options_.set_password(c.password);
  if (c.tls()) {
    ::mqtt::ssl_options ssl;
    ssl.set_trust_store(c.cafile);
    ssl.set_enable_server_cert_auth(true);
    ssl.set_verify(true);
    connect_options_.set_ssl(ssl);
  }
}

static std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::filesystem::path Client::outbox_dir() const {
  return options_.persist_dir / options_.connection.client_id;
}

void Client::create_paho() {
  if (!options_.persist_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(outbox_dir(), ec);
    if (ec) throw Error(fmt::format("cannot create persistence directory '{}': {}", outbox_dir().string(), ec.message()));
    outbox_ = std::make_unique<SqliteOutbox>(outbox_dir() / "outbox.db");
  }
  try {
    client_ = make_paho_client(options_, outbox_.get());
  } catch (const ::mqtt::exception& e) {
    throw Error(fmt::format("cannot create an MQTT client for {}: {}", options_.connection.uri(), e.what()));
  }
  client_->set_connected_handler([this](const std::string&) { on_connected(); });
  client_->set_connection_lost_handler([this](const std::string& cause) { on_connection_lost(cause); });
  if (handler_) install_message_callback();
}

void Client::on_connection_lost(const std::string& cause) {
  // Paho 1.3.12 can corrupt a publish that was half written when the
  // connection broke, then resend it after every reconnect: the broker drops
  // us again at once, forever. Two such drops in a row mark the client stuck.
  if (now_ms() - connected_at_ms_ < 3000 && connected_at_ms_ > 0) ++quick_losses_;
  else quick_losses_ = 0;
  spdlog::warn("lost the connection to the MQTT broker at {}{}; reconnecting", options_.connection.uri(),
               cause.empty() ? "" : " (" + cause + ")");
}

std::size_t Client::pending() const { return client_ ? client_->get_pending_delivery_tokens().size() : 0; }

bool Client::stuck() const { return quick_losses_ >= 2; }

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

void Client::rebuild() {
  spdlog::warn("the broker at {} keeps dropping {} right after it connects; starting a fresh client",
               options_.connection.uri(), options_.connection.client_id);
  try {
    client_->disconnect(0)->wait_for(std::chrono::seconds(1));
  } catch (const ::mqtt::exception&) {
  }
  client_.reset();
  outbox_.reset();
  quarantine_outbox();
  quick_losses_ = 0;
  connected_at_ms_ = 0;
  create_paho();
  connect();
}

Client::~Client() {
  try {
    disconnect(std::chrono::seconds(2));
  } catch (...) {
  }
}

void Client::close_and_discard_outbox() {
  if (!client_ || pending() > 0) return;
  disconnect();
  client_.reset();
  outbox_.reset();
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
  install_message_callback();
}

void Client::install_message_callback() {
  client_->set_message_callback([this](::mqtt::const_message_ptr msg) {
    Message m;
    m.topic = msg->get_topic_ref().str();
    m.payload = msg->get_payload_ref().str();
    m.qos = msg->get_qos();
    const ::mqtt::properties& props = msg->get_properties();
    if (props.contains(::mqtt::property::RESPONSE_TOPIC))
      m.response_topic = ::mqtt::get<std::string>(props, ::mqtt::property::RESPONSE_TOPIC);
    if (props.contains(::mqtt::property::CORRELATION_DATA))
      m.correlation_data = ::mqtt::get<std::string>(props, ::mqtt::property::CORRELATION_DATA);
    handler_(m);
  });
}

void Client::set_connected_handler(std::function<void()> handler) { connected_handler_ = std::move(handler); }

void Client::add_subscription(std::string filter, int qos) { subscriptions_.emplace_back(std::move(filter), qos); }

void Client::on_connected() {
  connected_at_ms_ = now_ms();
  spdlog::debug("connected to {} as {}", options_.connection.uri(), options_.connection.client_id);
  // Paho gives no access to its socket; the connection is the one to the broker's port.
  if (options_.tcp_nodelay) disable_nagle_to_port(options_.connection.port);
  // Runs on Paho's thread: start the subscriptions, never wait on them here.
  for (const auto& [filter, qos] : subscriptions_) {
    try {
      client_->subscribe(filter, qos, nullptr, subscription_listener_);
    } catch (const ::mqtt::exception& e) {
      spdlog::error("cannot subscribe to '{}': {}", filter, e.what());
    }
  }
  if (connected_handler_) connected_handler_();
}

void Client::connect() {
  const std::string uri = options_.connection.uri();
  auto deadline = std::chrono::steady_clock::now() + options_.connect_timeout;
  auto backoff = std::chrono::milliseconds(100);
  int attempts = 0;
  std::string last_error;
  while (true) {
    ++attempts;
    try {
      client_->connect(connect_options_)->wait();
      if (attempts > 1) spdlog::info("connected to {} after {} attempts", uri, attempts);
      return;
    } catch (const ::mqtt::exception& e) {
      if (int rc = refusal_code(e))
        throw Error(fmt::format("the MQTT broker at {} refused the connection: {}{}", uri, refusal_text(rc),
                                options_.connection.username.empty() ? " (no --username was given)" : ""));
      last_error = e.get_message().empty() ? e.what() : e.get_message();
    }
    auto now = std::chrono::steady_clock::now();
    if (now + backoff > deadline) break;
    if (attempts == 1) spdlog::warn("cannot reach the MQTT broker at {} ({}); retrying", uri, last_error);
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
  }
  throw Error(fmt::format(
      "cannot reach the MQTT broker at {} after {} attempts in {:.0f} s: {}. Is a broker running there "
      "(`edgeml broker`), and are --host/--port{} right?",
      uri, attempts, std::chrono::duration<double>(options_.connect_timeout).count(), last_error,
      options_.connection.tls() ? "/--cafile" : ""));
}

void Client::disconnect(std::chrono::milliseconds timeout) {
  if (!client_ || !client_->is_connected()) return;
  try {
    client_->disconnect(static_cast<int>(timeout.count()))->wait_for(timeout + std::chrono::seconds(1));
  } catch (const ::mqtt::exception& e) {
    spdlog::debug("disconnect from {}: {}", options_.connection.uri(), e.what());
  }
}

bool Client::connected() const { return client_ && client_->is_connected(); }

::mqtt::delivery_token_ptr Client::publish(const std::string& topic, std::string_view payload, int qos,
                                           bool retained) {
  try {
    return client_->publish(topic, payload.data(), payload.size(), qos, retained);
  } catch (const ::mqtt::exception& e) {
    throw Error(fmt::format("cannot publish to '{}': {}", topic, e.what()));
  }
}

::mqtt::delivery_token_ptr Client::publish(const std::string& topic, std::string_view payload, int qos, bool retained,
                                           std::string_view correlation_data) {
  if (correlation_data.empty() || options_.mqtt_version < 5) return publish(topic, payload, qos, retained);
  try {
    auto message = ::mqtt::make_message(topic, payload.data(), payload.size(), qos, retained);
    message->set_properties(
        {{::mqtt::property::CORRELATION_DATA, std::string(correlation_data.data(), correlation_data.size())}});
    return client_->publish(message);
  } catch (const ::mqtt::exception& e) {
    throw Error(fmt::format("cannot publish to '{}': {}", topic, e.what()));
  }
}

::mqtt::delivery_token_ptr Client::publish_request(const std::string& topic, std::string_view payload, int qos,
                                                   const std::string& response_topic,
                                                   std::string_view correlation_data) {
  if (options_.mqtt_version < 5)
    throw Error(fmt::format("cannot send a request to '{}': a Response Topic needs MQTT 5", topic));
  try {
    auto message = ::mqtt::make_message(topic, payload.data(), payload.size(), qos, false);
    message->set_properties(
        {{::mqtt::property::RESPONSE_TOPIC, response_topic},
         {::mqtt::property::CORRELATION_DATA, std::string(correlation_data.data(), correlation_data.size())}});
    return client_->publish(message);
  } catch (const ::mqtt::exception& e) {
    throw Error(fmt::format("cannot publish to '{}': {}", topic, e.what()));
  }
}

}  // namespace edgeml::mq
