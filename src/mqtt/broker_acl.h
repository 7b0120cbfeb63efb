// Roles a broker user can be given (--role NAME=ROLE) and the Mosquitto ACL
// they make, so that a stolen sensor password cannot, say, deploy a model.
#pragma once

#include <string>
#include <vector>

namespace edgeml::mqtt {

struct BrokerRole {
  std::string user;
  std::string role;  // one of broker_role_names()
};

// "sensor, collector, server, deployer, requester".
std::string broker_role_names();

// Parses "NAME=ROLE". Throws Error naming the text and the known roles.
BrokerRole parse_broker_role(const std::string& text);

// Mosquitto ACL text: a `user` block per role, and the receipts pattern.
// Throws Error for an unknown role.
std::string render_acl(const std::vector<BrokerRole>& roles);

}  // namespace edgeml::mqtt
