// What a cluster's nodes tell each other: announcements and placements read
// back as written, and whatever else comes over the network is a Status
// error, never an exception.
#include "protocol/cluster_state.h"

#include <gtest/gtest.h>

namespace edgeml {
namespace {

NodeAnnouncement sample_announcement() {
  NodeAnnouncement a;
  a.node = "pi-a";
  a.labels = {{"arch", "arm64"}, {"site", "barn-1"}};
  a.capacity = {3800.5, 4};
  a.interval_s = 5;
  a.applications_signed_at = 1764177605123;
  a.placement_generation = 17;
  a.replicas["wind"] = {"serving", "", 2, 0.75, 120.5, 31.25, 1.5};
  a.overloaded = true;
  a.replicas["solar"] = {"failed", "the model does not load", 0, 0, 0, 0};
  return a;
}

PlacementRecord sample_placement() {
  PlacementRecord p;
  p.generation = 42;
  p.leader = "pi-a";
  p.applications_signed_at = 1764177605123;
  p.nodes = {"nuc", "pi-a", "pi-b"};
  p.applications["wind"] = {2, {"pi-a", "pi-b"}};
  p.applications["solar"] = {1, {"nuc"}};
  p.applications["idle"] = {0, {}};
  p.unplaced = {"big: 1 of 2 replicas unplaced: no other node has 1500 MiB and 1 cores free"};
  return p;
}

Status announcement_status(std::string_view payload) {
  NodeAnnouncement out;
  Status s = Status::ok();
  EXPECT_NO_THROW(s = parse_node_announcement(payload, out)) << payload.substr(0, 200);
  return s;
}

Status placement_status(std::string_view payload) {
  PlacementRecord out;
  Status s = Status::ok();
  EXPECT_NO_THROW(s = parse_placement(payload, out)) << payload.substr(0, 200);
  return s;
}

// A payload of `size` bytes that is otherwise valid JSON.
std::string padded(std::string_view head, std::size_t size) {
  std::string text = std::string(head) + ", \"pad\": \"";
  text += std::string(size - text.size() - 2, 'x');
  return text + "\"}";
}

TEST(ClusterState, AnAnnouncementReadsBackAsWritten) {
  const NodeAnnouncement a = sample_announcement();
  NodeAnnouncement back;
  ASSERT_TRUE(parse_node_announcement(node_announcement_json(a), back));
  EXPECT_EQ(back.node, "pi-a");
  EXPECT_EQ(back.state, "up");
  EXPECT_TRUE(back.up());
  EXPECT_EQ(back.labels, a.labels);
  EXPECT_EQ(back.capacity.memory_mib, 3800.5);
  EXPECT_EQ(back.capacity.cores, 4);
  EXPECT_EQ(back.interval_s, 5);
  EXPECT_EQ(back.applications_signed_at, 1764177605123);
  EXPECT_EQ(back.placement_generation, 17u);
  ASSERT_EQ(back.replicas.size(), 2u);
  const ReplicaLoad& wind = back.replicas.at("wind");
  EXPECT_EQ(wind.state, "serving");
  EXPECT_EQ(wind.reason, "");
  EXPECT_EQ(wind.queue, 2);
  EXPECT_EQ(wind.p99_ms, 0.75);
  EXPECT_EQ(wind.requests_per_s, 120.5);
  EXPECT_EQ(wind.resident_mib, 31.25);
  EXPECT_EQ(wind.cpu_cores, 1.5);
  EXPECT_TRUE(back.overloaded);
  EXPECT_EQ(back.replicas.at("solar").state, "failed");
  EXPECT_EQ(back.replicas.at("solar").reason, "the model does not load");
  EXPECT_EQ(node_announcement_json(back), node_announcement_json(a));
}

TEST(ClusterState, TheLastWillReadsAsGone) {
  NodeAnnouncement gone;
  ASSERT_TRUE(parse_node_announcement(node_gone_json("pi-b"), gone));
  EXPECT_EQ(gone.node, "pi-b");
  EXPECT_EQ(gone.state, "gone");
  EXPECT_FALSE(gone.up());
  EXPECT_TRUE(gone.labels.empty());
  EXPECT_TRUE(gone.replicas.empty());
}

TEST(ClusterState, APlacementReadsBackAsWritten) {
  const PlacementRecord p = sample_placement();
  PlacementRecord back;
  ASSERT_TRUE(parse_placement(placement_json(p), back));
  EXPECT_EQ(back.generation, 42u);
  EXPECT_EQ(back.leader, "pi-a");
  EXPECT_EQ(back.applications_signed_at, 1764177605123);
  EXPECT_EQ(back.nodes, p.nodes);
  ASSERT_EQ(back.applications.size(), 3u);
  for (const auto& [name, app] : p.applications) {
    EXPECT_EQ(back.applications.at(name).wanted, app.wanted) << name;
    EXPECT_EQ(back.applications.at(name).nodes, app.nodes) << name;
  }
  EXPECT_EQ(back.unplaced, p.unplaced);
  EXPECT_EQ(placement_json(back), placement_json(p));
}

TEST(ClusterState, FiguresOutOfRangeAreBounded) {
  NodeAnnouncement a;
  ASSERT_TRUE(parse_node_announcement(
      R"({"node": "n", "state": "up", "capacity": {"memory_mib": -5, "cores": -1}, "interval_s": -3,
          "placement_generation": -4})",
      a));
  EXPECT_EQ(a.capacity.memory_mib, 0);
  EXPECT_EQ(a.capacity.cores, 0);
  EXPECT_EQ(a.interval_s, 0);
  EXPECT_EQ(a.placement_generation, 0u);
  PlacementRecord p;
  ASSERT_TRUE(parse_placement(R"({"generation": 1, "applications": {"a": {"wanted": 100000}, "b": {"wanted": -2}},
                                  "nodes": ["z", "a"]})",
                              p));
  EXPECT_EQ(p.applications.at("a").wanted, kMaxReplicas);
  EXPECT_EQ(p.applications.at("b").wanted, 0);
  EXPECT_EQ(p.nodes, (std::vector<std::string>{"a", "z"}));  // sorted as they are read
}

