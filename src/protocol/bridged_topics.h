// What a station's broker shares with the cloud broker over its bridge
// (docs/wire-protocol.md#stations): its sensors' events and its nodes' state
// go up under the station's prefix; deployments and cluster applications come
// down, both the whole fleet's and those addressed to this station alone.
#pragma once

#include <string_view>
#include <vector>

namespace edgeml {

enum class BridgeDirection { out, in };

struct BridgedTopic {
  std::string_view filter;  // as on the station's broker
  BridgeDirection direction;
  int qos;
  // On the cloud side the filter is under station_prefix(): out, where the
  // station's topics go; in, what is addressed to this station only.
  bool station_prefixed;
};

const std::vector<BridgedTopic>& bridged_topics();

}  // namespace edgeml
