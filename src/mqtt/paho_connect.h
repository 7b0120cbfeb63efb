// Internal to src/mqtt: Paho's client and connect options as ClientOptions
// ask, and connecting with retries and backoff.
#pragma once

#include <memory>

#include <mqtt/async_client.h>

#include "mqtt/client_options.h"

namespace edgeml::mq {

// Buffers publishes while disconnected (max_buffered, none dropped) and
// restores those in `outbox` (may be null: memory only). Throws Error when
// there is no client id or Paho refuses the options.
std::unique_ptr<::mqtt::async_client> make_paho_client(const ClientOptions& options,
                                                       ::mqtt::iclient_persistence* outbox);

// Sets session, Last Will, keep-alive, automatic reconnect, credentials and
// TLS on `connect`. Filled in place: Paho 1.2.0 loses MQTT 5 properties (the
// session expiry) when connect_options are copied or moved.
void set_connect_options(::mqtt::connect_options& connect, const ClientOptions& options);

// Blocks until connected, retrying with backoff for options.connect_timeout.
// Throws Error saying why the broker could not be reached or refused us.
void connect_with_retry(::mqtt::async_client& client, const ::mqtt::connect_options& connect,
                        const ClientOptions& options);

}  // namespace edgeml::mq
