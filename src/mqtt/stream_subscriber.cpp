#include "mqtt/stream_subscriber.h"

#include <mosquitto.h>
#include <pthread.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/error.h"

namespace edgeml::mq {

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kKeepAliveSeconds = 20;
// The first subscription's message id; -1 until sent.
constexpr int kNoSubscription = -1;
// The longest the network thread waits for the socket, so that it keeps the
// connection alive (PINGREQ) on a quiet stream.
constexpr int kWaitMs = 1000;
// A stopping thread gives the broker this long to take its DISCONNECT.
constexpr auto kStopGrace = std::chrono::seconds(1);
constexpr auto kFirstReconnectDelay = std::chrono::seconds(1);
constexpr auto kLastReconnectDelay = std::chrono::seconds(10);
// Packets read in one go at most, so that a stream that never pauses still
// lets the thread write (subscriptions, pings) in between.
constexpr int kMaxPacketsPerRead = 4096;

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
  Clock::duration gather{};
  mosquitto* handle = nullptr;
  std::atomic<bool> connected{false};
  std::mutex mutex;  // with changed: the first subscription's outcome, and stopping
  std::condition_variable changed;
  int first_subscription = kNoSubscription;
  enum class Grant { waiting, granted, refused } grant = Grant::waiting;
  bool stopping = false;
  Clock::time_point stop_asked;
  int reconnects = 0;       // since the last connection; the network thread's
  std::uint64_t handled = 0;  // messages; the network thread's
  std::thread thread;

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
    s.reconnects = 0;
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
    const bool was_connected = s.connected.exchange(false);
    if (code == 0) return;
    if (was_connected)
      spdlog::warn("sensor stream: lost {}: {}; reconnecting", s.where, why(code));
    else
      spdlog::warn("sensor stream: cannot reach {}: {}; retrying", s.where, why(code));
  }

  static void on_subscribe(mosquitto*, void* self, int id, int count, const int* granted) {
    Session& s = of(self);
    const bool refused = count < 1 || granted[0] > 2;  // 0x80: the broker refused (an ACL)
    if (refused) spdlog::warn("sensor stream: {} refused the subscription to {}", s.where, s.filter);
    std::lock_guard lock(s.mutex);
    if (id != s.first_subscription || s.grant != Grant::waiting) return;
    s.grant = refused ? Grant::refused : Grant::granted;
    s.changed.notify_all();
  }

  static void on_message(mosquitto*, void* self, const mosquitto_message* m) {
    Session& s = of(self);
    ++s.handled;
    std::string_view payload(static_cast<const char*>(m->payload), m->payload ? static_cast<std::size_t>(m->payloadlen) : 0);
    try {
      s.handler(m->topic, payload);
    } catch (const std::exception& e) {  // the stream goes on; the thread must not end
      spdlog::warn("sensor stream: a message on {} was not handled: {}", m->topic, e.what());
    }
  }

  // The network thread. A message of a busy stream comes while the one before
  // is still being handled or just after: woken for each, the thread would
  // spend more on waking and on the socket's calls than on the messages. So it
  // wakes at most once per `gather`, and reads what gathered in the socket
  // meanwhile in one go; a quiet stream's message is read as it comes.
  void run() {
    pthread_setname_np(pthread_self(), "sensor stream");
    while (true) {
      const std::uint64_t handled_before = handled;
      int rc = mosquitto_loop(handle, kWaitMs, 1);  // waits for the socket; reads a packet, writes, pings
      const Clock::time_point woke = Clock::now();
      if (rc == MOSQ_ERR_SUCCESS) rc = read_waiting();
      if (stop_now(rc)) return;
      if (rc != MOSQ_ERR_SUCCESS) {
        reconnect_after_delay();
      } else if (gather.count() > 0 && handled != handled_before) {  // not after a handshake's packet
        std::unique_lock lock(mutex);
        changed.wait_until(lock, woke + gather, [&] { return stopping; });
      }
    }
  }

  // Every whole packet the socket holds now. libmosquitto reads one QoS 0
  // packet per call, and says it found the socket empty through errno.
  int read_waiting() {
    for (int i = 0; i < kMaxPacketsPerRead; ++i) {
      errno = 0;
      int rc = mosquitto_loop_read(handle, 1);
      if (rc != MOSQ_ERR_SUCCESS) return rc;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    }
    return MOSQ_ERR_SUCCESS;
  }

  bool stop_now(int rc) {
    std::lock_guard lock(mutex);
    return stopping && (rc != MOSQ_ERR_SUCCESS || Clock::now() - stop_asked > kStopGrace);
  }

  void reconnect_after_delay() {
    const std::chrono::seconds delay = std::min(kFirstReconnectDelay * (1 << std::min(reconnects, 4)), kLastReconnectDelay);
    ++reconnects;
    {
      std::unique_lock lock(mutex);
      if (changed.wait_for(lock, delay, [&] { return stopping; })) return;
    }
    if (int rc = mosquitto_reconnect(handle); rc != MOSQ_ERR_SUCCESS)
      spdlog::debug("sensor stream: cannot reach {} yet: {}", where, why(rc));
  }

  void stop() {
    {
      std::lock_guard lock(mutex);
      if (stopping) return;
      stopping = true;
      stop_asked = Clock::now();
    }
    changed.notify_all();
    mosquitto_disconnect(handle);  // wakes the thread, which sends it
    if (thread.joinable()) thread.join();
  }
};

StreamSubscriber::StreamSubscriber(const ConnectionOptions& c, std::string filter, Handler handler,
                                   std::chrono::milliseconds timeout, std::chrono::microseconds gather)
    : session_(std::make_unique<Session>()) {
  initialise_library();
  Session& s = *session_;
  s.filter = std::move(filter);
  s.handler = std::move(handler);
  s.where = fmt::format("{}:{}", c.host, c.port);
  s.gather = gather;
  s.handle = mosquitto_new(c.client_id.empty() ? nullptr : c.client_id.c_str(), true, &s);
  if (!s.handle) throw Error(fmt::format("sensor stream: cannot make an MQTT client: {}", std::strerror(errno)));
  mosquitto_threaded_set(s.handle, true);  // the thread below is ours, not libmosquitto's
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
  if (int rc = mosquitto_connect_async(s.handle, c.host.c_str(), c.port, kKeepAliveSeconds); rc != MOSQ_ERR_SUCCESS)
    spdlog::warn("sensor stream: cannot reach {} yet: {}; retrying", s.where, why(rc));
  s.thread = std::thread([&s] { s.run(); });
  std::unique_lock lock(s.mutex);
  s.changed.wait_for(lock, timeout, [&] { return s.grant != Session::Grant::waiting; });
  const Session::Grant grant = s.grant;
  lock.unlock();
  // A refusal (an ACL) is the broker's to lift: logged, and asked again at
  // every reconnect, as the Paho client does with its subscriptions.
  if (grant != Session::Grant::waiting) return;
  s.stop();
  throw Error(fmt::format("sensor stream: no subscription to {} on {} within {} ms", s.filter, s.where,
                          timeout.count()));
}

StreamSubscriber::~StreamSubscriber() { session_->stop(); }

bool StreamSubscriber::connected() const { return session_->connected; }

}  // namespace edgeml::mq
