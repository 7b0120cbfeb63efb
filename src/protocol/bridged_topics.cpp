#include "protocol/bridged_topics.h"

#include "protocol/topics.h"

namespace edgeml {

const std::vector<BridgedTopic>& bridged_topics() {
  using enum BridgeDirection;
  // Events at QoS 1: with the bridge's persistent session the station's broker
  // keeps them while the link is down. Quality reports stay QoS 0, as their
  // senders publish them: they are advice, and must not fill that queue.
  static const std::vector<BridgedTopic> table{
      {kAlarmFilter, out, 1, true},
      {kAllNodesFilter, out, 1, true},
      {kAllCollectorsFilter, out, 1, true},
      {kAllQualityFilter, out, 0, true},
      {kAllDeploymentsFilter, in, 1, false},
      {kAllDeploymentsFilter, in, 1, true},
      {kAllClusterApplicationsFilter, in, 1, false},
      {kAllClusterApplicationsFilter, in, 1, true},
  };
  return table;
}

}  // namespace edgeml
