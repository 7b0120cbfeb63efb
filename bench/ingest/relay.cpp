#include "relay.h"

#include <time.h>

#include <fmt/format.h>

#include "core/error.h"

namespace edgeml::bench {

namespace {

// Every wait is bounded: a benchmark that hangs tells nothing.
void wait_token(const ::mqtt::token_ptr& token, std::chrono::milliseconds timeout, const std::string& what) {
  try {
    if (!token->wait_for(timeout))
      throw Error(fmt::format("{}: no answer from the broker within {} ms", what, timeout.count()));
  } catch (const ::mqtt::exception& e) {
    throw Error(fmt::format("{}: {}", what, e.what()));
  }
}

::mqtt::connect_options bare_connect_options(bool clean_session) {
  return ::mqtt::connect_options_builder()
      .mqtt_version(MQTTVERSION_3_1_1)  // what edgeml's clients speak by default
      .clean_session(clean_session)
      .keep_alive_interval(std::chrono::seconds(20))
      .finalize();
}

void connect_bare(::mqtt::async_client& client, bool clean_session, std::chrono::milliseconds timeout) {
  wait_token(client.connect(bare_connect_options(clean_session)), timeout,
             fmt::format("connecting {} to {}", client.get_client_id(), client.get_server_uri()));
}

// Paho refuses a publish when more than max_buffered_messages wait in its
// command queue, connected or not (default 100); a window larger than that
// must be allowed for, or a fast producer gets "No more messages can be buffered".
::mqtt::create_options publisher_create_options(std::size_t window) {
  ::mqtt::create_options create(MQTTVERSION_3_1_1);
  create.set_max_buffered_messages(static_cast<int>(window) + 1);
  return create;
}

void disconnect_quietly(::mqtt::async_client& client) {
  try {
    if (client.is_connected()) client.disconnect()->wait_for(std::chrono::seconds(5));
  } catch (const ::mqtt::exception&) {
    // Leaving anyway; the broker notices the closed socket.
  }
}

// The calling thread's CPU time (a system call: used twice a run, not per message).
std::chrono::nanoseconds thread_cpu_time() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

}  // namespace

void ArrivalClock::arrived() {
  std::int64_t n = count_.fetch_add(1) + 1;
  if (n == 1) first_cpu_ = thread_cpu_time();
  if (n != expected_) return;
  auto now = Clock::now();
  auto cpu = thread_cpu_time();
  std::lock_guard lock(mutex_);
  last_ = now;
  last_cpu_ = cpu;
  done_ = true;
  done_cv_.notify_all();
}

double ArrivalClock::cpu_us_per_message() const {
  if (expected_ < 2) return 0;
  return std::chrono::duration<double, std::micro>(last_cpu_ - first_cpu_).count() / static_cast<double>(expected_ - 1);
}

bool ArrivalClock::wait_until(Clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  return done_cv_.wait_until(lock, deadline, [this] { return done_; });
}

BarePublisher::BarePublisher(const std::string& uri, const std::string& client_id, std::size_t window,
                             std::chrono::milliseconds timeout)
    : client_(uri, client_id, publisher_create_options(window), nullptr),
      window_(window == 0 ? 1 : window),
      timeout_(timeout) {
  connect_bare(client_, true, timeout_);
}

BarePublisher::~BarePublisher() { disconnect_quietly(client_); }

void BarePublisher::wait_oldest() {
  wait_token(outstanding_.front(), timeout_, fmt::format("publisher {}", client_.get_client_id()));
  outstanding_.pop_front();
}

void BarePublisher::publish(const std::string& topic, const std::string& payload, int qos) {
  while (!outstanding_.empty() && outstanding_.front()->is_complete()) outstanding_.pop_front();
  while (outstanding_.size() >= window_) wait_oldest();
  outstanding_.push_back(client_.publish(topic, payload.data(), payload.size(), qos, false));
}

void BarePublisher::drain() {
  while (!outstanding_.empty()) wait_oldest();
}

BareSubscriber::BareSubscriber(const std::string& uri, const std::string& client_id,
                               const std::vector<std::string>& filters, int qos, ArrivalClock& clock,
                               std::chrono::milliseconds timeout)
    : client_(uri, client_id, nullptr) {
  client_.set_message_callback([&clock](::mqtt::const_message_ptr) { clock.arrived(); });
  connect_bare(client_, false, timeout);
  auto topics = ::mqtt::string_collection::create(filters);
  wait_token(client_.subscribe(topics, ::mqtt::iasync_client::qos_collection(filters.size(), qos)), timeout,
             fmt::format("subscribing {}", client_id));
}

BareSubscriber::~BareSubscriber() { disconnect_quietly(client_); }

void forget_session(const std::string& uri, const std::string& client_id, std::chrono::milliseconds timeout) {
  ::mqtt::async_client client(uri, client_id, nullptr);
  connect_bare(client, true, timeout);
  wait_token(client.disconnect(), timeout, fmt::format("disconnecting {}", client_id));
}

}  // namespace edgeml::bench
