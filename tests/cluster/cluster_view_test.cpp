// What a node knows of its cluster: which nodes live, who leads, which
// applications it holds, and the leader's next placement.
#include "cluster/cluster_view.h"

#include <algorithm>

#include <gtest/gtest.h>

namespace edgeml::cluster {
namespace {

using Clock = ClusterView::Clock;
using nlohmann::json;
using std::chrono::seconds;

const Clock::time_point t0 = Clock::time_point() + std::chrono::hours(1000);

NodeAnnouncement node(const std::string& id, const std::string& state = "up", double interval_s = 5,
                      Resources capacity = {1024, 4}, const std::string& arch = "arm64") {
  NodeAnnouncement a;
  a.node = id;
  a.state = state;
  a.interval_s = interval_s;
  a.capacity = capacity;
  a.labels = {{"arch", arch}};
  return a;
}

std::vector<std::string> ids(const std::vector<NodeAnnouncement>& nodes) {
  std::vector<std::string> out;
  for (const NodeAnnouncement& a : nodes) out.push_back(a.node);
  return out;
}

SignedApplications applications(std::int64_t signed_at_ms) {
  SignedApplications s;
  s.signed_at_ms = signed_at_ms;
  s.document = read_applications(json::parse(R"({"applications": [
    {"name": "wind", "models": ["lr"], "replicas": {"min": 1, "max": 3}, "scaling": {"queue_depth": 4},
     "per_replica": {"memory_mib": 256, "cores": 1}},
    {"name": "solar", "models": ["mlp"], "requests": "request/solar/+/+", "replicas": 2,
     "per_replica": {"memory_mib": 128, "cores": 0.5}, "constraints": {"arch": "arm64"}}]})"));
  return s;
}

std::vector<NodeAnnouncement> three_nodes() {
  return {node("nuc", "up", 5, {4096, 4}, "amd64"), node("pi-a"), node("pi-b")};
}

TEST(ClusterView, LiveNodesLeaveOutTheGoneTheLeftAndTheSilent) {
  ClusterView view("pi-b");
  view.on_announcement(node("pi-a"), t0);             // heard from every 5 s
  view.on_announcement(node("pi-b"), t0);             // this node
  view.on_announcement(node("pi-c", "gone"), t0);     // its Last Will
  view.on_announcement(node("pi-d", "left"), t0);     // stopped on purpose
  view.on_announcement(node("pi-e", "up", 2), t0);    // every 2 s
  view.on_announcement(node("pi-f", "up", 0), t0);    // no interval given: 5 s
  EXPECT_EQ(ids(view.live_nodes(t0)), (std::vector<std::string>{"pi-a", "pi-b", "pi-e", "pi-f"}));
  EXPECT_EQ(ids(view.live_nodes(t0 + seconds(6))), (std::vector<std::string>{"pi-a", "pi-b", "pi-e", "pi-f"}));
  EXPECT_EQ(ids(view.live_nodes(t0 + seconds(7))), (std::vector<std::string>{"pi-a", "pi-b", "pi-f"}));
  EXPECT_EQ(ids(view.live_nodes(t0 + seconds(15))), (std::vector<std::string>{"pi-a", "pi-b", "pi-f"}));
  // Past three intervals only this node is left: it always counts itself live.
  EXPECT_EQ(ids(view.live_nodes(t0 + seconds(16))), std::vector<std::string>{"pi-b"});
  EXPECT_EQ(ids(view.live_nodes(t0 + seconds(1000))), std::vector<std::string>{"pi-b"});

  // A node heard from again lives again; one gone stays out until it comes back up.
  view.on_announcement(node("pi-a"), t0 + seconds(1000));
  view.on_announcement(node("pi-c", "up"), t0 + seconds(1000));
  EXPECT_EQ(ids(view.live_nodes(t0 + seconds(1001))), (std::vector<std::string>{"pi-a", "pi-b", "pi-c"}));
  view.on_announcement(node("pi-a", "gone"), t0 + seconds(1002));
  EXPECT_EQ(ids(view.live_nodes(t0 + seconds(1002))), (std::vector<std::string>{"pi-b", "pi-c"}));
}

TEST(ClusterView, TheStaleLimitIsInIntervalsOfEachNode) {
  ClusterView view("self", 2);
  view.on_announcement(node("self"), t0);
  view.on_announcement(node("slow", "up", 30), t0);
  view.on_announcement(node("fast", "up", 1), t0);
  EXPECT_EQ(ids(view.live_nodes(t0 + seconds(2))), (std::vector<std::string>{"fast", "self", "slow"}));
  EXPECT_EQ(ids(view.live_nodes(t0 + seconds(3))), (std::vector<std::string>{"self", "slow"}));
  EXPECT_EQ(ids(view.live_nodes(t0 + seconds(60))), (std::vector<std::string>{"self", "slow"}));
  EXPECT_EQ(ids(view.live_nodes(t0 + seconds(61))), std::vector<std::string>{"self"});
}

TEST(ClusterView, TheLeaderIsTheSmallestLiveId) {
  ClusterView view("pi-c");
  EXPECT_EQ(view.leader(t0), "pi-c") << "alone, before anything is heard";
  view.on_announcement(node("pi-c"), t0);
  view.on_announcement(node("pi-b"), t0);
  view.on_announcement(node("pi-a", "up", 1), t0);
  view.on_announcement(node("pi-d"), t0);
  EXPECT_EQ(view.leader(t0), "pi-a");
  EXPECT_EQ(view.leader(t0 + seconds(4)), "pi-b") << "pi-a fell silent";
  view.on_announcement(node("pi-b", "gone"), t0 + seconds(5));
  EXPECT_EQ(view.leader(t0 + seconds(5)), "pi-c");
  view.on_announcement(node("pi-a"), t0 + seconds(6));
  EXPECT_EQ(view.leader(t0 + seconds(6)), "pi-a") << "back again";

  // Every node of the cluster names the same leader from the same announcements.
  ClusterView other("pi-d");
  for (const auto& [id, a] : view.announcements()) other.on_announcement(a, t0 + seconds(6));
  EXPECT_EQ(other.leader(t0 + seconds(6)), "pi-a");
}

TEST(ClusterView, ApplicationsSignedBeforeThoseHeldAreRefused) {
  ClusterView view("pi-a");
  EXPECT_FALSE(view.applications());
  EXPECT_TRUE(view.set_applications(applications(200)));
  EXPECT_FALSE(view.set_applications(applications(100)));
  ASSERT_TRUE(view.applications());
  EXPECT_EQ(view.applications()->signed_at_ms, 200);
  EXPECT_TRUE(view.set_applications(applications(200))) << "the same signing time again";
  EXPECT_TRUE(view.set_applications(applications(300)));
  EXPECT_EQ(view.applications()->signed_at_ms, 300);
}

TEST(ClusterView, TheNextPlacementCountsUpAndIsNoneWhenNothingChanges) {
  const SignedApplications apps = applications(100);
  const std::vector<NodeAnnouncement> live = three_nodes();
  std::optional<PlacementRecord> first = next_placement(apps, live, PlacementRecord{}, {}, "nuc");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->generation, 1u);
  EXPECT_EQ(first->leader, "nuc");
  EXPECT_EQ(first->applications_signed_at, 100);
  EXPECT_EQ(first->nodes, (std::vector<std::string>{"nuc", "pi-a", "pi-b"}));
  EXPECT_EQ(first->applications.at("wind").wanted, 1);  // min when the scaler wants nothing yet
  EXPECT_EQ(first->applications.at("wind").nodes.size(), 1u);
  EXPECT_EQ(first->applications.at("solar").wanted, 2);
  EXPECT_EQ(first->applications.at("solar").nodes, (std::vector<std::string>{"pi-a", "pi-b"}));  // arch=arm64
  EXPECT_TRUE(first->unplaced.empty());

