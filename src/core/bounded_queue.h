// A fixed-capacity queue between threads. Every slot is made up front and
// reused: push_with() fills a free slot in place and pop() swaps a filled slot
// with the caller's object, so elements that own buffers (strings) keep and
// reuse their storage instead of allocating per message. Both wait at most
// their timeout, so a full queue pushes back on the producer and an empty one
// lets the consumer check for shutdown.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <utility>
#include <vector>

#include "core/error.h"

namespace edgeml {

template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(std::size_t capacity) : slots_(capacity) {
    if (capacity == 0) throw Error("a queue needs room for at least one element");
  }
  BoundedQueue(const BoundedQueue&) = delete;
  BoundedQueue& operator=(const BoundedQueue&) = delete;

  // Calls fill(T& slot) on a free slot, waiting up to `timeout` for one;
  // false (and fill not called) when the queue stayed full or is closed.
  // A waiting consumer is woken once the queue holds `wake_at` elements; below
  // that the element waits for the next push that wakes it or for the end of
  // the consumer's timeout. Waking costs system calls on both sides, which
  // elements that can wait need not pay one by one.
  template <typename Fill>
  bool push_with(Fill&& fill, std::chrono::milliseconds timeout, std::size_t wake_at = 1) {
    std::unique_lock lock(mutex_);
    if (!not_full_.wait_for(lock, timeout, [&] { return closed_ || size_ < slots_.size(); }) || closed_) return false;
    fill(slots_[(head_ + size_) % slots_.size()]);
    const bool wake = ++size_ >= std::min(wake_at, slots_.size());
    lock.unlock();
    if (wake) not_empty_.notify_one();
    return true;
  }

  // Swaps the oldest element into `out`, waiting up to `timeout` for one;
  // false when none came (or the queue is closed and empty).
  bool pop(T& out, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    if (!not_empty_.wait_for(lock, timeout, [&] { return closed_ || size_ > 0; }) || size_ == 0) return false;
    std::swap(out, slots_[head_]);
    head_ = (head_ + 1) % slots_.size();
    --size_;
    lock.unlock();
    not_full_.notify_one();
    return true;
  }

  // Wakes every waiter; pushes fail from now on, pops drain what is left.
  void close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    not_full_.notify_all();
    not_empty_.notify_all();
  }

  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return size_;
  }
  std::size_t capacity() const { return slots_.size(); }
  bool closed() const {
    std::lock_guard lock(mutex_);
    return closed_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable not_full_, not_empty_;
  std::vector<T> slots_;
  std::size_t head_ = 0, size_ = 0;
  bool closed_ = false;
};

}  // namespace edgeml
