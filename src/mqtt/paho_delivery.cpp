#include "mqtt/paho_delivery.h"

#include <fmt/format.h>
#include <mqtt/exception.h>

namespace edgeml::mq {

namespace {

class PahoDelivery final : public Delivery {
 public:
  explicit PahoDelivery(::mqtt::delivery_token_ptr token) : token_(std::move(token)) {}

  bool wait_for(std::chrono::milliseconds timeout) override {
    try {
      return token_->wait_for(timeout);
    } catch (const ::mqtt::exception&) {
      return false;  // ended with a failure, which failed() tells
    }
  }

  bool done() const override { return token_->is_complete(); }

  bool failed() const override { return token_->is_complete() && token_->get_return_code() != 0; }

  std::string failure() const override {
    if (!failed()) return {};
    auto message = token_->get_message();
    return fmt::format("the publish to '{}' failed: {}", message ? message->get_topic() : std::string("?"),
                       ::mqtt::exception::error_str(token_->get_return_code()));
  }

 private:
  ::mqtt::delivery_token_ptr token_;
};

}  // namespace

DeliveryPtr paho_delivery(::mqtt::delivery_token_ptr token) {
  return std::make_shared<PahoDelivery>(std::move(token));
}

}  // namespace edgeml::mq
