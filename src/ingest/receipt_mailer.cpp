#include "ingest/receipt_mailer.h"

namespace edgeml::ingest {

namespace {
constexpr auto kPopWait = std::chrono::milliseconds(100);
}  // namespace

ReceiptMailer::ReceiptMailer(std::size_t capacity) : queue_(capacity), thread_([this] { run(); }) {}

ReceiptMailer::~ReceiptMailer() {
  queue_.close();  // pops drain what is left
  thread_.join();
}

void ReceiptMailer::set_sender(Sender sender) {
  std::lock_guard lock(sender_mutex_);
  sender_ = std::move(sender);
}

bool ReceiptMailer::post(std::string topic, std::string payload) {
  bool has_sender;
  {
    std::lock_guard lock(sender_mutex_);
    has_sender = static_cast<bool>(sender_);
  }
  const bool queued = has_sender && queue_.push_with(
                                        [&](std::pair<std::string, std::string>& slot) {
                                          slot.first.swap(topic);
                                          slot.second.swap(payload);
                                        },
                                        std::chrono::milliseconds(0));
  if (queued) ++posted_;
  else ++dropped_;
  return queued;
}

bool ReceiptMailer::wait_idle(std::chrono::milliseconds timeout) {
  const std::int64_t target = posted_;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (sent_ < target) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

void ReceiptMailer::run() {
  std::pair<std::string, std::string> receipt;
  while (true) {
    if (!queue_.pop(receipt, kPopWait)) {
      if (queue_.closed()) return;
      continue;
    }
    Sender sender;
    {
      std::lock_guard lock(sender_mutex_);
      sender = sender_;
    }
    if (sender) sender(receipt.first, receipt.second);
    ++sent_;
  }
}

}  // namespace edgeml::ingest
