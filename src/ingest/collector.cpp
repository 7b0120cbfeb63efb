#include "ingest/collector.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/quality_report.h"

namespace edgeml::ingest {

bool topic_matches(std::string_view filter, std::string_view topic) {
  while (true) {
    std::size_t fs = filter.find('/');
    std::string_view level = filter.substr(0, fs);
    if (level == "#") return true;
    std::size_t ts = topic.find('/');
    std::string_view tlevel = topic.substr(0, ts);
    if (level != "+" && level != tlevel) return false;
    if (fs == std::string_view::npos || ts == std::string_view::npos) {
      // "a/#" also matches "a".
      return fs == ts || (ts == std::string_view::npos && filter.substr(fs + 1) == "#");
    }
    filter.remove_prefix(fs + 1);
    topic.remove_prefix(ts + 1);
  }
}

Collector::Collector(EventStore& store, CsvMirror* csv, CollectorOptions options)
    : store_(store), csv_(csv), options_(std::move(options)) {}

QualityReporter mqtt_quality_reporter(mqtt::Client& client, std::string node) {
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

void Collector::attach(mqtt::Client& client) {
  for (const auto& topic : options_.topics) client.add_subscription(topic, options_.qos);
  bool finish_covered = false;
  for (const auto& topic : options_.topics) finish_covered |= topic_matches(topic, kFinishTopic);
  if (!finish_covered) client.add_subscription(std::string(kFinishTopic), options_.qos);
  if (!reporter_) reporter_ = mqtt_quality_reporter(client, options_.node);
  client.set_message_handler([this](std::string_view topic, std::string_view payload) { handle(topic, payload); });
}

void Collector::set_quality_reporter(QualityReporter reporter) {
  std::lock_guard lock(mutex_);
  reporter_ = std::move(reporter);
}

void Collector::reject(std::string_view topic, std::string_view payload, const std::string& reason) {
  ++counts_.rejected;
  if (counts_.rejected <= 10 || counts_.rejected % 1000 == 0)
    spdlog::warn("rejected a message on '{}' ({} so far): {}", topic.substr(0, 128), counts_.rejected, reason);
  if (Status s = store_.reject(topic, payload, reason); !s) {
    ++counts_.store_errors;
    spdlog::error("could not record a reject: {}", s.reason());
  }
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

void Collector::handle(std::string_view topic, std::string_view payload) {
  std::lock_guard lock(mutex_);
  ++counts_.received;
  if (topic == kFinishTopic) {
    if (payload == kFinishPayload) {
      finish_seen_ = true;
      spdlog::debug("end of replay received on {}", topic);
    } else {
      reject(topic, payload, fmt::format("'{}' payload is not '{}'", kFinishTopic, kFinishPayload));
    }
    return;
  }
  AlarmEvent event;
  Status parsed = parse_series_topic(topic, event.series);
  if (parsed) parsed = parse_payload(payload, event);
  if (options_.quality && judge(topic, payload, parsed ? &event : nullptr) == QualityAction::drop)
    return reject(topic, payload, verdict_.reasons());
  // A message that did not parse cannot be stored whatever the checks' policies say.
  if (!parsed) return reject(topic, payload, parsed.reason());
  store(topic, payload, event);
}

void Collector::store(std::string_view topic, std::string_view payload, const AlarmEvent& event) {
  bool stored = false;
  if (Status s = store_.insert(event, stored); !s) {
    // The message is acknowledged when we return: keep it as a reject rather than lose it.
    ++counts_.store_errors;
    spdlog::error("could not store an event from '{}': {}", topic, s.reason());
    return reject(topic, payload, "store failed: " + s.reason());
  }
  if (!stored) {
    ++counts_.duplicates;
    return;
  }
  ++counts_.stored;
  if (csv_) {
    if (Status s = csv_->append(event); !s) {
      ++counts_.store_errors;
      spdlog::error("{}", s.reason());
    }
  }
}

CollectorCounts Collector::counts() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

}  // namespace edgeml::ingest
