#include "mqtt/stream_subscriber.h"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <algorithm>
#include <cstring>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "core/error.h"
#include "mqtt/held_acks.h"
#include "mqtt/stream_packets.h"
#include "mqtt/stream_socket.h"

namespace edgeml::mq {

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using stream::Packet;
using stream::PacketReader;
using stream::PacketType;

constexpr std::uint16_t kKeepAliveSeconds = 20;
constexpr auto kPingEvery = std::chrono::seconds(kKeepAliveSeconds / 2);  // with nothing else sent
constexpr auto kPingAnswerWithin = std::chrono::seconds(kKeepAliveSeconds);
constexpr auto kConnectTimeout = 10s;  // TCP, TLS, then CONNACK
constexpr auto kWriteTimeout = 5s;
constexpr auto kFirstReconnectDelay = 1s;
constexpr auto kLastReconnectDelay = 10s;
// A message over this is dropped unread, so that no sender can make the
// subscriber hold more; an alarm event is a few dozen bytes.
constexpr std::size_t kMaxPacketBytes = 64 * 1024;
// Socket reads in one go at most, so that a stream that never pauses still
// lets the thread ping in between.
constexpr int kMaxReadsPerWake = 64;
// The PUBACKs of one read at most: a read holds at most kMaxPacketBytes and
// 64 KiB more (stream_packets.cpp), and a PUBLISH takes at least 4 bytes.
constexpr std::size_t kMaxAcksBytes = 2 * 64 * 1024;

int poll_ms(Clock::duration d) {
  return static_cast<int>(std::max<std::int64_t>(0, std::chrono::ceil<std::chrono::milliseconds>(d).count()));
}

}  // namespace

struct StreamSubscriber::Session {
  ConnectionOptions connection;
  StreamOptions options;
  DeliveryHandler handler;
  std::string where;  // "host:port", for messages
  std::string filters;  // for messages
  Clock::duration gather{};
  std::atomic<bool> connected{false};
  std::mutex mutex;  // with changed: the first subscription's outcome, and stopping
  std::condition_variable changed;
  enum class Grant { waiting, granted, refused } grant = Grant::waiting;
  std::uint16_t awaited_subscription = 0;  // 0: none sent yet
  bool stopping = false;
  int wake = -1;  // an eventfd that a stop writes, so that no wait outlasts it
  int told = -1;  // an eventfd that acknowledge_through() writes
  std::atomic<std::uint64_t> done_through{0};  // acknowledge_through()'s latest
  bool told_woke = false;  // the last wait() ended with `told` readable (network thread's)
  std::thread thread;
  // The network thread's:
  PacketReader reader{kMaxPacketBytes};
  std::string acks;  // PUBACKs of the current read; its capacity is kept
  stream::HeldAcks held;  // with acknowledge_when_told: handed on, not yet done
  std::uint64_t next_delivery = 1;
  std::uint16_t next_packet_id = 1;
  std::uint64_t handled = 0;
  std::uint64_t skipped = 0;
  bool ping_waiting = false;
  Clock::time_point last_sent, ping_sent;

  ~Session() {
    if (wake >= 0) ::close(wake);
    if (told >= 0) ::close(told);
  }

  bool stop_asked() {
    std::lock_guard lock(mutex);
    return stopping;
  }

  // Waits for `fd` to be readable or the owner to be done with held
  // messages (or, with fd < 0, only for a stop) up to `timeout`; false when
  // the wait ended by a stop.
  bool wait(int fd, Clock::duration timeout) {
    pollfd p[3] = {{wake, POLLIN, 0}, {fd, POLLIN, 0}, {told, POLLIN, 0}};
    const nfds_t count = fd < 0 ? 1 : told < 0 ? 2 : 3;
    int rc;
    do {
      rc = ::poll(p, count, poll_ms(timeout));
    } while (rc < 0 && errno == EINTR);
    told_woke = count == 3 && (p[2].revents & POLLIN) != 0;
    return (p[0].revents & POLLIN) == 0;
  }

