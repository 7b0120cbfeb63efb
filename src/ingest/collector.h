// Stores every alarm event it receives once, and every payload it cannot
// accept as a reject with its reason; never stops on bad input, and stops
// taking anything when the store fails (disk full, read-only, damaged). The
// message thread judges and parses; a StoreWriter commits in groups and then
// sends the store receipts that senders asked for (receipt.h). With a
// data-quality monitor every alarm message is judged first: a dropped record
// goes to the rejects with the findings as its reason, a flagged one is
// stored, and both are reported (on quality_topic() once attached to a client).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "quality/data_quality.h"
#include "protocol/topic_filter.h"
#include "protocol/topics.h"
#include "ingest/csv_mirror.h"
#include "ingest/event_store.h"
#include "ingest/partition.h"
#include "ingest/receipt_mailer.h"
#include "ingest/store_writer.h"
#include "mqtt/client.h"

namespace edgeml::ingest {

struct CollectorOptions {
  std::vector<std::string> topics{std::string(kAlarmFilter)};
  int qos = 1;
  // Judges every alarm message; null: none is judged (every event that parses is stored).
  DataQualityMonitor* quality = nullptr;
  // This collector's name in its quality reports.
  std::string node = "collector";
  // Writes queued for the writer thread at most.
  std::size_t queue = 2048;
  // Stores only the events of this partition's series (partition.h); the
  // others are taken from the broker and counted as skipped.
  Partition partition;
  // Called on the writer thread when the store fails, with why. `edgeml
  // collect` ends the process there: Paho acknowledges what it reads before
  // the handler runs, so the sooner the process goes, the less the broker
  // hands over that can no longer be stored (senders with receipts send it
  // again). Unset: the collector only stops taking messages.
  std::function<void(const std::string& why)> on_store_failure;
};

struct CollectorCounts {
  std::int64_t received = 0;
  std::int64_t stored = 0;
  std::int64_t duplicates = 0;
  std::int64_t rejected = 0;  // every row added to the rejects, quality drops included
  std::int64_t commits = 0;   // group commits
  std::int64_t receipts = 0;  // store receipts sent
  std::int64_t quality_flagged = 0;  // judged "flag" (stored when it parsed)
  std::int64_t quality_dropped = 0;  // judged "drop": in the rejects, not in the events
  std::int64_t reports_unsent = 0;   // quality reports that could not be published
  std::int64_t skipped = 0;  // events of another collector's partition: neither stored nor receipted
};

// Gets each flagged or dropped record with its verdict, on the message
// thread; returns false when the report could not go out.
using QualityReporter = std::function<bool(const QualityRecord& record, const QualityVerdict& verdict)>;

class Collector {
 public:
  // `csv` may be null.
  Collector(EventStore& store, CsvMirror* csv, CollectorOptions options);

  // Subscribes the client to the collector's topics and routes its messages
  // here; quality reports are published with it (QoS 0) unless a reporter was
  // set, and store receipts (QoS 1). The client must speak MQTT 5 for receipts.
  void attach(mq::Client& client);
  // What attach() subscribes to: the topics, and the end marker when no topic covers it.
  std::vector<std::string> filters() const;
  void set_quality_reporter(QualityReporter reporter);
  // Receipts are sent on a thread of their own (receipt_mailer.h).
  void set_receipt_sender(ReceiptMailer::Sender sender) { mailer_.set_sender(std::move(sender)); }
  // One message, as the client's handler: it returns once the write is queued.
  void handle(const mq::Message& message) { handle(message, 0); }
  void handle(std::string_view topic, std::string_view payload, std::uint64_t delivery = 0);
  // Called on the writer thread after each commit with the largest delivery
  // (the reader's number for a message, handle()'s third argument) that is
  // now committed, or needed no storing (another partition's event).
  void set_commit_listener(std::function<void(std::uint64_t delivery)> on_committed) {
    writer_.set_commit_listener(std::move(on_committed));
  }
  // Waits until every message handled so far is committed (or the store failed).
  void flush() { writer_.flush(); }
  // Waits (at most `timeout`) until the broker has every receipt sent so far:
  // call before disconnecting, or the last receipts may go with the connection.
  bool wait_receipts_delivered(std::chrono::milliseconds timeout);
  // The client started over (mq::Client::recover_if_stuck()): the receipts it
  // had in flight are gone, and their senders send those events again.
  void forget_receipts_in_flight();

  // True once the end marker (kFinishTopic) and everything before it are committed.
  bool finish_seen() const { return writer_.finish_seen(); }
  // Why the store failed; empty while it works.
  std::optional<std::string> failure() const { return writer_.failure(); }
  CollectorCounts counts() const;

 private:
  // Inspects the message (`event` when it parsed) and reports a flag or drop.
  void handle(const mq::Message& message, std::uint64_t delivery);
  QualityAction judge(std::string_view topic, std::string_view payload, const AlarmEvent* event);
  void reject(std::string_view topic, std::string_view payload, std::string reason, PendingWrite& write);
  void queue(PendingWrite write);

  CollectorOptions options_;
  QualityReporter reporter_;
  mutable std::mutex mutex_;  // the monitor and the counts are not shared between threads
  CollectorCounts counts_;
  QualityRecord record_;    // reused per message
  QualityVerdict verdict_;  // reused per message: a clean record allocates nothing
  std::mutex receipt_mutex_;
  mq::DeliveryPtr last_receipt_;
  ReceiptMailer mailer_;  // before the writer, which posts to it until it stops
  StoreWriter writer_;
};

// Publishes each report as quality_report_json() on quality_topic() at QoS 0;
// nothing while the client is disconnected (the report is counted unsent).
QualityReporter mqtt_quality_reporter(mq::Client& client, std::string node);

}  // namespace edgeml::ingest
