#include "mqtt/paho_connect.h"

#include <cstdint>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/error.h"

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

void set_session(::mqtt::connect_options& connect, const ClientOptions& o) {
  connect.set_mqtt_version(o.mqtt_version);
  if (o.mqtt_version < 5) {
    connect.set_clean_session(o.clean_session);
    return;
  }
  connect.set_clean_start(o.clean_session);
  // In MQTT 5 a session ends with the connection unless it has an expiry
  // interval; 0xFFFFFFFF ("never") keeps the 3.1.1 meaning of clean session off.
  if (!o.clean_session)
    connect.set_properties({{::mqtt::property::SESSION_EXPIRY_INTERVAL, static_cast<int32_t>(UINT32_MAX)}});
}

void set_credentials(::mqtt::connect_options& connect, const ConnectionOptions& c) {
  if (!c.username.empty()) connect.set_user_name(c.username);
  if (!c.password.empty()) connect.set_password(c.password);
  if (!c.tls()) return;
  ::mqtt::ssl_options ssl;
  ssl.set_trust_store(c.cafile);
  ssl.set_enable_server_cert_auth(true);
  ssl.set_verify(true);
  connect.set_ssl(ssl);
}

// OpenSSL initialises itself when first used (since 1.1). Paho's own set-up
// loads all of OpenSSL's error strings and configuration up front, about
// 2 MiB resident in every process whether it speaks TLS or not.
void leave_openssl_to_itself() {
  static const bool once = [] {
    MQTTAsync_init_options init = MQTTAsync_init_options_initializer;
    init.do_openssl_init = 0;
    MQTTAsync_global_init(&init);
    return true;
  }();
  (void)once;
}

}  // namespace

std::unique_ptr<::mqtt::async_client> make_paho_client(const ClientOptions& o, ::mqtt::iclient_persistence* outbox) {
  leave_openssl_to_itself();
  const std::string& id = o.connection.client_id;
  if (id.empty()) throw Error("an MQTT client needs a client id");
  ::mqtt::create_options create(o.mqtt_version);
  create.set_send_while_disconnected(true, true);
  create.set_max_buffered_messages(o.max_buffered);
  create.set_delete_oldest_messages(false);
  create.set_restore_messages(true);
  create.set_persist_qos0(false);
  try {
    return std::make_unique<::mqtt::async_client>(o.connection.uri(), id, create, outbox);
  } catch (const ::mqtt::exception& e) {
    throw Error(fmt::format("cannot create an MQTT client for {}: {}", o.connection.uri(), e.what()));
  }
}

void set_connect_options(::mqtt::connect_options& connect, const ClientOptions& o) {
  set_session(connect, o);
  if (!o.will.topic.empty())
    connect.set_will(::mqtt::will_options(o.will.topic, o.will.payload, o.will.qos, o.will.retained));
  connect.set_keep_alive_interval(o.keep_alive);
  connect.set_connect_timeout(std::chrono::seconds(5));
  connect.set_automatic_reconnect(std::chrono::seconds(1), std::chrono::seconds(16));
  set_credentials(connect, o.connection);
}

void connect_with_retry(::mqtt::async_client& client, const ::mqtt::connect_options& connect,
                        const ClientOptions& options) {
  const std::string uri = options.connection.uri();
  auto deadline = std::chrono::steady_clock::now() + options.connect_timeout;
  auto backoff = std::chrono::milliseconds(100);
  int attempts = 0;
  std::string last_error;
  while (true) {
    ++attempts;
    try {
      client.connect(connect)->wait();
      if (attempts > 1) spdlog::info("connected to {} after {} attempts", uri, attempts);
      return;
    } catch (const ::mqtt::exception& e) {
      if (int rc = refusal_code(e))
        throw Error(fmt::format("the MQTT broker at {} refused the connection: {}{}", uri, refusal_text(rc),
                                options.connection.username.empty() ? " (no --username was given)" : ""));
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
      uri, attempts, std::chrono::duration<double>(options.connect_timeout).count(), last_error,
      options.connection.tls() ? "/--cafile" : ""));
}

}  // namespace edgeml::mq
