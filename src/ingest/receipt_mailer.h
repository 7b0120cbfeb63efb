// Sends store receipts on a thread of its own. Paho C holds its lock while a
// message handler runs, and a collector's handler may wait for the writer
// thread (a full queue): if the writer itself published the receipts, each
// would wait for the other. The mailer's queue (core/bounded_queue.h) never
// blocks the writer: a receipt that finds it full is dropped, and its sender
// sends the events again (the store keeps each once).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "core/bounded_queue.h"

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
  std::int64_t dropped() const { return dropped_; }

 private:
  void run();

  BoundedQueue<std::pair<std::string, std::string>> queue_;
  std::mutex sender_mutex_;
  Sender sender_;
  std::atomic<std::int64_t> posted_{0}, sent_{0}, dropped_{0};
  std::thread thread_;  // last: starts after the members it uses
};

}  // namespace edgeml::ingest