  // PUBACKs for the held messages the owner is done with.
  // Only when the owner woke us (or at the end): a wake-up that brought
  // messages costs no system call for it.
  bool release_done(stream::Socket& socket, bool woken) {
    if (told < 0 || !woken) return true;
    told_woke = false;
    std::uint64_t count = 0;
    if (::read(told, &count, sizeof count) < 0 && errno != EAGAIN)
      spdlog::debug("{}: cannot read its eventfd: {}", options.name, std::strerror(errno));
    held.release_through(done_through.load(), [&](std::uint16_t id) { stream::append_puback(acks, id); });
    return send_acks(socket);
  }

  void run() {
    pthread_setname_np(pthread_self(), options.name.substr(0, 15).c_str());
    int failures = 0;
    while (!stop_asked()) {
      try {
        if (serve_connection()) failures = 0;
      } catch (const std::exception& e) {  // the thread keeps trying; it must not end the process
        if (failures == 0) spdlog::warn("{}: {}; retrying", options.name, e.what());
        else spdlog::debug("{}: {}", options.name, e.what());
      }
      connected = false;
      const auto delay = std::min<Clock::duration>(kFirstReconnectDelay * (1 << std::min(failures, 4)), kLastReconnectDelay);
      ++failures;
      if (!wait(-1, delay)) return;
    }
  }

  // One connection from CONNECT until it is lost or stopped; true when the
  // broker accepted it. Throws Error when it could not be made.
  bool serve_connection() {
    stream::Socket socket(connection, kConnectTimeout);
    reader.clear();
    acks.clear();
    held.clear();
    ping_waiting = false;
    send(socket, stream::connect_packet({connection.client_id, connection.username, connection.password,
                                         kKeepAliveSeconds, !options.persistent}));
    if (!accepted(socket)) return false;
    connected = true;
    const std::uint16_t id = next_packet_id++;
    if (next_packet_id == 0) next_packet_id = 1;
    {
      std::lock_guard lock(mutex);
      if (grant == Grant::waiting) awaited_subscription = id;  // the one whose answer the constructor waits for
    }
    send(socket, stream::subscribe_packet(id, options.filters, options.qos));
    // A kept session's messages may have come in the CONNACK's read.
    if (!handle_packets()) return !lost("a malformed packet");
    if (!send_acks(socket)) return !lost(socket.why());
    while (true) {
      const Clock::time_point ping_due = ping_waiting ? ping_sent + kPingAnswerWithin : last_sent + kPingEvery;
      if (!socket.pending() && !wait(socket.fd(), ping_due - Clock::now())) break;
      const std::uint64_t handled_before = handled;
      if (!read_available(socket)) return true;
      if (!release_done(socket, told_woke)) return !lost(socket.why());
      if (!keep_alive(socket)) return true;
      if (handled != handled_before && gather.count() > 0 && !wait(-1, gather)) break;
    }
    release_done(socket, true);  // what the owner finished before it stopped us
    // Stopping: a clean goodbye, if the broker takes it.
    if (socket.write_all(stream::disconnect_packet(), 1s)) socket.drain(1s);
    return true;
  }

  void send(stream::Socket& socket, std::string_view bytes) {
    if (!socket.write_all(bytes, kWriteTimeout)) throw Error(fmt::format("lost {}: {}", where, socket.why()));
    last_sent = Clock::now();
  }

  // Reads until the CONNACK; false (logged) when the broker refused.
  bool accepted(stream::Socket& socket) {
    const Clock::time_point deadline = Clock::now() + kConnectTimeout;
    Packet packet;
    while (true) {
      switch (reader.next(packet)) {
        case PacketReader::Next::packet: {
          int code = -1;
          if (packet.type != static_cast<std::uint8_t>(PacketType::connack) || !stream::parse_connack(packet, code))
            throw Error(fmt::format("{} answered CONNECT with packet type {}", where, packet.type));
          if (code == 0) return true;
          spdlog::warn("{}: {} refused the connection (CONNACK code {})", options.name, where, code);
          return false;
        }
        case PacketReader::Next::malformed:
        case PacketReader::Next::skipped:
          throw Error(fmt::format("{} answered CONNECT with a malformed packet", where));
        case PacketReader::Next::need_more:
          break;
      }
      if (Clock::now() > deadline || !wait(socket.fd(), deadline - Clock::now()))
        throw Error(fmt::format("no answer to CONNECT from {}", where));
      std::size_t bytes = 0;
      if (socket.read_some(reader.space(), bytes) == stream::Socket::Read::closed)
        throw Error(fmt::format("{} closed the connection: {}", where, socket.why()));
      reader.wrote(bytes);
    }
  }

