#include "protocol/topics.h"

#include <gtest/gtest.h>

#include "protocol/topic_filter.h"

namespace edgeml {
namespace {

const SeriesId kSeries{"1160629000", "121", "308"};

TEST(Topics, TheTutorialsTopicsForOneSeries) {
  EXPECT_EQ(alarm_topic(kSeries), "alarm/1160629000/121/308");
  EXPECT_EQ(request_topic(kSeries), "request/1160629000/121/308");
  EXPECT_EQ(reply_topic(kSeries), "predict/1160629000/121/308");
  EXPECT_TRUE(topic_matches(kAlarmFilter, kFinishTopic));
  EXPECT_FALSE(topic_matches(kAlarmSeriesFilter, kFinishTopic));
  EXPECT_TRUE(topic_matches(kRequestFilter, request_topic(kSeries)));
  EXPECT_EQ(station_alarm_filter("s1"), "alarm/s1/#");
}

TEST(Topics, AReplyGoesBesideItsRequestOrToTheErrorsTopic) {
  EXPECT_EQ(reply_topic_for("request/1160629000/121/308"), "predict/1160629000/121/308");
  EXPECT_EQ(reply_topic_for("request/x"), "predict/x");
  EXPECT_EQ(reply_topic_for("requests/x"), kReplyErrorsTopic);
  EXPECT_EQ(reply_topic_for("other"), "predict/errors");
}

TEST(Topics, ASharedSubscriptionNamesItsGroup) {
  EXPECT_EQ(request_subscription(""), "request/+/+/+");
  EXPECT_EQ(request_subscription("g1"), "$share/g1/request/+/+/+");
}

TEST(Topics, ANodesTopics) {
  const std::pair<std::string, std::string_view> built[] = {
      {node_status_topic("edge-1"), "edgeml/nodes/edge-1/status"},
      {node_alerts_topic("edge-1"), "edgeml/nodes/edge-1/alerts"},
      {node_stats_topic("edge-1"), "edgeml/nodes/edge-1/stats"},
      {node_deployments_topic("edge-1"), "edgeml/nodes/edge-1/deployments"},
      {contract_violations_topic("edge-1"), "edgeml/contracts/edge-1/violations"}};
  for (const auto& [topic, expected] : built) EXPECT_EQ(topic, expected);
  EXPECT_TRUE(topic_matches(kNodeDeploymentsFilter, node_deployments_topic("edge-1")));
  EXPECT_TRUE(topic_matches(kAllNodesFilter, node_stats_topic("edge-1")));
  EXPECT_EQ(response_topic("req-1"), "edgeml/replies/req-1");
  EXPECT_EQ(collector_quality_topic("c1"), "edgeml/collectors/c1/quality");
}

TEST(Topics, DeploymentsReachTheirTargets) {
  EXPECT_EQ(deploy_topic("node/edge-1", "m"), "edgeml/deploy/node/edge-1/m");
  EXPECT_EQ(deploy_filters("edge-1", ""),
            (std::vector<std::string>{"edgeml/deploy/all/+", "edgeml/deploy/node/edge-1/+"}));
  auto filters = deploy_filters("edge-1", "g");
  ASSERT_EQ(filters.size(), 3u);
  EXPECT_EQ(filters[2], "edgeml/deploy/group/g/+");
  EXPECT_TRUE(is_deploy_topic(deploy_topic("all", "m")));
  EXPECT_FALSE(is_deploy_topic("edgeml/deployx"));
}

TEST(Topics, QualityReportsPerSeries) {
  EXPECT_EQ(quality_topic(kSeries), "edgeml/dq/1160629000/121/308");
  EXPECT_EQ(quality_topic({}), "edgeml/dq/unattributed");
  EXPECT_TRUE(topic_matches(kAllQualityFilter, quality_topic({})));
}

TEST(Topics, SplitsAFleetTopicIntoNameAndKind) {
  std::string_view name, kind;
  const std::string topic = node_stats_topic("edge-1");
  ASSERT_TRUE(split_fleet_topic(topic, kNodesPrefix, name, kind));
  EXPECT_EQ(name, "edge-1");
  EXPECT_EQ(kind, "stats");
  EXPECT_FALSE(split_fleet_topic("edgeml/nodes//stats", kNodesPrefix, name, kind));
  EXPECT_FALSE(split_fleet_topic("edgeml/nodes/a/b/c", kNodesPrefix, name, kind));
  EXPECT_FALSE(split_fleet_topic("edgeml/nodes/a", kNodesPrefix, name, kind));
}

TEST(Topics, SeriesFromATopicsLastThreeLevels) {
  SeriesId id;
  ASSERT_TRUE(parse_series_topic("alarm/1160629000/121/308", id));
  EXPECT_EQ(id, kSeries);
  EXPECT_FALSE(parse_series_topic("/a/b/c", id));
  EXPECT_FALSE(parse_series_topic("a/b/c", id));
}

}  // namespace
}  // namespace edgeml
