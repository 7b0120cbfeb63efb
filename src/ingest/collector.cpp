#include "ingest/collector.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "quality/quality_report.h"
#include "protocol/receipt.h"

namespace edgeml::ingest {

Collector::Collector(EventStore& store, CsvMirror* csv, CollectorOptions options)
    : options_(std::move(options)), writer_(store, csv, options_.queue) {
  writer_.set_failure_handler(options_.on_store_failure);
  writer_.set_receipt_sender(
      [this](const std::string& topic, const std::string& payload) { mailer_.post(topic, payload); });
}

QualityReporter mqtt_quality_reporter(mq::Client& client, std::string node) {
  return [&client, node = std::move(node)](const QualityRecord& record, const QualityVerdict& verdict) {
    // QoS 0 and not while away: reports must not fill the buffer of publishes held offline.
    if (!client.connected()) return false;
    try {
      client.publish(quality_topic(record.series), quality_report_json("collector", node, record, verdict), 0);
      return true;
    } catch (const Error& e) {
      spdlog::debug("{}", e.what());
      return false;
    }
  };
}

std::vector<std::string> Collector::filters() const {
  std::vector<std::string> out = options_.topics;
  bool finish_covered = false;
  for (const auto& topic : options_.topics) finish_covered |= topic_matches(topic, kFinishTopic);
  if (!finish_covered) out.emplace_back(kFinishTopic);
  return out;
}

void Collector::attach(mq::Client& client) {
  for (const auto& filter : filters()) client.add_subscription(filter, options_.qos);
  if (!reporter_) reporter_ = mqtt_quality_reporter(client, options_.node);
  set_receipt_sender([this, &client](const std::string& topic, const std::string& payload) {
    try {
      auto delivery = client.publish(topic, payload, 1);
      std::lock_guard lock(receipt_mutex_);
      last_receipt_ = std::move(delivery);
    } catch (const Error& e) {
      // The sender sends the events again when no receipt comes.
      spdlog::debug("{}", e.what());
    }
  });
  client.set_message_handler([this](const mq::Message& m) { handle(m); });
}

void Collector::set_quality_reporter(QualityReporter reporter) {
  std::lock_guard lock(mutex_);
  reporter_ = std::move(reporter);
}

void Collector::reject(std::string_view topic, std::string_view payload, std::string reason, PendingWrite& write) {
  ++counts_.rejected;
  if (counts_.rejected <= 10 || counts_.rejected % 1000 == 0)
    spdlog::warn("rejected a message on '{}' ({} so far): {}", topic.substr(0, 128), counts_.rejected, reason);
  write.kind = PendingWrite::Kind::reject;
  write.topic = topic;
  write.payload = payload;
  write.reason = std::move(reason);
}

QualityAction Collector::judge(std::string_view topic, std::string_view payload, const AlarmEvent* event) {
  record_ = event ? QualityRecord::from_event(*event) : read_alarm_record(topic, payload);
  options_.quality->inspect(record_, verdict_);
  if (verdict_.action == QualityAction::keep) return QualityAction::keep;
  if (verdict_.action == QualityAction::flag) ++counts_.quality_flagged;
  else ++counts_.quality_dropped;
  if (reporter_ && !reporter_(record_, verdict_)) ++counts_.reports_unsent;
  return verdict_.action;
}

void Collector::handle(std::string_view topic, std::string_view payload, std::uint64_t delivery) {
  mq::Message m;
  m.topic = topic;
  m.payload = payload;
  handle(m, delivery);
}

void Collector::handle(const mq::Message& m, std::uint64_t delivery) {
  PendingWrite write;
  write.delivery = delivery;
  // Receipts go only where receipts belong: a sender may not make the
  // collector publish on another topic.
  if (!m.response_topic.empty() && is_receipt_topic(m.response_topic) &&
      parse_sequence(m.correlation_data, write.sequence))
    write.receipt_topic = m.response_topic;
  {
    std::lock_guard lock(mutex_);
    ++counts_.received;
    if (m.topic == kFinishTopic) {
      if (m.payload == kFinishPayload) write.kind = PendingWrite::Kind::finish;
      else reject(m.topic, m.payload, fmt::format("'{}' payload is not '{}'", kFinishTopic, kFinishPayload), write);
    } else {
      Status parsed = parse_series_topic(m.topic, write.event.series);
      // Before judging: each series' checks run in the one collector that stores it.
      if (!options_.partition.holds(parsed ? &write.event.series : nullptr)) {
        ++counts_.skipped;
        if (delivery == 0) return;
        write.kind = PendingWrite::Kind::skip;  // its delivery is done once what came before it is committed
      } else {
        if (parsed) parsed = parse_payload(m.payload, write.event);
        if (options_.quality && judge(m.topic, m.payload, parsed ? &write.event : nullptr) == QualityAction::drop)
          reject(m.topic, m.payload, verdict_.reasons(), write);
        // A message that did not parse cannot be stored whatever the checks' policies say.
        else if (!parsed)
          reject(m.topic, m.payload, parsed.reason(), write);
      }
    }
  }
  queue(std::move(write));
}

void Collector::queue(PendingWrite write) {
  // After a failure nothing is taken; the owner heard of it (on_store_failure).
  (void)writer_.push(std::move(write));
}

bool Collector::wait_receipts_delivered(std::chrono::milliseconds timeout) {
  if (!mailer_.wait_idle(timeout)) return false;
  mq::DeliveryPtr last;
  {
    std::lock_guard lock(receipt_mutex_);
    last = last_receipt_;
  }
  // Failed: false, and the sender sends the events again.
  return !last || last->wait_for(timeout);
}

void Collector::forget_receipts_in_flight() {
  std::lock_guard lock(receipt_mutex_);
  last_receipt_.reset();
}

CollectorCounts Collector::counts() const {
  CollectorCounts n;
  {
    std::lock_guard lock(mutex_);
    n = counts_;
  }
  StoreCounts s = writer_.counts();
  n.stored = s.stored;
  n.duplicates = s.duplicates;
  n.commits = s.commits;
  n.receipts = s.receipts;
  return n;
}

}  // namespace edgeml::ingest