  // Everything the socket holds now, packet by packet; false when the
  // connection is lost (logged).
  bool read_available(stream::Socket& socket) {
    for (int reads = 0; reads < kMaxReadsPerWake; ++reads) {
      std::size_t bytes = 0;
      const auto read = socket.read_some(reader.space(), bytes);
      if (read == stream::Socket::Read::none) return true;
      if (read == stream::Socket::Read::closed) return lost(socket.why());
      reader.wrote(bytes);
      if (!handle_packets()) return lost("a malformed packet");
      if (!send_acks(socket)) return lost(socket.why());
    }
    return true;
  }

  // The handled messages' PUBACKs, so that the broker sends the next ones.
  bool send_acks(stream::Socket& socket) {
    if (acks.empty()) return true;
    if (!socket.write_all(acks, kWriteTimeout)) return false;
    acks.clear();
    last_sent = Clock::now();
    return true;
  }

  bool handle_packets() {
    Packet packet;
    while (true) {
      switch (reader.next(packet)) {
        case PacketReader::Next::packet:
          handle(packet);
          break;
        case PacketReader::Next::skipped: {
          // Acknowledged all the same: the broker would not send it again
          // before a reconnect, and would hold one of its in-flight slots.
          stream::Publish message;
          if (stream::parse_publish(packet, message) && message.qos == 1)
            stream::append_puback(acks, message.packet_id);
          if (skipped++ == 0)
            spdlog::warn("{}: a message over {} bytes was dropped unread (the first; more are not logged)",
                         options.name, kMaxPacketBytes);
          break;
        }
        case PacketReader::Next::malformed:
          return false;
        case PacketReader::Next::need_more:
          return true;
      }
    }
  }

  void handle(const Packet& packet) {
    switch (static_cast<PacketType>(packet.type)) {
      case PacketType::publish: {
        stream::Publish message;
        if (!stream::parse_publish(packet, message)) return;
        ++handled;
        const std::uint64_t delivery = next_delivery++;
        try {
          handler(message.topic, message.payload, delivery);
        } catch (const std::exception& e) {  // the stream goes on; the thread must not end
          spdlog::warn("{}: a message on {} was not handled: {}", options.name, message.topic, e.what());
        }
        // QoS 2 is never asked for, so a broker never sends it.
        if (message.qos != 1) return;
        if (told < 0 || !held.hold(delivery, message.packet_id)) stream::append_puback(acks, message.packet_id);
        return;
      }
      case PacketType::suback: {
        std::uint16_t id = 0;
        int granted = 0x80;
        if (!stream::parse_suback(packet, id, granted)) return;
        const bool refused = granted > 2;  // 0x80: the broker refused (an ACL)
        if (refused) spdlog::warn("{}: {} refused the subscription to {}", options.name, where, filters);
        else spdlog::debug("{}: subscribed to {} (QoS {})", options.name, filters, options.qos);
        std::lock_guard lock(mutex);
        if (id != awaited_subscription || grant != Grant::waiting) return;
        grant = refused ? Grant::refused : Grant::granted;
        changed.notify_all();
        return;
      }
      case PacketType::pingresp:
        ping_waiting = false;
        return;
      default:
        return;
    }
  }

