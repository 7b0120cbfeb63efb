#include "protocol/topics.h"

#include <fmt/format.h>

#include "protocol/topic_filter.h"

namespace edgeml {

namespace {

// "prefix/...": the prefix as the topic's first level.
bool under(std::string_view topic, std::string_view prefix) {
  return topic.size() > prefix.size() && topic.starts_with(prefix) && topic[prefix.size()] == '/';
}

}  // namespace

std::string alarm_topic(const SeriesId& series) { return fmt::format("{}/{}", kAlarmPrefix, series.path()); }

std::string station_alarm_filter(std::string_view station) { return fmt::format("{}/{}/#", kAlarmPrefix, station); }

bool is_alarm_topic(std::string_view topic) {
  return under(topic, kAlarmPrefix);
}

Status parse_series_topic(std::string_view topic, SeriesId& out) {
  // PREFIX/{station}/{datapoint}/{alarm}: the series is the last three levels.
  std::size_t cut = topic.size();
  for (int i = 0; i < 3 && cut != std::string_view::npos; ++i) cut = cut == 0 ? std::string_view::npos : topic.rfind('/', cut - 1);
  if (cut == std::string_view::npos) return Status::error("topic is not PREFIX/{station}/{datapoint}/{alarm}");
  if (cut == 0) return Status::error("topic has an empty prefix");
  return parse_series_path(topic.substr(cut + 1), out);
}

std::string request_topic(const SeriesId& series) { return fmt::format("{}/{}", kRequestPrefix, series.path()); }

std::string reply_topic(const SeriesId& series) { return fmt::format("{}/{}", kReplyPrefix, series.path()); }

bool is_request_topic(std::string_view topic) { return under(topic, kRequestPrefix); }

std::string reply_topic_for(std::string_view request_topic) {
  if (is_request_topic(request_topic))
    return fmt::format("{}{}", kReplyPrefix, request_topic.substr(kRequestPrefix.size()));
  return std::string(kReplyErrorsTopic);
}

std::string station_prefix(std::string_view station) { return fmt::format("{}{}/", kStationsPrefix, station); }

std::string station_topic(std::string_view station, std::string_view topic) {
  return station_prefix(station).append(topic);
}

std::string bridge_state_topic(std::string_view station) { return fmt::format("edgeml/bridges/{}/state", station); }

Status check_station_name(std::string_view station) {
  if (station.empty() || station.size() > 64) return Status::error("a station name has 1 to 64 characters");
  for (char c : station) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
    if (!ok) return Status::error(fmt::format("station name '{}' may hold only letters, digits, '.', '_' and '-'", station));
  }
  return Status::ok();
}

std::string shared_filter(std::string_view group, std::string_view filter) {
  return group.empty() ? std::string(filter) : fmt::format("$share/{}/{}", group, filter);
}

std::string request_subscription(std::string_view group) { return shared_filter(group, kRequestFilter); }

std::string response_topic(std::string_view requester) { return fmt::format("{}{}", kResponseTopicPrefix, requester); }

std::string node_status_topic(std::string_view node) { return fmt::format("{}{}/status", kNodesPrefix, node); }
std::string node_alerts_topic(std::string_view node) { return fmt::format("{}{}/alerts", kNodesPrefix, node); }
std::string node_stats_topic(std::string_view node) { return fmt::format("{}{}/stats", kNodesPrefix, node); }
std::string node_deployments_topic(std::string_view node) {
  return fmt::format("{}{}/deployments", kNodesPrefix, node);
}

std::string contract_violations_topic(std::string_view node) {
  return fmt::format("edgeml/contracts/{}/violations", node);
}

std::string deploy_topic(std::string_view target, std::string_view model) {
  return fmt::format("{}{}/{}", kDeployPrefix, target, model);
}

std::vector<std::string> deploy_filters(std::string_view node, std::string_view group) {
  std::vector<std::string> filters = {fmt::format("{}all/+", kDeployPrefix),
                                      fmt::format("{}node/{}/+", kDeployPrefix, node)};
  if (!group.empty()) filters.push_back(fmt::format("{}group/{}/+", kDeployPrefix, group));
  return filters;
}

bool is_deploy_topic(std::string_view topic) { return topic.starts_with(kDeployPrefix); }

std::string receipt_topic(std::string_view client_id, std::string_view run) {
  return fmt::format("{}{}/{}", kReceiptPrefix, client_id, run);
}

bool is_receipt_topic(std::string_view topic) {
  return topic.starts_with(kReceiptPrefix) && is_publishable_topic(topic, 256);
}

std::string quality_topic(const SeriesId& series) {
  if (series.station.empty()) return fmt::format("{}/unattributed", kQualityTopicPrefix);
  return fmt::format("{}/{}", kQualityTopicPrefix, series.path());
}

std::string collector_quality_topic(std::string_view node) {
  return fmt::format("{}{}/quality", kCollectorsPrefix, node);
}

bool split_fleet_topic(std::string_view topic, std::string_view prefix, std::string_view& name,
                       std::string_view& kind) {
  if (!topic.starts_with(prefix)) return false;
  topic.remove_prefix(prefix.size());
  std::size_t slash = topic.find('/');
  if (slash == 0 || slash == std::string_view::npos) return false;
  name = topic.substr(0, slash);
  kind = topic.substr(slash + 1);
  return kind.find('/') == std::string_view::npos;
}

std::string cluster_applications_topic(std::string_view cluster) {
  return fmt::format("{}{}/applications", kClusterPrefix, cluster);
}

std::string cluster_node_topic(std::string_view cluster, std::string_view node) {
  return fmt::format("{}{}/nodes/{}", kClusterPrefix, cluster, node);
}

std::string cluster_nodes_filter(std::string_view cluster) { return fmt::format("{}{}/nodes/+", kClusterPrefix, cluster); }

std::string cluster_placement_topic(std::string_view cluster) { return fmt::format("{}{}/placement", kClusterPrefix, cluster); }

std::string cluster_handoff_prefix(std::string_view cluster, std::string_view application) {
  return fmt::format("{}{}/handoff/{}/", kClusterPrefix, cluster, application);
}

std::string cluster_group(std::string_view cluster, std::string_view application) {
  return fmt::format("{}.{}", cluster, application);
}

std::string cluster_replica_node(std::string_view node, std::string_view application) {
  return fmt::format("{}.{}", node, application);
}

}  // namespace edgeml
