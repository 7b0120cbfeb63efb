// The collector's writer thread: takes what the message thread has judged,
// writes it to the store in group commits (one transaction and one sync for
// every write that queued up during the last commit), then mirrors new events
// to the CSV and sends store receipts. The queue is bounded: when the disk is
// slower than the broker, push() waits, Paho stops reading, and the broker
// holds the rest. A lock held by another connection (a reader, a backup) for
// longer than the store's busy timeout (or, in PostgreSQL, a deadlock or a lost
// connection) is waited out: the batch is tried again later, whole, and
// nothing of it is receipted before it is committed.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "protocol/alarm_event.h"
#include "ingest/csv_mirror.h"
#include "ingest/event_store.h"

namespace edgeml::ingest {

struct StoreCounts {
  std::int64_t stored = 0;
  std::int64_t duplicates = 0;
  std::int64_t rejected = 0;
  std::int64_t commits = 0;
  std::int64_t receipts = 0;  // receipt messages handed to the sender
};

// How long the writer keeps trying a batch that fails only on another
// connection's lock (EventStore::busy()), beyond the store's own busy timeout.
struct LockRetry {
  int attempts = 20;  // then the store counts as failed
  std::chrono::milliseconds first_pause{100};
  std::chrono::milliseconds longest_pause{5000};  // the pause doubles up to this
};

class StoreWriter {
 public:
  // Publishes one receipt; runs on the writer thread.
  using ReceiptSender = std::function<void(const std::string& topic, const std::string& payload)>;

  // `csv` may be null. The thread starts at once.
  StoreWriter(EventStore& store, CsvMirror* csv, std::size_t capacity = 2048, LockRetry retry = {});
  ~StoreWriter();  // commits what is queued, then stops
  StoreWriter(const StoreWriter&) = delete;
  StoreWriter& operator=(const StoreWriter&) = delete;

  void set_receipt_sender(ReceiptSender sender);
  // Called on the writer thread after each commit with the largest delivery
  // of the batch (writes are committed in the order they were pushed), before
  // flush() sees the batch done. Not called for a batch without deliveries.
  void set_commit_listener(std::function<void(std::uint64_t delivery)> listener);
  // Called once, on the writer thread, when the store fails.
  void set_failure_handler(std::function<void(const std::string& why)> handler);
  // Queues one write, waiting while the queue is full. False once the store
  // has failed: nothing more is taken.
  bool push(PendingWrite write);
  // Waits until everything queued before it is committed, or the store failed
  // and its failure handler has returned.
  void flush();

  // Why the store failed (the transaction was rolled back); empty while it works.
  std::optional<std::string> failure() const;
  bool finish_seen() const;
  StoreCounts counts() const;
  // Batches tried again because the database was locked.
  std::int64_t lock_retries() const;

 private:
  void run();
  // Commits the batch, waiting out locks; false (with why) when the store failed.
  bool commit_batch(std::vector<PendingWrite>& batch, std::string& why);
  bool write_batch(std::vector<PendingWrite>& batch, std::string& why);
  void fail(const std::string& why);
  void after_commit(std::vector<PendingWrite>& batch);

  EventStore& store_;
  CsvMirror* csv_;
  const std::size_t capacity_;
  const LockRetry retry_;
  ReceiptSender send_receipt_;
  std::function<void(std::uint64_t)> on_commit_;
  std::function<void(const std::string& why)> on_failure_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<PendingWrite> queue_;
  std::int64_t queued_ = 0, done_ = 0;  // writes taken and writes settled, for flush()
  std::optional<std::string> failure_;
  bool failure_reported_ = false;  // the failure handler has returned: flush() waits for it
  bool stopping_ = false;
  bool finish_seen_ = false;
  StoreCounts counts_;
  std::int64_t lock_retries_ = 0;
  std::thread thread_;  // last: starts after the members it uses
};

}  // namespace edgeml::ingest
