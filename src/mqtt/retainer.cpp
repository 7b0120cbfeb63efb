#include "mqtt/retainer.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/error.h"
#include "mqtt/broker.h"
#include "protocol/topic_filter.h"

namespace edgeml::mq {

namespace {

// A PUBLISH's bytes besides its topic and payload, at most: fixed header (5),
// topic length (2), packet id (2), MQTT 5 property length (1), rounded up.
constexpr std::size_t kPublishOverhead = 16;

constexpr const char* kClientId = "edgeml-retainer";

// Our own republishes would come back retained and be ignored anyway;
// no_local spares the broker sending them. Retained messages already on the
// broker are not sent at subscribe time: they need nothing from us.
constexpr SubscriptionOptions kSubscription{.no_local = true, .retain_as_published = true, .send_retained = false};

ClientOptions mqtt5_session(ClientOptions client) {
  client.mqtt_version = 5;
  // The broker queues what arrives while we are away (reconnecting, or not yet
  // connected after a restart of the broker) instead of dropping it.
  client.clean_session = false;
  return client;
}

}  // namespace

Retainer::Retainer(RetainerOptions options)
    : options_(std::move(options)), client_(mqtt5_session(options_.client)) {
  if (options_.filters.empty()) throw Error("the retainer needs at least one topic filter");
  for (const auto& filter : options_.filters) {
    if (!is_valid_filter(filter)) throw Error(fmt::format("the retainer's filter '{}' is not an MQTT topic filter", filter));
    client_.add_subscription(filter, 1, kSubscription);
  }
  client_.set_message_handler([this](const Message& m) { on_message(m); });
}

void Retainer::start() {
  client_.connect();
  // Subscribed by connect() already, but not waited for: subscribing again,
  // alike, waits until each is granted, so that nothing is missed from now on.
  for (const auto& filter : options_.filters) client_.subscribe(filter, 1, std::chrono::seconds(10), kSubscription);
  spdlog::info("retainer: keeping {} retained on {}", fmt::join(options_.filters, ", "),
               client_.options().connection.uri());
}

// On Paho's thread: publish() only queues, it never waits on the broker.
void Retainer::on_message(const Message& m) {
  if (m.retained) return;
  const std::string topic(m.topic);
  if (options_.max_packet_bytes > 0 &&
      m.topic.size() + m.payload.size() + kPublishOverhead > static_cast<std::size_t>(options_.max_packet_bytes)) {
    ++skipped_;
    spdlog::warn("retainer: not retaining {} ({} bytes): above the broker's packet limit of {} bytes", topic,
                 m.payload.size(), options_.max_packet_bytes);
    return;
  }
  try {
    client_.publish(topic, m.payload, 1, true);
    ++republished_;
    spdlog::debug("retainer: retained {} ({} bytes)", topic, m.payload.size());
  } catch (const Error& e) {
    spdlog::error("retainer: cannot retain {}: {}", topic, e.what());
  }
}

std::unique_ptr<Retainer> start_station_retainer(const Broker& broker) {
  const BrokerConfig& config = broker.config();
  if (!config.bridge) return nullptr;
  RetainerOptions options;
  options.client.connection.host = broker.address();
  options.client.connection.port = broker.port();
  options.client.connection.client_id = kClientId;
  if (const BrokerUser* user = broker.retainer_user()) {
    options.client.connection.username = user->name;
    options.client.connection.password = user->password;
  }
  options.client.connect_timeout = std::chrono::seconds(10);
  options.filters = bridged_down_filters();
  options.max_packet_bytes = config.max_packet_bytes;
  auto retainer = std::make_unique<Retainer>(std::move(options));
  retainer->start();
  return retainer;
}

}  // namespace edgeml::mq
