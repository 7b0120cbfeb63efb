// Store receipts under the ACL that `edgeml broker --role` generates: a
// collector's receipt reaches the sensor it is addressed to (by client id)
// and no other sensor, whatever that one subscribes to.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "ingest/collector.h"
#include "ingest/sqlite_event_store.h"
#include "protocol/receipt.h"
#include "mqtt/broker.h"
#include "support/message_inbox.h"
#include "support/test_support.h"

namespace edgeml::test {
namespace {

using namespace std::chrono_literals;

constexpr auto kWait = 20s;

mq::ClientOptions as_user(const mq::Broker& broker, const std::string& client_id, const std::string& user) {
  mq::ClientOptions o = client_options(broker, client_id);
  o.connection.username = user;
  o.connection.password = user + "-pw";
  o.mqtt_version = 5;  // a Response Topic asks for the receipt
  return o;
}

class ReceiptAclTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mq::BrokerConfig config;
    for (const char* user : {"sensor-a", "sensor-b", "collector"}) config.users.push_back({user, std::string(user) + "-pw"});
    config.roles = {{"sensor-a", "sensor"}, {"sensor-b", "sensor"}, {"collector", "collector"}};
    broker_ = start_broker(dir_ / "broker", config);
    collector_client_ = std::make_unique<mq::Client>(as_user(*broker_, "collector-1", "collector"));
    collector_.attach(*collector_client_);
    collector_client_->connect();
  }

  void TearDown() override {
    if (collector_client_) collector_client_->disconnect();
  }

  // Sends an event asking for a receipt on the sender's own receipt topic,
  // again every 200 ms (the collector's subscription may not be made yet;
  // the store keeps the event once), until `inbox` holds one more message on
  // that topic.
  bool send_until_receipted(mq::Client& sensor, const MessageInbox& inbox, int sequence) {
    const std::string topic = receipt_topic(sensor.options().connection.client_id, "run");
    auto receipts = [&] {
      std::size_t n = 0;
      for (const auto& m : inbox.messages()) n += m.topic == topic;
      return n;
    };
    const std::size_t before = receipts();
    return wait_until(
        [&] {
          sensor.publish_request("alarm/1160629000/121/308", fmt::format("{}.0,{}.0,231,230,True", sequence, sequence),
                                 1, topic, std::to_string(sequence));
          return wait_until([&] { return receipts() > before; }, 200ms);
        },
        kWait);
  }

  TempDir dir_;
  std::unique_ptr<mq::Broker> broker_;
  ingest::SqliteEventStore store_{dir_ / "events.db"};
  // Before the collector, which sends receipts with it until it stops.
  std::unique_ptr<mq::Client> collector_client_;
  ingest::Collector collector_{store_, nullptr, {}};
};

TEST_F(ReceiptAclTest, ASensorGetsItsOwnReceiptsAndNoneOfAnotherSensors) {
  MessageInbox a_inbox, b_inbox;
  auto b = receiving_client(as_user(*broker_, "sensor-b-1", "sensor-b"), b_inbox, "edgeml/receipts/sensor-b-1/#");
  // A asks for B's receipts by name and for everyone's.
  auto a = std::make_unique<mq::Client>(as_user(*broker_, "sensor-a-1", "sensor-a"));
  a->set_message_handler(a_inbox.handler());
  a->add_subscription("edgeml/receipts/sensor-b-1/#", 1);
  a->add_subscription("edgeml/receipts/#", 1);
  a->connect();

  ASSERT_TRUE(send_until_receipted(*b, b_inbox, 1)) << "B got no receipt";
  // A's own receipt proves its subscriptions are in place; B's next one is
  // sent before A's next, so had A been allowed it, it would be there first.
  ASSERT_TRUE(send_until_receipted(*a, a_inbox, 100)) << "A got no receipt of its own";
  ASSERT_TRUE(send_until_receipted(*b, b_inbox, 2));
  ASSERT_TRUE(send_until_receipted(*a, a_inbox, 101));

  for (const auto& m : a_inbox.messages())
    EXPECT_EQ(m.topic, receipt_topic("sensor-a-1", "run")) << "A read " << m.topic;
  for (const auto& m : b_inbox.messages()) EXPECT_EQ(m.topic, receipt_topic("sensor-b-1", "run"));
  collector_.flush();
  EXPECT_EQ(collector_.counts().stored, 4);
}

}  // namespace
}  // namespace edgeml::test
