// Placement: capacities and constraints hold, replicas spread, the answer
// does not depend on the inputs' order, a change moves as few replicas as it
// can, and what cannot be placed says why.
#include <algorithm>
#include <random>

#include <gtest/gtest.h>

#include "cluster/placement.h"

namespace edgeml::cluster {
namespace {

std::vector<Node> four_nodes() {
  return {{"pi-a", {1024, 4}, {{"arch", "arm64"}}},
          {"pi-b", {1024, 4}, {{"arch", "arm64"}}},
          {"pi-c", {512, 4}, {{"arch", "armhf"}}},
          {"nuc", {2048, 2}, {{"arch", "amd64"}}}};
}

// Every node's replicas fit its capacity, meet their constraints, and no
// application has two replicas on one node.
void expect_valid(const PlacementResult& r, const std::vector<Application>& apps, const std::vector<Node>& nodes) {
  std::map<std::string, Resources> used;
  for (const auto& [name, hosts] : r.placement) {
    auto app = std::find_if(apps.begin(), apps.end(), [&](const Application& a) { return a.name == name; });
    ASSERT_NE(app, apps.end()) << name;
    EXPECT_LE(static_cast<int>(hosts.size()), app->replicas) << name;
    EXPECT_EQ(std::adjacent_find(hosts.begin(), hosts.end()), hosts.end()) << name << ": two replicas on one node";
    for (const std::string& id : hosts) {
      auto node = std::find_if(nodes.begin(), nodes.end(), [&](const Node& n) { return n.id == id; });
      ASSERT_NE(node, nodes.end()) << id;
      for (const auto& [key, value] : app->constraints) EXPECT_EQ(node->labels.at(key), value) << name << " on " << id;
      used[id].memory_mib += app->per_replica.memory_mib;
      used[id].cores += app->per_replica.cores;
    }
  }
  for (const Node& n : nodes) {
    EXPECT_LE(used[n.id].memory_mib, n.capacity.memory_mib) << n.id;
    EXPECT_LE(used[n.id].cores, n.capacity.cores + 1e-9) << n.id;
  }
}

TEST(ClusterPlacement, ConstraintsAndCapacitiesHoldAndWhatDoesNotFitSaysWhy) {
  const std::vector<Application> apps = {{"arm64-only", 3, {256, 0.5}, {{"arch", "arm64"}}},
                                         {"big", 2, {1500, 1}, {}},
                                         {"small", 4, {64, 0.25}, {}}};
  PlacementResult r = place(apps, four_nodes(), {});
  expect_valid(r, apps, four_nodes());
  EXPECT_EQ(r.placement["arm64-only"], (std::vector<std::string>{"pi-a", "pi-b"}));
  EXPECT_EQ(r.placement["big"], (std::vector<std::string>{"nuc"}));  // only the nuc has 1500 MiB
  EXPECT_EQ(r.placement["small"].size(), 4u);                          // one on each node
  ASSERT_EQ(r.unplaced.size(), 2u);
  EXPECT_EQ(r.unplaced[0], "arm64-only: 1 of 3 replicas unplaced: no other node has 256 MiB and 0.5 cores free with arch=arm64");
  EXPECT_EQ(r.unplaced[1], "big: 1 of 2 replicas unplaced: no other node has 1500 MiB and 1 cores free");
}

TEST(ClusterPlacement, TheOrderOfTheInputsDoesNotMatter) {
  std::vector<Application> apps = {{"a", 2, {100, 0.5}, {}}, {"b", 3, {300, 1}, {}}, {"c", 1, {50, 0.1}, {{"arch", "armhf"}}}};
  std::vector<Node> nodes = four_nodes();
  const PlacementResult first = place(apps, nodes, {});
  std::mt19937 rng(4);
  for (int i = 0; i < 10; ++i) {
    std::shuffle(apps.begin(), apps.end(), rng);
    std::shuffle(nodes.begin(), nodes.end(), rng);
    EXPECT_EQ(place(apps, nodes, {}).placement, first.placement);
  }
}

TEST(ClusterPlacement, ANodeLostMovesOnlyItsReplicas) {
  const std::vector<Application> apps = {{"a", 2, {100, 0.5}, {}}, {"b", 3, {200, 0.5}, {}}};
  std::vector<Node> nodes = four_nodes();
  const PlacementResult before = place(apps, nodes, {});
  EXPECT_EQ(before.moved, 5);
  const PlacementResult again = place(apps, nodes, before.placement);
  EXPECT_EQ(again.placement, before.placement);
  EXPECT_EQ(again.moved, 0);
  int lost = 0;
  for (const auto& [name, hosts] : before.placement) lost += static_cast<int>(std::count(hosts.begin(), hosts.end(), "pi-b"));
  ASSERT_GT(lost, 0);
  nodes.erase(nodes.begin() + 1);  // pi-b dies
  const PlacementResult after = place(apps, nodes, before.placement);
  expect_valid(after, apps, nodes);
  EXPECT_EQ(after.moved, lost);
  EXPECT_TRUE(after.unplaced.empty());
  for (const auto& [name, hosts] : before.placement)
    for (const std::string& id : hosts)
      if (id != "pi-b") {
        EXPECT_TRUE(std::count(after.placement.at(name).begin(), after.placement.at(name).end(), id)) << name;
      }
}

TEST(ClusterPlacement, FewerReplicasWantedKeepsSomeAndMovesNone) {
  const std::vector<Node> nodes = four_nodes();
  const PlacementResult four = place({{"a", 4, {10, 0.1}, {}}}, nodes, {});
  const PlacementResult two = place({{"a", 2, {10, 0.1}, {}}}, nodes, four.placement);
  EXPECT_EQ(two.placement.at("a").size(), 2u);
  EXPECT_EQ(two.moved, 0);
  for (const std::string& id : two.placement.at("a"))
    EXPECT_TRUE(std::count(four.placement.at("a").begin(), four.placement.at("a").end(), id)) << id;
}

TEST(ClusterPlacement, RandomClustersAlwaysGetValidPlacements) {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<Node> nodes;
    for (int n = 0; n < 1 + static_cast<int>(rng() % 16); ++n)
      nodes.push_back({"n" + std::to_string(n), {256.0 * static_cast<double>(1 + rng() % 8), static_cast<double>(1 + rng() % 4)},
                       {{"arch", rng() % 2 ? "arm64" : "armhf"}}});
    std::vector<Application> apps;
    for (int a = 0; a < 1 + static_cast<int>(rng() % 6); ++a) {
      Application app{"app" + std::to_string(a), 1 + static_cast<int>(rng() % 5), {32.0 * static_cast<double>(1 + rng() % 16), 0.25 * static_cast<double>(1 + rng() % 4)}, {}};
      if (rng() % 3 == 0) app.constraints["arch"] = "arm64";
      apps.push_back(app);
    }
    PlacementResult r = place(apps, nodes, {});
    expect_valid(r, apps, nodes);
    nodes.erase(nodes.begin());
    expect_valid(place(apps, nodes, r.placement), apps, nodes);
  }
}

}  // namespace
}  // namespace edgeml::cluster
