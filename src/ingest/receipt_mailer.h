// Sends store receipts on a thread of its own. Paho C holds its lock while a
// message handler runs, and a collector's handler may wait for the writer
// thread (a full queue): if the writer itself published the receipts, each
// would wait for the other. The mailer's queue is bounded and never blocks
// the writer: a receipt that finds it full is dropped, and its sender sends
// the events again (the store keeps each once).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

namespace edgeml::ingest {

class ReceiptMailer {
 public:
  using Sender = std::function<void(const std::string& topic, const std::string& payload)>;

  explicit ReceiptMailer(std::size_t capacity = 4096);
  ~ReceiptMailer();  // sends what is queued, then stops
  ReceiptMailer(const ReceiptMailer&) = delete;
  ReceiptMailer& operator=(const ReceiptMailer&) = delete;

  void set_sender(Sender sender);
  // Queues one receipt; false (and dropped) when the queue is full or no
  // sender is set.
  bool post(std::string topic, std::string payload);
  // Waits (at most `timeout`) until every receipt posted so far was handed to the sender.
  bool wait_idle(std::chrono::milliseconds timeout);
  std::int64_t sent() const;
  std::int64_t dropped() const;

 private:
  void run();

  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::pair<std::string, std::string>> queue_;
  Sender sender_;
  bool busy_ = false, stopping_ = false;
  std::int64_t sent_ = 0, dropped_ = 0;
  std::thread thread_;  // last: starts after the members it uses
};

}  // namespace edgeml::ingest
