#include "ingest/receipted_publisher.h"

#include <thread>

#include <spdlog/spdlog.h>

#include "core/error.h"
#include "ingest/publisher.h"
#include "protocol/receipt.h"

namespace edgeml::ingest {

namespace {
constexpr auto kResendScan = std::chrono::milliseconds(100);
constexpr auto kWaitSlice = std::chrono::milliseconds(50);
constexpr auto kSyncEvery = std::chrono::milliseconds(2);
}  // namespace

ReceiptedPublisher::ReceiptedPublisher(mq::Client& client, EventOutbox& outbox, ReceiptedOptions options)
    : client_(client),
      outbox_(outbox),
      options_(options),
      receipt_topic_(receipt_topic(client.options().connection.client_id, new_run_id())),
      start_(Clock::now()) {
  if (client.options().mqtt_version < 5) throw Error("store receipts need an MQTT 5 client");
  if (options_.qos < 1 || options_.qos > 2) throw Error("store receipts need QoS 1 or 2");
  if (options_.window == 0) options_.window = 1;
  client_.add_subscription(receipt_topic_, 1);
  client_.set_message_handler([this](const mq::Message& m) { on_receipt(m.payload); });
  client_.set_connected_handler([this] {
    std::lock_guard lock(mutex_);
    // After a reconnect what was in flight may be gone with the connection.
    if (++connections_ > 1) reconnected_ = true;
  });
  // Unsent as yet: the first settle() after connecting sends them.
  outbox_.for_each([this](std::uint64_t sequence, std::string topic, std::string payload) {
    pending_.emplace(sequence, Pending{std::move(topic), std::move(payload), Clock::time_point{}});
    ++restored_;
  });
  unreceipted_ = pending_.size();
  if (restored_ > 0) spdlog::info("{} events of an earlier run are waiting in {}", restored_, outbox_.path().string());
}

ReceiptedPublisher::~ReceiptedPublisher() {
  try {
    settle(true);
  } catch (const Error& e) {
    spdlog::error("{}", e.what());
  }
}

void ReceiptedPublisher::on_receipt(std::string_view payload) {
  std::vector<std::uint64_t> sequences;
  if (Status s = decode_receipt(payload, sequences); !s) {
    spdlog::warn("ignored a store receipt on {}: {}", receipt_topic_, s.reason());
    return;
  }
  {
    std::lock_guard lock(mutex_);
    receipts_.insert(receipts_.end(), sequences.begin(), sequences.end());
  }
  receipt_arrived_.notify_all();
}

// A publish that does not end within a wait slice (the broker is away), or
// fails, is let go: the receipt, not the broker's acknowledgement, decides
// delivery; a failed one goes again with the resends.
void ReceiptedPublisher::wait_for_broker_room() {
  while (!unacknowledged_.empty()) {
    const auto& oldest = unacknowledged_.front();
    bool done = oldest->done();
    if (!done && unacknowledged_.size() >= options_.broker_in_flight) {
      oldest->wait_for(kWaitSlice);
      done = true;
    }
    if (!done) return;
    unacknowledged_.pop_front();
  }
}

void ReceiptedPublisher::send(std::uint64_t sequence, Pending& pending) {
  pending.sent_at = Clock::now();
  // While the broker is away the outbox keeps it; every event without a
  // receipt goes after the reconnect.
  if (!client_.connected()) return;
  wait_for_broker_room();
  try {
    unacknowledged_.push_back(client_.publish_request(pending.topic, pending.payload, options_.qos, receipt_topic_,
                                                      sequence_correlation(sequence)));
  } catch (const Error& e) {
    // Paho's buffer is full while the broker is away: it goes with the next resend.
    spdlog::debug("{}", e.what());
  }
}

void ReceiptedPublisher::sync_outbox() {
  outbox_.sync();
  unsynced_ = 0;
  last_sync_ = Clock::now();
}

void ReceiptedPublisher::settle(bool sync) {
  std::vector<std::uint64_t> receipts;
  bool resend_all = false;
  {
    std::lock_guard lock(mutex_);
    receipts.swap(receipts_);
    std::swap(resend_all, reconnected_);
  }
  std::int64_t removed = 0;
  for (std::uint64_t sequence : receipts) {
    if (pending_.erase(sequence) == 0) continue;  // a receipt for a resend
    outbox_.remove(sequence);
    ++removed;
    ++unsynced_;
  }
  auto now = Clock::now();
  if (resend_all) unacknowledged_.clear();  // publishes of the lost connection
  if (resend_all || now >= next_resend_scan_) {
    next_resend_scan_ = now + kResendScan;
    for (auto& [sequence, pending] : pending_) {
      if (!resend_all && now - pending.sent_at < options_.resend_after) continue;
      if (pending.sent_at != Clock::time_point{}) ++resent_;
      send(sequence, pending);
    }
  }
  if (sync || unsynced_ >= options_.group) sync_outbox();
  std::lock_guard lock(mutex_);
  receipted_ += removed;
  unreceipted_ = pending_.size();
}

void ReceiptedPublisher::wait_for_receipts(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  receipt_arrived_.wait_for(lock, timeout, [&] { return !receipts_.empty() || reconnected_; });
}

void ReceiptedPublisher::keep_and_send(std::string topic, std::string payload) {
  settle(false);
  while (pending_.size() >= options_.window) {
    settle(true);  // the outbox on disk before waiting on the network
    wait_for_receipts(kWaitSlice);
    settle(false);
  }
  std::uint64_t sequence = outbox_.add(topic, payload);
  // Group commit: an event is in the outbox file within kSyncEvery of its
  // publish() (and at once before any wait), at a fraction of a commit each.
  if (Clock::now() - last_sync_ >= kSyncEvery) sync_outbox();
  else ++unsynced_;
  auto [it, _] = pending_.emplace(sequence, Pending{std::move(topic), std::move(payload), {}});
  send(sequence, it->second);
  ++published_;
}

void ReceiptedPublisher::publish(const AlarmEvent& event) {
  if (options_.interval.count() > 0 && published_ > 0) {
    auto offset = options_.interval * static_cast<double>(published_);
    std::this_thread::sleep_until(start_ + std::chrono::duration_cast<Clock::duration>(offset));
  } else if (published_ == 0) {
    start_ = Clock::now();
  }
  keep_and_send(alarm_topic(event.series), payload_as_sent(event, options_.live));
}

bool ReceiptedPublisher::drain(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  auto next_report = Clock::now() + std::chrono::seconds(5);
  settle(true);
  while (!pending_.empty()) {
    auto now = Clock::now();
    if (now >= deadline) return false;
    if (now >= next_report) {
      spdlog::warn("{} events have no store receipt yet (is edgeml collect running?)", pending_.size());
      next_report = now + std::chrono::seconds(5);
    }
    wait_for_receipts(kWaitSlice);
    settle(true);
  }
  return true;
}

bool ReceiptedPublisher::finish(std::chrono::milliseconds timeout) {
  // Only once every event is stored: a collector stopping at the finish must
  // not stop before an event that is still being resent.
  auto deadline = Clock::now() + timeout;
  if (!drain(timeout)) return false;
  keep_and_send(std::string(kFinishTopic), std::string(kFinishPayload));
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return drain(std::max(left, std::chrono::milliseconds(1000)));
}

std::int64_t ReceiptedPublisher::receipted() const {
  std::lock_guard lock(mutex_);
  return receipted_;
}

std::size_t ReceiptedPublisher::unreceipted() const {
  std::lock_guard lock(mutex_);
  return unreceipted_;
}

}  // namespace edgeml::ingest
