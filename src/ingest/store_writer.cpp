#include "ingest/store_writer.h"

#include <algorithm>
#include <map>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "protocol/receipt.h"

namespace edgeml::ingest {

StoreWriter::StoreWriter(EventStore& store, CsvMirror* csv, std::size_t capacity, LockRetry retry)
    : store_(store), csv_(csv), capacity_(capacity), retry_(retry), thread_([this] { run(); }) {}

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

void StoreWriter::set_commit_listener(std::function<void(std::uint64_t delivery)> listener) {
  std::lock_guard lock(mutex_);
  on_commit_ = std::move(listener);
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
  changed_.wait(lock, [&] { return failure_reported_ || done_ >= target; });
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

std::int64_t StoreWriter::lock_retries() const {
  std::lock_guard lock(mutex_);
  return lock_retries_;
}

void StoreWriter::run() {
  std::vector<PendingWrite> batch;
  while (true) {
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything is written
      batch.swap(queue_);
    }
    changed_.notify_all();  // room in the queue
    std::string why;
    if (!commit_batch(batch, why)) {
      fail(why);
      return;
    }
    after_commit(batch);
    batch.clear();
  }
}

// A lock is somebody else's transaction, not a broken store: the batch is
// rolled back and tried again after a pause, while push() holds back the
// messages behind it. The pause grows, and the attempts are bounded, so a lock
// that is never released still ends as a failure with its reason.
bool StoreWriter::commit_batch(std::vector<PendingWrite>& batch, std::string& why) {
  std::chrono::milliseconds pause = retry_.first_pause;
  for (int attempt = 1;; ++attempt) {
    if (write_batch(batch, why)) return true;
    if (!store_.busy()) return false;
    if (attempt >= retry_.attempts) {
      why += fmt::format(" (still busy after {} attempts)", attempt);
      return false;
    }
    spdlog::warn("the event store is busy (another connection's lock, a deadlock, a lost connection); trying {} "
                 "writes again in {} ms: {}",
                 batch.size(), pause.count(), why);
    {
      std::lock_guard lock(mutex_);
      ++lock_retries_;
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, retry_.longest_pause);
  }
}

void StoreWriter::fail(const std::string& why) {
  spdlog::error("the event store failed; nothing more is taken: {}", why);
  std::function<void(const std::string&)> on_failure;
  {
    std::lock_guard lock(mutex_);
    failure_ = why;
    on_failure = on_failure_;
  }
  changed_.notify_all();  // pushes waiting for room give up now
  // Outside the lock: the handler may call back. A flush() returns once it
  // has, so whoever flushed sees what the handler did.
  if (on_failure) on_failure(why);
  {
    std::lock_guard lock(mutex_);
    failure_reported_ = true;
  }
  changed_.notify_all();
}

bool StoreWriter::write_batch(std::vector<PendingWrite>& batch, std::string& why) {
  if (Status s = store_.write(batch); !s) {
    why = s.reason();
    return false;
  }
  std::int64_t stored = 0, duplicates = 0, rejected = 0;
  for (const auto& w : batch) {
    if (w.kind == PendingWrite::Kind::event) (w.stored ? stored : duplicates) += 1;
    rejected += w.kind == PendingWrite::Kind::reject;
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
void StoreWriter::after_commit(std::vector<PendingWrite>& batch) {
  std::map<std::string, std::vector<std::uint64_t>> receipts;
  bool finish = false;
  std::uint64_t delivery = 0;
  for (const auto& w : batch) {
    delivery = std::max(delivery, w.delivery);
    if (w.stored && csv_) {
      if (Status s = csv_->append(w.event); !s) spdlog::error("{}", s.reason());
    }
    finish |= w.kind == PendingWrite::Kind::finish;
    if (!w.receipt_topic.empty()) receipts[w.receipt_topic].push_back(w.sequence);
  }
  ReceiptSender send;
  std::function<void(std::uint64_t)> committed;
  {
    std::lock_guard lock(mutex_);
    send = send_receipt_;
    committed = on_commit_;
  }
  if (committed && delivery > 0) committed(delivery);
  for (auto& [topic, sequences] : receipts)
    if (send) send(topic, encode_receipt(std::move(sequences)));
  std::lock_guard lock(mutex_);
  counts_.receipts += send ? static_cast<std::int64_t>(receipts.size()) : 0;
  finish_seen_ |= finish;
  done_ += static_cast<std::int64_t>(batch.size());
  changed_.notify_all();
}

}  // namespace edgeml::ingest