  EXPECT_FALSE(next_placement(apps, live, *first, {}, "nuc")) << "only the generation would change";
  EXPECT_FALSE(next_placement(apps, live, *first, {{"wind", 1}}, "nuc"));

  // New applications, even the same ones, make a new placement that names them.
  std::optional<PlacementRecord> resigned = next_placement(applications(150), live, *first, {}, "nuc");
  ASSERT_TRUE(resigned);
  EXPECT_EQ(resigned->generation, 2u);
  EXPECT_EQ(resigned->applications_signed_at, 150);

  // More replicas wanted: the generation after the current one.
  std::optional<PlacementRecord> more = next_placement(apps, live, *first, {{"wind", 3}}, "nuc");
  ASSERT_TRUE(more);
  EXPECT_EQ(more->generation, 2u);
  EXPECT_EQ(more->applications.at("wind").wanted, 3);
  EXPECT_EQ(more->applications.at("wind").nodes.size(), 3u);
  EXPECT_EQ(more->applications.at("solar").nodes, first->applications.at("solar").nodes);
}

TEST(ClusterView, WantedCountsAreClampedToEachApplicationsMinAndMax) {
  const SignedApplications apps = applications(100);
  std::optional<PlacementRecord> p =
      next_placement(apps, three_nodes(), PlacementRecord{}, {{"wind", 10}, {"solar", 0}, {"gone-app", 4}}, "nuc");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->applications.at("wind").wanted, 3);
  EXPECT_EQ(p->applications.at("solar").wanted, 2);
  EXPECT_EQ(p->applications.count("gone-app"), 0u) << "no application of that name";
  p = next_placement(apps, three_nodes(), PlacementRecord{}, {{"wind", -3}}, "nuc");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->applications.at("wind").wanted, 1);
}

