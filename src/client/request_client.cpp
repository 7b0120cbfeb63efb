#include "client/request_client.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <random>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/error.h"

namespace edgeml::client {

namespace {

using Clock = std::chrono::steady_clock;

// Keeps send time + timeout far from the clock's overflow.
constexpr std::chrono::hours kLongestTimeout{24};
constexpr int kMostRetries = 100;

// Unique among clients that run at the same time, so that no two share a
// response topic: the host, the process and a random part (for containers,
// where every process may be pid 1 on the same host name).
std::string unique_client_id() {
  std::random_device random;
  return fmt::format("{}-{}-{:04x}", mq::default_client_id("request"), getpid(), random() & 0xffff);
}

void check_options(const RequestClientOptions& o) {
  if (o.concurrency < 1) throw Error(fmt::format("concurrency must be at least 1, not {}", o.concurrency));
  if (!(o.rate >= 0) || !std::isfinite(o.rate)) throw Error(fmt::format("rate must be 0 or more, not {}", o.rate));
  if (o.timeout <= std::chrono::milliseconds(0) || o.timeout > kLongestTimeout)
    throw Error(fmt::format("timeout must be more than 0 and at most a day, not {} ms", o.timeout.count()));
  if (o.retries < 0 || o.retries > kMostRetries)
    throw Error(fmt::format("retries must be 0 to {}, not {}", kMostRetries, o.retries));
  if (o.qos < 0 || o.qos > 2) throw Error(fmt::format("QoS must be 0, 1 or 2, not {}", o.qos));
  const std::string& id = o.client.connection.client_id;
  if (id.find_first_of("/+#") != std::string::npos)
    throw Error(fmt::format("client id '{}' cannot name a response topic: it has '/', '+' or '#'", id));
}


}  // namespace

RequestClient::RequestClient(RequestClientOptions options)
    : options_(std::move(options)), in_flight_(options_.timeout, options_.retries) {
  check_options(options_);
  options_.client.mqtt_version = 5;
  options_.client.clean_session = true;
  options_.client.persist_dir.clear();
  auto& id = options_.client.connection.client_id;
  if (id.empty()) id = unique_client_id();
  response_topic_ = edgeml::response_topic(id);
}

void RequestClient::connect() {
  client_ = std::make_unique<mq::Client>(options_.client);
  client_->set_message_handler([this](const mq::Message& m) { on_reply(m); });
  client_->add_subscription(response_topic_, options_.qos);  // again after a reconnect
  client_->connect();
  // The subscription made on connecting is not waited for; a reply sent
  // before it is in place would be lost, so subscribe once more and wait.
  client_->subscribe(response_topic_, options_.qos, options_.client.connect_timeout);
}

// On Paho's receive thread: only hands the reply over, the run reads it.
void RequestClient::on_reply(const mq::Message& message) {
  auto at = Clock::now();
  const std::string& correlation = message.correlation_data;
  std::uint64_t sequence = 0;
  auto [end, ec] = std::from_chars(correlation.data(), correlation.data() + correlation.size(), sequence);
  bool numeric = ec == std::errc() && end == correlation.data() + correlation.size() && !correlation.empty();
  {
    std::lock_guard lock(mutex_);
    InFlightTable::Ended sent;
    // Not numeric: not ours; 0 is never sent, so it counts as unknown.
    if (in_flight_.reply(numeric ? sequence : 0, sent) != InFlightTable::Match::first) return;
    arrived_.push_back({std::move(sent), at, std::string(message.payload)});
  }
  arrived_cv_.notify_one();
}

// One run(): what it has sent, what has ended, when it may send next.
class RequestClient::Run {
 public:
  Run(RequestClient& client, const Source& next, const ResultHandler& on_result, const std::atomic<bool>* stop)
      : client_(client), next_(next), on_result_(on_result), stop_(stop) {}

  RequestTotals go() {
    start_ = last_end_ = next_send_at_ = Clock::now();
    RequestTotals before = reply_counts();
    std::vector<Arrival> arrivals;
    std::vector<InFlightTable::Ended> expired;
    while (true) {
      std::size_t in_flight = take_ended(arrivals, expired);
      for (Arrival& arrival : arrivals) deliver_reply(arrival);
      for (auto& sent : expired) deliver_timeout(sent);
      // After the results: a result handler may be what sets it.
      if (stop_ && *stop_) source_done_ = stopping_ = true;
      auto now = Clock::now();
      if (now >= next_send_at_) {
        // Re-sends first: they are older, and their slots are already taken.
        if (resend_next(now)) continue;
        if (may_send(in_flight)) {
          send_next(now, in_flight);
          continue;
        }
      }
      if (source_done_ && in_flight == 0) break;
      wait(in_flight, now);
    }
    totals_.elapsed = last_end_ - start_;
    RequestTotals after = reply_counts();
    totals_.duplicates = after.duplicates - before.duplicates;
    totals_.unmatched = after.unmatched - before.unmatched;
    return std::move(totals_);
  }

 private:
  static constexpr auto kStopCheck = std::chrono::milliseconds(100);

  bool may_send(std::size_t in_flight) const {
    return !source_done_ && in_flight < static_cast<std::size_t>(client_.options_.concurrency);
  }

  // The client's counts of replies that ended nothing, since it was made.
  RequestTotals reply_counts() {
    std::lock_guard lock(client_.mutex_);
    RequestTotals counts;
    counts.duplicates = client_.in_flight_.duplicates();
    counts.unmatched = client_.in_flight_.unknown();
    return counts;
  }

