#include "support/message_inbox.h"

#include "support/test_support.h"

namespace edgeml::test {

mq::Client::FullMessageHandler MessageInbox::handler() {
  return [this](const mq::Message& m) {
    std::lock_guard lock(mutex_);
    messages_.push_back({std::string(m.topic), std::string(m.payload), m.response_topic, m.correlation_data});
  };
}

std::vector<ReceivedMessage> MessageInbox::messages() const {
  std::lock_guard lock(mutex_);
  return messages_;
}

std::size_t MessageInbox::size() const {
  std::lock_guard lock(mutex_);
  return messages_.size();
}

bool MessageInbox::wait_for(std::size_t count, std::chrono::milliseconds timeout) const {
  return wait_until([&] { return size() >= count; }, timeout);
}

bool MessageInbox::wait_for(const std::string& topic, const std::string& payload,
                            std::chrono::milliseconds timeout) const {
  return wait_until(
      [&] {
        std::lock_guard lock(mutex_);
        for (const auto& m : messages_)
          if (m.topic == topic && m.payload == payload) return true;
        return false;
      },
      timeout);
}

void MessageInbox::clear() {
  std::lock_guard lock(mutex_);
  messages_.clear();
}

std::unique_ptr<mq::Client> receiving_client(mq::ClientOptions options, MessageInbox& inbox,
                                               const std::string& filter) {
  auto client = std::make_unique<mq::Client>(std::move(options));
  client->set_message_handler(inbox.handler());
  client->add_subscription(filter, 1);
  client->connect();
  return client;
}

}  // namespace edgeml::test