TEST(ClusterState, OversizeOrUnreadablePayloadsAreErrors) {
  const std::string head = R"({"node": "n", "state": "up")";
  EXPECT_TRUE(announcement_status(padded(head, kMaxClusterMessageBytes)));
  Status s = announcement_status(padded(head, kMaxClusterMessageBytes + 1));
  EXPECT_FALSE(s);
  EXPECT_NE(s.reason().find("above the cap"), std::string::npos) << s.reason();
  EXPECT_FALSE(placement_status(padded(R"({"generation": 1)", kMaxClusterMessageBytes + 1)));

  const std::string deep = std::string(20, '[') + std::string(20, ']');
  for (std::string_view bad : {"", "{", "not json", "{\"node\": \"n\",}", "\xff\xfe", "{\"node\": \"n\", \"state\": \"up\"} x"}) {
    EXPECT_FALSE(announcement_status(bad)) << bad;
    EXPECT_FALSE(placement_status(bad)) << bad;
  }
  for (std::string_view not_object : {"[]", "5", "\"text\"", "null", "true"}) {
    Status a = announcement_status(not_object);
    EXPECT_FALSE(a) << not_object;
    EXPECT_NE(a.reason().find("not a JSON object"), std::string::npos) << a.reason();
    EXPECT_FALSE(placement_status(not_object)) << not_object;
  }
  EXPECT_FALSE(announcement_status(R"({"node": "n", "state": "up", "labels": )" + deep + "}"));
}

TEST(ClusterState, AnnouncementsOfTheWrongShapeAreErrors) {
  for (const char* bad : {
           R"({"state": "up"})",
           R"({"node": "n"})",
           R"({"node": 5, "state": "up"})",
           R"({"node": "", "state": "up"})",
           R"({"node": "n", "state": ["up"]})",
           R"({"node": "n", "state": "up", "labels": {"arch": 64}})",
           R"({"node": "n", "state": "up", "labels": {"arch": null}})",
           R"({"node": "n", "state": "up", "labels": ["arch=arm64"]})",
           R"({"node": "n", "state": "up", "labels": "arch=arm64"})",
           R"({"node": "n", "state": "up", "replicas": ["wind"]})",
           R"({"node": "n", "state": "up", "replicas": 3})",
       })
    EXPECT_FALSE(announcement_status(bad)) << bad;
  // Figures of the wrong type are none; a replica that is not an object has none of them.
  NodeAnnouncement a;
  ASSERT_TRUE(parse_node_announcement(
      R"({"node": "n", "state": "up", "capacity": "big", "interval_s": "5", "applications_signed_at": 1.5,
          "replicas": {"wind": 7, "solar": {"state": 1, "queue": "3"}}})",
      a));
  EXPECT_EQ(a.capacity.cores, 0);
  EXPECT_EQ(a.interval_s, 0);
  EXPECT_EQ(a.applications_signed_at, 0);
  EXPECT_EQ(a.replicas.at("wind").state, "");
  EXPECT_EQ(a.replicas.at("solar").queue, 0);
}

TEST(ClusterState, PlacementsOfTheWrongShapeAreErrors) {
  for (const char* bad : {
           R"({"leader": "n"})",
           R"({"generation": 0})",
           R"({"generation": -1})",
           R"({"generation": 1.5})",
           R"({"generation": "3"})",
           R"({"generation": 18446744073709551615})",
           R"({"generation": 1, "nodes": [1, 2]})",
           R"({"generation": 1, "nodes": "pi-a"})",
           R"({"generation": 1, "nodes": [null]})",
           R"({"generation": 1, "unplaced": [2]})",
           R"({"generation": 1, "unplaced": "none"})",
           R"({"generation": 1, "applications": []})",
           R"({"generation": 1, "applications": {"a": {"wanted": 1, "nodes": [1]}}})",
           R"({"generation": 1, "applications": {"a": {"wanted": 1, "nodes": {"pi-a": true}}}})",
       })
    EXPECT_FALSE(placement_status(bad)) << bad;
  EXPECT_TRUE(placement_status(R"({"generation": 1})"));
}

}  // namespace
}  // namespace edgeml