  // Moves out the replies that came and the requests whose last try is up
  // (once stopping, whose current try is up); gives how many are still in flight.
  std::size_t take_ended(std::vector<Arrival>& arrivals, std::vector<InFlightTable::Ended>& expired) {
    arrivals.clear();
    expired.clear();
    auto now = Clock::now();
    std::lock_guard lock(client_.mutex_);
    arrivals.swap(client_.arrived_);
    client_.in_flight_.expire(now, !stopping_, expired);
    return client_.in_flight_.size();
  }

  // Until a reply comes, a request falls due, the next send is due, or it is
  // time to look at the stop flag again.
  void wait(std::size_t in_flight, Clock::time_point now) {
    auto until = now + kStopCheck;
    std::unique_lock lock(client_.mutex_);
    if (may_send(in_flight) || client_.in_flight_.resend_waiting()) until = std::min(until, next_send_at_);
    until = std::min(until, client_.in_flight_.next_due());
    client_.arrived_cv_.wait_until(lock, until, [&] { return !client_.arrived_.empty(); });
  }

  void send_next(Clock::time_point now, std::size_t in_flight) {
    if (!next_(request_)) {
      source_done_ = true;
      return;
    }
    std::uint64_t sequence = client_.next_sequence_++;
    {
      // In the table before the send: the reply may come before publish returns.
      std::lock_guard lock(client_.mutex_);
      client_.in_flight_.add(sequence, request_, Clock::now());
    }
    if (publish(sequence, request_)) {
      ++totals_.sent;
      totals_.peak_in_flight = std::max(totals_.peak_in_flight, in_flight + 1);
    }
    advance_schedule(now);
  }

  // Sends a request that fell due once more, unchanged: its Correlation Data
  // matches a late reply to any earlier send as well.
  bool resend_next(Clock::time_point now) {
    if (stopping_) return false;  // what waits to be re-sent times out instead
    std::uint64_t sequence = 0;
    {
      std::lock_guard lock(client_.mutex_);
      if (!client_.in_flight_.next_resend(Clock::now(), sequence, resend_)) return false;
    }
    if (publish(sequence, resend_)) ++totals_.retried;
    advance_schedule(now);
    return true;
  }

  // False when the send failed, which ends the request as an error.
  bool publish(std::uint64_t sequence, const Request& request) {
    try {
      client_.client_->publish_request(request_topic(request.series),
                                       request_payload(request, sequence), client_.options_.qos,
                                       client_.response_topic_, std::to_string(sequence));
      return true;
    } catch (const Error& e) {
      deliver_failed_send(sequence, e.what());
      return false;
    }
  }

  void advance_schedule(Clock::time_point now) {
    double interval = client_.options_.rate > 0 ? 1.0 / client_.options_.rate : 0.0;
    // Paced from the schedule, not from each send, but never in a burst to
    // make up for time spent waiting on the concurrency limit.
    next_send_at_ = std::max(next_send_at_ + std::chrono::duration_cast<Clock::duration>(
                                                 std::chrono::duration<double>(interval)),
                             now);
  }

  void deliver_failed_send(std::uint64_t sequence, const std::string& reason) {
    InFlightTable::Entry sent;
    {
      std::lock_guard lock(client_.mutex_);
      if (!client_.in_flight_.take(sequence, sent)) return;  // answered meanwhile (an earlier send's reply)
    }
    RequestResult result = result_of({sequence, std::move(sent)});
    result.outcome = RequestResult::Outcome::error;
    result.error = reason;
    ++totals_.errors;
    end(result, Clock::now());
  }

  void deliver_reply(Arrival& arrival) {
    auto latency = arrival.at - arrival.sent.second.first_sent;
    RequestResult result = result_of(std::move(arrival.sent));
    result.reply = std::move(arrival.payload);
    result.latency = latency;
    result.outcome = classify_reply(result.reply, result.error);
    ++(result.outcome == RequestResult::Outcome::answered ? totals_.answered : totals_.errors);
    totals_.latency.record(result.latency);
    end(result, arrival.at);
  }

  void deliver_timeout(InFlightTable::Ended& sent) {
    RequestResult result = result_of(std::move(sent));
    result.outcome = RequestResult::Outcome::timeout;
    ++totals_.timeouts;
    end(result, Clock::now());
  }

  static RequestResult result_of(InFlightTable::Ended&& sent) {
    RequestResult result;
    result.sequence = sent.first;
    result.request = std::move(sent.second.request);
    result.sends = sent.second.sends;
    return result;
  }

  void end(const RequestResult& result, Clock::time_point at) {
    last_end_ = std::max(last_end_, at);
    if (on_result_) on_result_(result);
  }

  RequestClient& client_;
  const Source& next_;
  const ResultHandler& on_result_;
  const std::atomic<bool>* stop_;
  Request request_;  // reused: the source may keep its strings' storage
  Request resend_;   // a copy of a re-sent request, reused
  RequestTotals totals_;
  bool source_done_ = false, stopping_ = false;
  Clock::time_point start_, last_end_, next_send_at_;
};

RequestTotals RequestClient::run(const Source& next, const ResultHandler& on_result, const std::atomic<bool>* stop) {
  if (!client_) throw Error("the request client must connect() before it runs");
  return Run(*this, next, on_result, stop).go();
}

}  // namespace edgeml::client
