// A publish on its way to the broker, as the one who sent it follows it.
#pragma once

#include <chrono>
#include <memory>
#include <string>

namespace edgeml::mq {

class Delivery {
 public:
  virtual ~Delivery() = default;

  // True once the broker has the message (QoS>0) or it was written (QoS 0);
  // false when `timeout` passed first or the publish failed (see failed()).
  virtual bool wait_for(std::chrono::milliseconds timeout) = 0;
  // Ended, delivered or failed.
  virtual bool done() const = 0;
  // Ended without reaching the broker (the connection broke while it was sent).
  virtual bool failed() const = 0;
  // When failed(): what failed and on which topic; otherwise empty.
  virtual std::string failure() const = 0;
};

// Shared: the sender may keep it in a queue while it is passed around.
using DeliveryPtr = std::shared_ptr<Delivery>;

}  // namespace edgeml::mq