  bool keep_alive(stream::Socket& socket) {
    const Clock::time_point now = Clock::now();
    if (ping_waiting && now - ping_sent > kPingAnswerWithin) return lost("no answer to a ping");
    if (ping_waiting || now - last_sent < kPingEvery) return true;
    if (!socket.write_all(stream::pingreq_packet(), kWriteTimeout)) return lost(socket.why());
    last_sent = ping_sent = now;
    ping_waiting = true;
    return true;
  }

  bool lost(const std::string& why) {
    if (!stop_asked()) spdlog::warn("{}: lost {}: {}; reconnecting", options.name, where, why);
    return false;
  }

  void stop() {
    {
      std::lock_guard lock(mutex);
      if (stopping) return;
      stopping = true;
    }
    const std::uint64_t one = 1;
    if (::write(wake, &one, sizeof one) < 0) spdlog::debug("{}: cannot wake its thread: {}", options.name, std::strerror(errno));
    if (thread.joinable()) thread.join();
  }
};

StreamSubscriber::StreamSubscriber(const ConnectionOptions& c, StreamOptions options, Handler handler)
    : StreamSubscriber(c, std::move(options),
                       DeliveryHandler([h = std::move(handler)](std::string_view t, std::string_view p,
                                                                std::uint64_t) { h(t, p); })) {}

StreamSubscriber::StreamSubscriber(const ConnectionOptions& c, StreamOptions options, DeliveryHandler handler)
    : session_(std::make_unique<Session>()) {
  Session& s = *session_;
  if (options.filters.empty()) throw Error(fmt::format("{}: no topic filter to subscribe to", options.name));
  if (options.persistent && c.client_id.empty())
    throw Error(fmt::format("{}: a persistent session needs a client id", options.name));
  s.connection = c;  // an empty client id: the broker gives one (a clean session may have none)
  s.options = std::move(options);
  s.options.qos = std::clamp(s.options.qos, 0, 1);
  s.handler = std::move(handler);
  s.where = fmt::format("{}:{}", c.host, c.port);
  s.filters = fmt::format("{}", fmt::join(s.options.filters, ", "));
  s.gather = s.options.gather;
  if (s.options.qos > 0) s.acks.reserve(kMaxAcksBytes);
  const bool held = s.options.acknowledge_when_told && s.options.qos == 1;
  s.wake = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (held) s.told = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (s.wake < 0 || (held && s.told < 0))
    throw Error(fmt::format("{}: no eventfd: {}", s.options.name, std::strerror(errno)));
  if (held) s.held.reserve();
  s.thread = std::thread([&s] { s.run(); });
  std::unique_lock lock(s.mutex);
  s.changed.wait_for(lock, s.options.timeout, [&] { return s.grant != Session::Grant::waiting; });
  const Session::Grant grant = s.grant;
  lock.unlock();
  // A refusal (an ACL) is the broker's to lift: logged, and asked again at
  // every reconnect, as the Paho client does with its subscriptions.
  if (grant != Session::Grant::waiting) return;
  s.stop();
  throw Error(fmt::format("{}: no subscription to {} on {} within {} ms", s.options.name, s.filters, s.where,
                          s.options.timeout.count()));
}

StreamSubscriber::StreamSubscriber(const ConnectionOptions& c, std::string filter, Handler handler,
                                   std::chrono::milliseconds timeout, std::chrono::microseconds gather)
    : StreamSubscriber(c, StreamOptions{{std::move(filter)}, 0, false, timeout, gather}, std::move(handler)) {}

StreamSubscriber::~StreamSubscriber() { session_->stop(); }

bool StreamSubscriber::connected() const { return session_->connected; }

void StreamSubscriber::acknowledge_through(std::uint64_t delivery) {
  Session& s = *session_;
  if (s.told < 0) return;
  std::uint64_t before = s.done_through.load();
  while (before < delivery && !s.done_through.compare_exchange_weak(before, delivery)) {
  }
  const std::uint64_t one = 1;
  if (::write(s.told, &one, sizeof one) < 0) spdlog::debug("{}: cannot wake its thread: {}", s.options.name, std::strerror(errno));
}

}  // namespace edgeml::mq
