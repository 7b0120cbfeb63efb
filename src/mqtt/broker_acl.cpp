#include "mqtt/broker_acl.h"

#include <algorithm>
#include <string_view>

#include <fmt/format.h>

#include "core/csv.h"
#include "core/error.h"
#include "core/file_text.h"
#include "mqtt/broker_bridge.h"
#include "protocol/topics.h"

namespace edgeml::mq {

namespace {

struct Grant {
  std::string_view access;  // read | write | readwrite
  std::string_view filter;
};

struct RoleGrants {
  std::string_view name;
  std::vector<Grant> grants;
};

// What each edgeml command publishes and subscribes to. A sensor's receipts
// are addressed to its client id: see the `pattern` in render_acl().
const std::vector<RoleGrants>& roles() {
  static const std::vector<RoleGrants> table{
      {"sensor", {{"write", kAlarmFilter}}},
      {"collector",
       {{"read", kAlarmFilter},
        {"write", kAllReceiptsFilter},
        {"write", kAllQualityFilter},
        {"write", kAllCollectorsFilter},
        {"read", kStationsAlarmFilter}}},
      {"server",
       {{"read", kAllRequestsFilter},
        {"read", kAlarmFilter},
        {"read", kAllDeploymentsFilter},
        {"write", kAllRepliesFilter},
        {"write", kAllNodesFilter},
        {"write", kAllQualityFilter},
        {"write", kAllResponsesFilter},
        // a cluster node: its announcement and the leader's placement, and its replicas' stats
        {"readwrite", kAllClusterFilter},
        {"read", kNodeStatsFilter}}},
      {"deployer",
       {{"write", kAllDeploymentsFilter},
        {"read", kNodeDeploymentsFilter},
        {"readwrite", kAllClusterFilter},
        // on a cloud broker: what is addressed to one station, and what its nodes did with it
        {"write", "stations/+/edgeml/deploy/#"},
        {"readwrite", "stations/+/edgeml/cluster/+/applications"},
        {"read", "stations/+/edgeml/nodes/+/deployments"}}},
      {"requester", {{"write", kAllRequestsFilter}, {"read", kAllRepliesFilter}, {"read", kAllResponsesFilter}}},
      // On a cloud broker: a station's bridge, whose user is named as the
      // station, so that no station can speak for another.
      {"station",
       {{"write", "stations/{user}/#"},
        {"readwrite", "edgeml/bridges/{user}/state"},
        {"read", kAllDeploymentsFilter},
        {"read", "stations/{user}/edgeml/deploy/#"},
        {"read", kAllClusterApplicationsFilter},
        {"read", "stations/{user}/edgeml/cluster/+/applications"}}},
  };
  return table;
}

const RoleGrants* find_role(std::string_view name) {
  for (const auto& r : roles())
    if (r.name == name) return &r;
  return nullptr;
}

}  // namespace

std::string broker_role_names() {
  std::string names;
  for (const auto& r : roles()) names += (names.empty() ? "" : ", ") + std::string(r.name);
  return names;
}

BrokerRole parse_broker_role(const std::string& text) {
  std::size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || !find_role(text.substr(eq + 1)))
    throw Error(fmt::format("--role expects NAME=ROLE with ROLE one of {}, got '{}'", broker_role_names(), text));
  return {text.substr(0, eq), text.substr(eq + 1)};
}

namespace {

constexpr std::size_t kMaxRolesFileBytes = 1 << 20;

// One `NAME: ROLE[, ROLE...]` line, comment already removed.
void parse_roles_line(std::string_view line, const std::string& where, std::vector<BrokerRole>& out) {
  const auto colon = line.find(':');
  const std::string_view user = trim_blanks(line.substr(0, colon));
  if (colon == std::string_view::npos || user.empty() || user.find_first_of(" \t") != std::string_view::npos)
    throw Error(fmt::format("{}: expected NAME: ROLE[, ROLE...], got '{}'", where, line));
  std::string_view rest = line.substr(colon + 1);
  while (true) {
    const auto comma = rest.find(',');
    const std::string_view role = trim_blanks(rest.substr(0, comma));
    if (!find_role(role))
      throw Error(fmt::format("{}: {} for '{}'; roles are {}", where,
                              role.empty() ? std::string("a role is missing") : fmt::format("unknown role '{}'", role),
                              user, broker_role_names()));
    out.push_back({std::string(user), std::string(role)});
    if (comma == std::string_view::npos) return;
    rest.remove_prefix(comma + 1);
  }
}

// A grant's filter with "{user}" replaced by the user's name, which must then
// be one topic level.
std::string for_user(std::string_view filter, const std::string& user) {
  const std::size_t at = filter.find("{user}");
  if (at == std::string_view::npos) return std::string(filter);
  if (Status s = check_station_name(user); !s)
    throw Error(fmt::format("user '{}' cannot have the station role: {}", user, s.reason()));
  return fmt::format("{}{}{}", filter.substr(0, at), user, filter.substr(at + 6));
}

}  // namespace

std::vector<BrokerRole> parse_broker_roles(std::string_view text, const std::string& source) {
  std::vector<BrokerRole> roles;
  int number = 0;
  while (!text.empty()) {
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    ++number;
    line = trim_blanks(line.substr(0, line.find('#')));
    if (!line.empty()) parse_roles_line(line, fmt::format("{}:{}", source, number), roles);
  }
  return roles;
}

std::vector<BrokerRole> read_broker_roles(const std::filesystem::path& file) {
  return parse_broker_roles(read_file_text(file, kMaxRolesFileBytes), file.string());
}

std::string render_acl(const std::vector<BrokerRole>& assigned) {
  std::string acl = "# Generated by edgeml broker from --role and --roles.\n";
  // Patterns apply to every user, so this lets any client read the receipts
  // addressed to its own client id, and no one else's.
  acl += fmt::format("pattern read {}%c/#\n", kReceiptPrefix);
  // One block per user, holding all its roles: a node may collect and serve.
  std::vector<std::string> done;
  for (const auto& first : assigned) {
    if (std::find(done.begin(), done.end(), first.user) != done.end()) continue;
    done.push_back(first.user);
    acl += fmt::format("\nuser {}\n", first.user);
    std::vector<std::string_view> granted;  // a role given twice (--role and --roles) is written once
    for (const auto& a : assigned) {
      if (a.user != first.user || std::find(granted.begin(), granted.end(), a.role) != granted.end()) continue;
      granted.push_back(a.role);
      const RoleGrants* role = find_role(a.role);
      if (!role)
        throw Error(fmt::format("unknown role '{}' for user '{}'; known: {}", a.role, a.user, broker_role_names()));
      for (const auto& g : role->grants) acl += fmt::format("topic {} {}\n", g.access, for_user(g.filter, a.user));
    }
  }
  return acl;
}

std::string render_retainer_acl() {
  std::string acl = fmt::format("\n# The station broker's retainer (edgeml broker --bridge).\nuser {}\n", kRetainerUser);
  for (const std::string& filter : bridged_down_filters()) acl += fmt::format("topic readwrite {}\n", filter);
  return acl;
}

}  // namespace edgeml::mq
