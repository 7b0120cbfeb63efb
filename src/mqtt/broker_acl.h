// Roles a broker user can be given (--role NAME=ROLE, or a --roles file) and
// the Mosquitto ACL they make, so that a stolen sensor password cannot, say,
// deploy a model.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace edgeml::mq {

struct BrokerRole {
  std::string user;
  std::string role;  // one of broker_role_names()
};

// "sensor, collector, server, deployer, requester, station".
std::string broker_role_names();

// Parses "NAME=ROLE". Throws Error naming the text and the known roles.
BrokerRole parse_broker_role(const std::string& text);

// A roles file: `NAME: ROLE[, ROLE...]` lines; `#` starts a comment, blank
// lines are skipped. `source` names the text in errors ("FILE:LINE: ...").
std::vector<BrokerRole> parse_broker_roles(std::string_view text, const std::string& source);
// The same, read from a file; throws Error naming it when it cannot be read.
std::vector<BrokerRole> read_broker_roles(const std::filesystem::path& file);

// Mosquitto ACL text: a `user` block per role, and the receipts pattern.
// Throws Error for an unknown role.
std::string render_acl(const std::vector<BrokerRole>& roles);

// The name of a station broker's own user for its retainer, which no --user may take.
inline constexpr std::string_view kRetainerUser = "edgeml-retainer";
// That user's ACL block: read and write the bridged-down topics, nothing else.
std::string render_retainer_acl();

}  // namespace edgeml::mq
