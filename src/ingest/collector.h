// Stores every alarm event it receives once, and every payload it cannot
// accept as a reject with its reason; never stops on bad input. With a
// data-quality monitor every alarm message is judged first: a dropped record
// goes to the rejects with the findings as its reason, a flagged one is
// stored, and both are reported (on edgeml/dq/... once attached to a client).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/data_quality.h"
#include "ingest/csv_mirror.h"
#include "ingest/event_store.h"
#include "mqtt/client.h"

namespace edgeml::ingest {

struct CollectorOptions {
  std::vector<std::string> topics{"alarm/#"};
  int qos = 1;
  // Judges every alarm message; null: none is judged (every event that parses is stored).
  DataQualityMonitor* quality = nullptr;
  // This collector's name in its quality reports.
  std::string node = "collector";
};

struct CollectorCounts {
  std::int64_t received = 0;
  std::int64_t stored = 0;
  std::int64_t duplicates = 0;
  std::int64_t rejected = 0;  // every row added to the rejects, quality drops included
  std::int64_t store_errors = 0;
  std::int64_t quality_flagged = 0;  // judged "flag" (stored when it parsed)
  std::int64_t quality_dropped = 0;  // judged "drop": in the rejects, not in the events
  std::int64_t reports_unsent = 0;   // quality reports that could not be published
};

// Gets each flagged or dropped record with its verdict, on the message
// thread; returns false when the report could not go out.
using QualityReporter = std::function<bool(const QualityRecord& record, const QualityVerdict& verdict)>;

class Collector {
 public:
  // `csv` may be null.
  Collector(EventStore& store, CsvMirror* csv, CollectorOptions options);

  // Subscribes the client to the collector's topics and routes its messages
  // here; quality reports are published with it (QoS 0) unless a reporter was set.
  void attach(mqtt::Client& client);
  void set_quality_reporter(QualityReporter reporter);
  // One message, as the client's handler: it returns once the event is committed.
  void handle(std::string_view topic, std::string_view payload);

  bool finish_seen() const { return finish_seen_; }
  CollectorCounts counts() const;

 private:
  // Inspects the message (`event` when it parsed) and reports a flag or drop.
  QualityAction judge(std::string_view topic, std::string_view payload, const AlarmEvent* event);
  void store(std::string_view topic, std::string_view payload, const AlarmEvent& event);
  void reject(std::string_view topic, std::string_view payload, const std::string& reason);

  EventStore& store_;
  CsvMirror* csv_;
  CollectorOptions options_;
  QualityReporter reporter_;
  mutable std::mutex mutex_;  // the store is not shared between threads
  CollectorCounts counts_;
  QualityRecord record_;    // reused per message
  QualityVerdict verdict_;  // reused per message: a clean record allocates nothing
  std::atomic<bool> finish_seen_{false};
};

// Publishes each report as quality_report_json() on quality_topic() at QoS 0;
// nothing while the client is disconnected (the report is counted unsent).
QualityReporter mqtt_quality_reporter(mqtt::Client& client, std::string node);

// MQTT topic filter matching ('+' one level, '#' the rest).
bool topic_matches(std::string_view filter, std::string_view topic);

}  // namespace edgeml::ingest
