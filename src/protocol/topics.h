// Every MQTT topic and subscription filter of edgeml, built here and nowhere
// else (docs/wire-protocol.md#topics). The tutorial's topics (alarm/...,
// request/..., predict/...) must stay as they are; the edgeml/... ones are ours.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "protocol/series_id.h"

namespace edgeml {

// --- Sensor events: alarm/{station}/{datapoint}/{alarm}, and the end of a replay.
inline constexpr std::string_view kAlarmPrefix = "alarm";
inline constexpr std::string_view kFinishTopic = "alarm/finish";
inline constexpr std::string_view kAlarmFilter = "alarm/#";             // the collector's default
inline constexpr std::string_view kAlarmSeriesFilter = "alarm/+/+/+";  // events only, not alarm/finish
std::string alarm_topic(const SeriesId& series);
// "alarm/{station}/#": every series of one station.
std::string station_alarm_filter(std::string_view station);
// Under alarm/ (alarm/finish included).
bool is_alarm_topic(std::string_view topic);
// Under request/.
bool is_request_topic(std::string_view topic);
// Reads the series from the last three levels of a topic such as
// alarm/1160629000/121/308; a prefix of one or more levels must come first.
Status parse_series_topic(std::string_view topic, SeriesId& out);

// --- Prediction requests: request/{station}/{datapoint}/{alarm}.
inline constexpr std::string_view kRequestPrefix = "request";
inline constexpr std::string_view kRequestFilter = "request/+/+/+";  // what a server answers
inline constexpr std::string_view kAllRequestsFilter = "request/#";  // the ACL's
std::string request_topic(const SeriesId& series);

// --- Replies: "predict/{station}/{datapoint}/{alarm}", where the tutorial's
// client listens, or predict/errors when the request's topic names no series.
inline constexpr std::string_view kReplyPrefix = "predict";
inline constexpr std::string_view kAllRepliesFilter = "predict/#";
inline constexpr std::string_view kReplyErrorsTopic = "predict/errors";
std::string reply_topic(const SeriesId& series);
// predict/REST for request/REST, else kReplyErrorsTopic: the reply topic of a
// request whose topic may not have parsed.
std::string reply_topic_for(std::string_view request_topic);
// "$share/{group}/{filter}": the broker hands each message to one member of
// the group. An empty group gives the filter itself.
std::string shared_filter(std::string_view group, std::string_view filter);
// What a server subscribes to for requests: kRequestFilter, shared by `group`.
std::string request_subscription(std::string_view group);

// MQTT 5 Response Topics of `edgeml request`: edgeml/replies/{client}.
inline constexpr std::string_view kResponseTopicPrefix = "edgeml/replies/";
inline constexpr std::string_view kAllResponsesFilter = "edgeml/replies/#";
std::string response_topic(std::string_view requester);

// --- A serving node: edgeml/nodes/{node}/{status|alerts|stats|deployments},
// each with the filter that watches every node's.
inline constexpr std::string_view kNodesPrefix = "edgeml/nodes/";
inline constexpr std::string_view kAllNodesFilter = "edgeml/nodes/#";
// Retained "online" / "offline".
std::string node_status_topic(std::string_view node);
inline constexpr std::string_view kNodeStatusFilter = "edgeml/nodes/+/status";
// Retained figures of the node.
std::string node_stats_topic(std::string_view node);
inline constexpr std::string_view kNodeStatsFilter = "edgeml/nodes/+/stats";
std::string node_alerts_topic(std::string_view node);
inline constexpr std::string_view kNodeAlertsFilter = "edgeml/nodes/+/alerts";
// The outcome of each deployment.
std::string node_deployments_topic(std::string_view node);
inline constexpr std::string_view kNodeDeploymentsFilter = "edgeml/nodes/+/deployments";
// "edgeml/contracts/{node}/violations"
std::string contract_violations_topic(std::string_view node);

// --- Deployments: edgeml/deploy/{target}/{model}, target "all",
// "node/{node}" or "group/{group}".
inline constexpr std::string_view kDeployPrefix = "edgeml/deploy/";
inline constexpr std::string_view kAllDeploymentsFilter = "edgeml/deploy/#";
std::string deploy_topic(std::string_view target, std::string_view model);
// The filters a server subscribes to for deployments to it.
std::vector<std::string> deploy_filters(std::string_view node, std::string_view group);
bool is_deploy_topic(std::string_view topic);

// --- An edge cluster (docs/cluster.md): edgeml/cluster/{cluster}/...
// "applications" (retained, signed), "nodes/{node}" (each node's retained
// announcement, its Last Will "gone") and "placement" (retained, by the leader).
inline constexpr std::string_view kClusterPrefix = "edgeml/cluster/";
inline constexpr std::string_view kAllClusterFilter = "edgeml/cluster/#";
std::string cluster_applications_topic(std::string_view cluster);
inline constexpr std::string_view kAllClusterApplicationsFilter = "edgeml/cluster/+/applications";
std::string cluster_node_topic(std::string_view cluster, std::string_view node);
std::string cluster_nodes_filter(std::string_view cluster);
std::string cluster_placement_topic(std::string_view cluster);
// "{cluster}.{application}": the group whose shared subscription an
// application's replicas answer through, and whose deploy topics carry its models.
std::string cluster_group(std::string_view cluster, std::string_view application);
// "edgeml/cluster/{cluster}/handoff/{application}/": under it, a request's
// own topic when a replica whose queue is full hands it to the others.
std::string cluster_handoff_prefix(std::string_view cluster, std::string_view application);
// "{node}.{application}": the name a node's replica of an application serves as.
std::string cluster_replica_node(std::string_view node, std::string_view application);

// --- Store receipts: edgeml/receipts/{client id}/{run}.
inline constexpr std::string_view kReceiptPrefix = "edgeml/receipts/";
inline constexpr std::string_view kAllReceiptsFilter = "edgeml/receipts/#";
std::string receipt_topic(std::string_view client_id, std::string_view run);
// A topic a collector may answer on: under kReceiptPrefix, short, and
// without wildcards (a PUBLISH to one would make the broker drop the collector).
bool is_receipt_topic(std::string_view topic);

// --- Data quality: edgeml/dq/{station}/{datapoint}/{alarm}, or
// edgeml/dq/unattributed for a record whose topic named no series.
inline constexpr std::string_view kQualityTopicPrefix = "edgeml/dq";
inline constexpr std::string_view kAllQualityFilter = "edgeml/dq/#";
std::string quality_topic(const SeriesId& series);

// --- Collectors: edgeml/collectors/{node}/quality, their retained counts.
inline constexpr std::string_view kCollectorsPrefix = "edgeml/collectors/";
inline constexpr std::string_view kAllCollectorsFilter = "edgeml/collectors/#";
inline constexpr std::string_view kCollectorQualityFilter = "edgeml/collectors/+/quality";
std::string collector_quality_topic(std::string_view node);

// --- Stations bridged to a cloud broker (docs/wire-protocol.md#stations):
// a station's own topics appear there under "stations/{station}/", and the
// bridge says "1" or "0" (retained; "0" is its Last Will) on
// edgeml/bridges/{station}/state, on both brokers.
inline constexpr std::string_view kStationsPrefix = "stations/";
inline constexpr std::string_view kStationsAlarmFilter = "stations/+/alarm/#";  // the cloud collectors'
std::string station_prefix(std::string_view station);
// `topic` as it is on the cloud broker for `station` (station_prefix() + topic).
std::string station_topic(std::string_view station, std::string_view topic);
// What every station's nodes reported of their deployments, on the cloud broker.
inline constexpr std::string_view kStationsNodeDeploymentsFilter = "stations/+/edgeml/nodes/+/deployments";
std::string bridge_state_topic(std::string_view station);
// A station's name: a single topic level of letters, digits, '.', '_' and '-'.
Status check_station_name(std::string_view station);

// "edgeml/nodes/edge-1/stats" under prefix kNodesPrefix gives node "edge-1"
// and kind "stats"; false when the topic is not PREFIX{name}/{kind}.
bool split_fleet_topic(std::string_view topic, std::string_view prefix, std::string_view& name,
                       std::string_view& kind);

}  // namespace edgeml
