#include "ingest/store_writer.h"

#include <map>
#include <vector>

#include <spdlog/spdlog.h>

#include "ingest/receipt.h"

namespace edgeml::ingest {

StoreWriter::StoreWriter(EventStore& store, CsvMirror* csv, std::size_t capacity)
    : store_(store), csv_(csv), capacity_(capacity), thread_([this] { run(); }) {}

StoreWriter::~StoreWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void StoreWriter::set_receipt_sender(ReceiptSender sender) {
  std::lock_guard lock(mutex_);
  send_receipt_ = std::move(sender);
}

void StoreWriter::set_failure_handler(std::function<void(const std::string& why)> handler) {
  std::lock_guard lock(mutex_);
  on_failure_ = std::move(handler);
}

bool StoreWriter::push(PendingWrite write) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return failure_ || stopping_ || queue_.size() < capacity_; });
  if (failure_ || stopping_) return false;
  queue_.push_back(std::move(write));
  ++queued_;
  changed_.notify_all();
  return true;
}

void StoreWriter::flush() {
  std::unique_lock lock(mutex_);
  const std::int64_t target = queued_;
  changed_.wait(lock, [&] { return failure_ || done_ >= target; });
}

std::optional<std::string> StoreWriter::failure() const {
  std::lock_guard lock(mutex_);
  return failure_;
}

bool StoreWriter::finish_seen() const {
  std::lock_guard lock(mutex_);
  return finish_seen_;
}

StoreCounts StoreWriter::counts() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

void StoreWriter::run() {
  std::deque<PendingWrite> batch;
  while (true) {
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything is written
      batch.swap(queue_);
    }
    changed_.notify_all();  // room in the queue
    std::string why;
    if (!write_batch(batch, why)) {
      store_.rollback();
      spdlog::error("the event store failed; nothing more is taken: {}", why);
      std::function<void(const std::string&)> on_failure;
      {
        std::lock_guard lock(mutex_);
        failure_ = why;
        on_failure = on_failure_;
      }
      changed_.notify_all();
      if (on_failure) on_failure(why);
      return;
    }
    after_commit(batch);
    batch.clear();
  }
}

bool StoreWriter::write_batch(std::deque<PendingWrite>& batch, std::string& why) {
  Status s = store_.begin();
  std::int64_t stored = 0, duplicates = 0, rejected = 0;
  for (auto& w : batch) {
    if (!s) break;
    if (w.kind == PendingWrite::Kind::event) {
      s = store_.insert(w.event, w.stored);
      (w.stored ? stored : duplicates) += 1;
    } else if (w.kind == PendingWrite::Kind::reject) {
      s = store_.reject(w.topic, w.payload, w.reason);
      ++rejected;
    }
  }
  if (s) s = store_.commit();
  if (!s) {
    why = s.reason();
    return false;
  }
  std::lock_guard lock(mutex_);
  counts_.stored += stored;
  counts_.duplicates += duplicates;
  counts_.rejected += rejected;
  ++counts_.commits;
  return true;
}

// Only once the commit is on disk: the CSV line (a mirror, caught up on the
// next start if this is lost) and the receipts (lost ones mean a resend,
// which the store's unique key makes harmless).
void StoreWriter::after_commit(std::deque<PendingWrite>& batch) {
  std::map<std::string, std::vector<std::uint64_t>> receipts;
  bool finish = false;
  for (const auto& w : batch) {
    if (w.stored && csv_) {
      if (Status s = csv_->append(w.event); !s) spdlog::error("{}", s.reason());
    }
    finish |= w.kind == PendingWrite::Kind::finish;
    if (!w.receipt_topic.empty()) receipts[w.receipt_topic].push_back(w.sequence);
  }
  ReceiptSender send;
  {
    std::lock_guard lock(mutex_);
    send = send_receipt_;
  }
  for (auto& [topic, sequences] : receipts)
    if (send) send(topic, encode_receipt(std::move(sequences)));
  std::lock_guard lock(mutex_);
  counts_.receipts += send ? static_cast<std::int64_t>(receipts.size()) : 0;
  finish_seen_ |= finish;
  done_ += static_cast<std::int64_t>(batch.size());
  changed_.notify_all();
}

}  // namespace edgeml::ingest
