// Internal to src/mqtt: a Delivery that follows Paho's delivery token.
#pragma once

#include <mqtt/delivery_token.h>

#include "mqtt/delivery.h"

namespace edgeml::mq {

DeliveryPtr paho_delivery(::mqtt::delivery_token_ptr token);

}  // namespace edgeml::mq
