#include "ingest/receipt_mailer.h"

namespace edgeml::ingest {

ReceiptMailer::ReceiptMailer(std::size_t capacity) : capacity_(capacity), thread_([this] { run(); }) {}

ReceiptMailer::~ReceiptMailer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void ReceiptMailer::set_sender(Sender sender) {
  std::lock_guard lock(mutex_);
  sender_ = std::move(sender);
}

bool ReceiptMailer::post(std::string topic, std::string payload) {
  {
    std::lock_guard lock(mutex_);
    if (!sender_ || queue_.size() >= capacity_) {
      ++dropped_;
      return false;
    }
    queue_.emplace_back(std::move(topic), std::move(payload));
  }
  changed_.notify_all();
  return true;
}

bool ReceiptMailer::wait_idle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return queue_.empty() && !busy_; });
}

std::int64_t ReceiptMailer::sent() const {
  std::lock_guard lock(mutex_);
  return sent_;
}

std::int64_t ReceiptMailer::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

void ReceiptMailer::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    changed_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;
    auto [topic, payload] = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    Sender sender = sender_;
    lock.unlock();
    sender(topic, payload);
    lock.lock();
    busy_ = false;
    ++sent_;
    changed_.notify_all();
  }
}

}  // namespace edgeml::ingest
