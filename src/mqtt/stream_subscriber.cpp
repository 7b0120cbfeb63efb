#include "mqtt/stream_subscriber.h"

#include <mosquitto.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <condition_variable>
#include <mutex>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/error.h"

namespace edgeml::mq {

namespace {

constexpr int kKeepAliveSeconds = 20;
// The first subscription's message id; -1 until sent.
constexpr int kNoSubscription = -1;

void initialise_library() {
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
}

std::string why(int code) { return code == MOSQ_ERR_ERRNO ? std::strerror(errno) : mosquitto_strerror(code); }

}  // namespace

struct StreamSubscriber::Session {
  std::string filter;
  Handler handler;
  std::string where;  // "host:port", for messages
  mosquitto* handle = nullptr;
  std::atomic<bool> connected{false};
  std::mutex mutex;  // with granted_changed: the first subscription's outcome
  std::condition_variable granted_changed;
  int first_subscription = kNoSubscription;
  enum class Grant { waiting, granted, refused } grant = Grant::waiting;

  ~Session() {
    if (handle) mosquitto_destroy(handle);
  }

  static Session& of(void* self) { return *static_cast<Session*>(self); }

  static void on_connect(mosquitto* m, void* self, int code) {
    Session& s = of(self);
    if (code != 0) {
      spdlog::warn("sensor stream: {} refused the connection: {}", s.where, mosquitto_connack_string(code));
      return;
    }
    s.connected = true;
    int id = 0;
    if (int rc = mosquitto_subscribe(m, &id, s.filter.c_str(), 0); rc != MOSQ_ERR_SUCCESS) {
      spdlog::warn("sensor stream: cannot subscribe to {}: {}", s.filter, why(rc));
      return;
    }
    std::lock_guard lock(s.mutex);
    if (s.first_subscription == kNoSubscription) s.first_subscription = id;
  }

  static void on_disconnect(mosquitto*, void* self, int code) {
    Session& s = of(self);
    s.connected = false;
    if (code != 0) spdlog::warn("sensor stream: lost {}: {}; reconnecting", s.where, why(code));
  }

  static void on_subscribe(mosquitto*, void* self, int id, int count, const int* granted) {
    Session& s = of(self);
    const bool refused = count < 1 || granted[0] > 2;  // 0x80: the broker refused (an ACL)
    if (refused) spdlog::warn("sensor stream: {} refused the subscription to {}", s.where, s.filter);
    std::lock_guard lock(s.mutex);
    if (id != s.first_subscription || s.grant != Grant::waiting) return;
    s.grant = refused ? Grant::refused : Grant::granted;
    s.granted_changed.notify_all();
  }

  static void on_message(mosquitto*, void* self, const mosquitto_message* m) {
    Session& s = of(self);
    std::string_view payload(static_cast<const char*>(m->payload), m->payload ? static_cast<std::size_t>(m->payloadlen) : 0);
    s.handler(m->topic, payload);
  }
};

StreamSubscriber::StreamSubscriber(const ConnectionOptions& c, std::string filter, Handler handler,
                                   std::chrono::milliseconds timeout)
    : session_(std::make_unique<Session>()) {
  initialise_library();
  Session& s = *session_;
  s.filter = std::move(filter);
  s.handler = std::move(handler);
  s.where = fmt::format("{}:{}", c.host, c.port);
  s.handle = mosquitto_new(c.client_id.empty() ? nullptr : c.client_id.c_str(), true, &s);
  if (!s.handle) throw Error(fmt::format("sensor stream: cannot make an MQTT client: {}", std::strerror(errno)));
  mosquitto_int_option(s.handle, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
  mosquitto_int_option(s.handle, MOSQ_OPT_TCP_NODELAY, 1);
  if (!c.username.empty() && mosquitto_username_pw_set(s.handle, c.username.c_str(), c.password.c_str()) != MOSQ_ERR_SUCCESS)
    throw Error("sensor stream: cannot set the username and password");
  if (c.tls()) {
    if (int rc = mosquitto_tls_set(s.handle, c.cafile.c_str(), nullptr, nullptr, nullptr, nullptr); rc != MOSQ_ERR_SUCCESS)
      throw Error(fmt::format("sensor stream: cannot use the CA file {}: {}", c.cafile, why(rc)));
  }
  mosquitto_connect_callback_set(s.handle, &Session::on_connect);
  mosquitto_disconnect_callback_set(s.handle, &Session::on_disconnect);
  mosquitto_subscribe_callback_set(s.handle, &Session::on_subscribe);
  mosquitto_message_callback_set(s.handle, &Session::on_message);
  mosquitto_reconnect_delay_set(s.handle, 1, 10, true);
  if (int rc = mosquitto_connect_async(s.handle, c.host.c_str(), c.port, kKeepAliveSeconds); rc != MOSQ_ERR_SUCCESS)
    spdlog::warn("sensor stream: cannot reach {} yet: {}; retrying", s.where, why(rc));
  if (int rc = mosquitto_loop_start(s.handle); rc != MOSQ_ERR_SUCCESS)
    throw Error(fmt::format("sensor stream: cannot start its network thread: {}", why(rc)));
  std::unique_lock lock(s.mutex);
  s.granted_changed.wait_for(lock, timeout, [&] { return s.grant != Session::Grant::waiting; });
  const Session::Grant grant = s.grant;
  lock.unlock();
  // A refusal (an ACL) is the broker's to lift: logged, and asked again at
  // every reconnect, as the Paho client does with its subscriptions.
  if (grant != Session::Grant::waiting) return;
  mosquitto_disconnect(s.handle);
  mosquitto_loop_stop(s.handle, false);
  throw Error(fmt::format("sensor stream: no subscription to {} on {} within {} ms", s.filter, s.where,
                          timeout.count()));
}

StreamSubscriber::~StreamSubscriber() {
  mosquitto_disconnect(session_->handle);
  mosquitto_loop_stop(session_->handle, false);
}

bool StreamSubscriber::connected() const { return session_->connected; }

}  // namespace edgeml::mq