TEST(ClusterView, ReplicasMoveOffANodeThatDied) {
  const SignedApplications apps = applications(100);
  std::optional<PlacementRecord> before = next_placement(apps, three_nodes(), PlacementRecord{}, {{"wind", 3}}, "nuc");
  ASSERT_TRUE(before);
  EXPECT_EQ(before->applications.at("wind").nodes, (std::vector<std::string>{"nuc", "pi-a", "pi-b"}));

  std::vector<NodeAnnouncement> without_b = three_nodes();
  without_b.pop_back();
  without_b.push_back(node("pi-c"));
  std::optional<PlacementRecord> after = next_placement(apps, without_b, *before, {{"wind", 3}}, "nuc");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->generation, before->generation + 1);
  EXPECT_EQ(after->nodes, (std::vector<std::string>{"nuc", "pi-a", "pi-c"}));
  EXPECT_EQ(after->applications.at("wind").nodes, (std::vector<std::string>{"nuc", "pi-a", "pi-c"}));
  EXPECT_EQ(after->applications.at("solar").nodes, (std::vector<std::string>{"pi-a", "pi-c"}));
  for (const auto& [name, p] : after->applications)
    EXPECT_EQ(std::count(p.nodes.begin(), p.nodes.end(), "pi-b"), 0) << name;

  // With no node for them, replicas are unplaced and say so.
  std::vector<NodeAnnouncement> only_nuc = {node("nuc", "up", 5, {4096, 4}, "amd64")};
  std::optional<PlacementRecord> shrunk = next_placement(apps, only_nuc, *after, {{"wind", 3}}, "nuc");
  ASSERT_TRUE(shrunk);
  EXPECT_EQ(shrunk->applications.at("wind").nodes, std::vector<std::string>{"nuc"});
  EXPECT_TRUE(shrunk->applications.at("solar").nodes.empty());
  EXPECT_EQ(shrunk->unplaced.size(), 2u);
  EXPECT_FALSE(next_placement(apps, only_nuc, *shrunk, {{"wind", 3}}, "nuc"));
}

TEST(ClusterView, AnOverloadedNodeKeepsItsReplicasButGetsNoMore) {
  const SignedApplications apps = applications(100);
  std::optional<PlacementRecord> before = next_placement(apps, three_nodes(), PlacementRecord{}, {{"wind", 1}}, "nuc");
  ASSERT_TRUE(before);
  EXPECT_EQ(before->applications.at("wind").nodes, std::vector<std::string>{"nuc"});

  // nuc is busy: the wind replica it runs stays, the two wanted more go elsewhere.
  std::vector<NodeAnnouncement> nodes = three_nodes();
  nodes[0].overloaded = true;
  std::optional<PlacementRecord> after = next_placement(apps, nodes, *before, {{"wind", 3}}, "nuc");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->applications.at("wind").nodes, (std::vector<std::string>{"nuc", "pi-a", "pi-b"}));
  EXPECT_EQ(after->applications.at("solar").nodes, before->applications.at("solar").nodes);

  // With every node busy, nothing new is placed, and the reason says so.
  for (NodeAnnouncement& n : nodes) n.overloaded = true;
  std::optional<PlacementRecord> full = next_placement(apps, nodes, *before, {{"wind", 3}}, "nuc");
  ASSERT_TRUE(full);
  EXPECT_EQ(full->applications.at("wind").nodes, std::vector<std::string>{"nuc"});
  ASSERT_EQ(full->unplaced.size(), 1u);
  EXPECT_NE(full->unplaced[0].find("wind: 2 of 3 replicas unplaced"), std::string::npos) << full->unplaced[0];
}

