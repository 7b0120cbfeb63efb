// Stores every alarm event it receives once, and every payload it cannot
// accept as a reject with its reason; never stops on bad input.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/csv_mirror.h"
#include "ingest/event_store.h"
#include "mqtt/client.h"

namespace edgeml::ingest {

struct CollectorOptions {
  std::vector<std::string> topics{"alarm/#"};
  int qos = 1;
};

struct CollectorCounts {
  std::int64_t received = 0;
  std::int64_t stored = 0;
  std::int64_t duplicates = 0;
  std::int64_t rejected = 0;
  std::int64_t store_errors = 0;
};

class Collector {
 public:
  // `csv` may be null.
  Collector(EventStore& store, CsvMirror* csv, CollectorOptions options);

  // Subscribes the client to the collector's topics and routes its messages here.
  void attach(mqtt::Client& client);
  // One message, as the client's handler: it returns once the event is committed.
  void handle(std::string_view topic, std::string_view payload);

  bool finish_seen() const { return finish_seen_; }
  CollectorCounts counts() const;

 private:
  void reject(std::string_view topic, std::string_view payload, const std::string& reason);

  EventStore& store_;
  CsvMirror* csv_;
  CollectorOptions options_;
  mutable std::mutex mutex_;  // the store is not shared between threads
  CollectorCounts counts_;
  std::atomic<bool> finish_seen_{false};
};

// MQTT topic filter matching ('+' one level, '#' the rest).
bool topic_matches(std::string_view filter, std::string_view topic);

}  // namespace edgeml::ingest
