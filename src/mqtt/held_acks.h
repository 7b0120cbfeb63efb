// The packet ids of QoS 1 messages a stream subscriber handed on but has not
// acknowledged yet, in the order it handed them on, until their owner says
// they are done with (StreamSubscriber::acknowledge_through: a collector
// once they are committed). Its capacity is fixed when it is made: packet ids
// are 16 bits, so no broker has more than 65,535 messages in flight to one
// client, and holding one never allocates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace edgeml::mq::stream {

class HeldAcks {
 public:
  static constexpr std::size_t kCapacity = 65536;
  static_assert((kCapacity & (kCapacity - 1)) == 0, "a power of two, so that an index wraps with a mask");

  // Without room until reserve().
  void reserve() { ring_.resize(kCapacity); }

  // False when full (a broker beyond the protocol): the caller acknowledges at once.
  bool hold(std::uint64_t delivery, std::uint16_t packet_id) {
    if (size_ == ring_.size()) return false;
    ring_[(head_ + size_) & (kCapacity - 1)] = {delivery, packet_id};
    ++size_;
    return true;
  }

  // Calls ack(packet_id) for each held message handed on at or before
  // `delivery`, oldest first, and forgets them.
  template <typename Ack>
  void release_through(std::uint64_t delivery, Ack&& ack) {
    while (size_ > 0 && ring_[head_].delivery <= delivery) {
      ack(ring_[head_].packet_id);
      head_ = (head_ + 1) & (kCapacity - 1);
      --size_;
    }
  }

  // A new connection: the broker sends what was held again.
  void clear() { head_ = size_ = 0; }
  std::size_t size() const { return size_; }

 private:
  struct Held {
    std::uint64_t delivery;
    std::uint16_t packet_id;
  };
  std::vector<Held> ring_;
  std::size_t head_ = 0, size_ = 0;
};

}  // namespace edgeml::mq::stream