// Two nodes that briefly both lead (pi-b has not yet heard pi-a join) both
// publish; the broker orders the two placements, every node ends on the
// second, and once both views agree only pi-a leads, from that placement, and
// finds nothing to change.
TEST(ClusterView, TwoLeadersForAMomentEndOnOnePlacement) {
  const SignedApplications apps = applications(100);
  ClusterView a("pi-a"), b("pi-b");
  for (ClusterView* v : {&a, &b}) {
    v->set_applications(apps);
    v->on_announcement(node("pi-b"), t0);
    v->on_announcement(node("pi-c"), t0);
  }
  a.on_announcement(node("pi-a"), t0);  // pi-a's own, just joined; pi-b has not heard it yet
  ASSERT_EQ(a.leader(t0), "pi-a");
  ASSERT_EQ(b.leader(t0), "pi-b");

  std::optional<PlacementRecord> from_a = next_placement(apps, a.live_nodes(t0), a.placement(), {}, "pi-a");
  std::optional<PlacementRecord> from_b = next_placement(apps, b.live_nodes(t0), b.placement(), {}, "pi-b");
  ASSERT_TRUE(from_a && from_b);
  for (ClusterView* v : {&a, &b}) {  // the broker's order: pi-a's, then pi-b's
    v->on_placement(*from_a);
    v->on_placement(*from_b);
  }
  b.on_announcement(node("pi-a"), t0);
  EXPECT_EQ(a.placement().leader, "pi-b");
  EXPECT_EQ(placement_json(a.placement()), placement_json(b.placement()));
  EXPECT_EQ(a.leader(t0), "pi-a");
  EXPECT_EQ(b.leader(t0), "pi-a");
  std::optional<PlacementRecord> settled = next_placement(apps, a.live_nodes(t0), a.placement(), {}, "pi-a");
  ASSERT_TRUE(settled) << "pi-b placed without pi-a";
  for (const auto& [name, p] : settled->applications) {
    const std::vector<std::string>& before = a.placement().applications.at(name).nodes;
    for (const std::string& kept : before)  // nothing that ran moves
      EXPECT_NE(std::find(p.nodes.begin(), p.nodes.end(), kept), p.nodes.end()) << name << " moved off " << kept;
  }
  a.on_placement(*settled);
  b.on_placement(*settled);
  EXPECT_FALSE(next_placement(apps, a.live_nodes(t0), a.placement(), {}, "pi-a"));
  EXPECT_FALSE(next_placement(apps, b.live_nodes(t0), b.placement(), {}, "pi-a"));
}

TEST(ClusterView, TheOrderOfTheLiveNodesDoesNotMatter) {
  const SignedApplications apps = applications(100);
  std::vector<NodeAnnouncement> live = three_nodes();
  live.push_back(node("pi-c", "up", 5, {512, 1}));
  std::optional<PlacementRecord> sorted = next_placement(apps, live, PlacementRecord{}, {{"wind", 2}}, "nuc");
  ASSERT_TRUE(sorted);
  std::vector<NodeAnnouncement> reversed(live.rbegin(), live.rend());
  std::optional<PlacementRecord> from_reversed = next_placement(apps, reversed, PlacementRecord{}, {{"wind", 2}}, "nuc");
  ASSERT_TRUE(from_reversed);
  EXPECT_EQ(placement_json(*from_reversed), placement_json(*sorted));
  EXPECT_FALSE(next_placement(apps, reversed, *sorted, {{"wind", 2}}, "nuc")) << "nothing changed but the order";
}

}  // namespace
}  // namespace edgeml::cluster
