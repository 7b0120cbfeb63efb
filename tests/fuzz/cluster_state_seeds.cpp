// Writes fuzz_cluster_state's seeds into the directory given (the first byte
// of each says what the rest is, as the fuzzer reads it): application files
// signed by the fuzzers' trusted key and unsigned, an application document,
// a node's announcement and Last Will, a placement, and the messages of a
// converged cluster as `edgeml cluster status` gets them.
#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "cluster/signed_applications.h"
#include "fuzz/serve_fuzzing.h"
#include "protocol/cluster_state.h"

namespace fs = std::filesystem;

namespace {

const char* const kDocument = R"({"cluster": "farm", "models_dir": "models", "applications": [
  {"name": "wind", "models": ["lr", {"name": "mlp", "version": "v2"}], "requests": "request/+/+/+",
   "replicas": {"min": 1, "max": 3}, "per_replica": {"memory_mib": 128, "cores": 0.5},
   "constraints": {"arch": "arm64"}, "scaling": {"queue_depth": 4, "p99_ms": 20, "window_s": 5}},
  {"name": "arm-station", "models": [{"name": "lr"}], "requests": "request/arm/+/+", "replicas": 2}]})";

edgeml::NodeAnnouncement announcement(const std::string& node, const std::string& app) {
  edgeml::NodeAnnouncement a;
  a.node = node;
  a.labels = {{"arch", "arm64"}};
  a.capacity = {1024, 4};
  a.interval_s = 5;
  a.applications_signed_at = 1764177605000;
  a.placement_generation = 3;
  a.replicas[app] = {"serving", "", 1, 0.5, 40, 30};
  return a;
}

edgeml::PlacementRecord placement() {
  edgeml::PlacementRecord p;
  p.generation = 3;
  p.leader = "pi-a";
  p.applications_signed_at = 1764177605000;
  p.nodes = {"pi-a", "pi-b"};
  p.applications["wind"] = {1, {"pi-a"}};
  p.applications["arm-station"] = {2, {"pi-a", "pi-b"}};
  return p;
}

// A ClusterStatus message: selector, 2-byte little-endian length, payload.
std::string message(char selector, const std::string& payload) {
  std::string out(1, selector);
  out += static_cast<char>(payload.size() & 0xff);
  out += static_cast<char>((payload.size() >> 8) & 0xff);
  return out + payload;
}

}  // namespace

int main(int argc, char** argv) {
  fs::path dir = edgeml::fuzz::seed_dir(argc, argv, "cluster_state_seeds");
  std::unique_ptr<edgeml::fuzz::FuzzKeys> keys(edgeml::fuzz::read_fuzz_keys("cluster_state_seeds"));
  const edgeml::serve::SigningKey& trusted = keys->signing;

  const edgeml::ApplicationsDocument doc = edgeml::read_applications(nlohmann::json::parse(kDocument));
  const std::string signed_file = edgeml::cluster::encode_signed_applications(doc, "farm", trusted, 1764177605000);
  using edgeml::fuzz::write_file;
  write_file(dir / "signed_file", std::string(1, '\0') + signed_file);
  write_file(dir / "unsigned_file",
             std::string(1, '\0') + edgeml::cluster::encode_unsigned_applications(doc, "farm", 1764177605000));
  write_file(dir / "document", std::string(1, '\1') + kDocument);
  write_file(dir / "announcement", std::string(1, '\2') + edgeml::node_announcement_json(announcement("pi-a", "wind")));
  write_file(dir / "gone", std::string(1, '\2') + edgeml::node_gone_json("pi-b"));
  write_file(dir / "placement", std::string(1, '\3') + edgeml::placement_json(placement()));
  // Selectors: 0 applications, 1 placement, 2 a node (bits 2-3: pi-a, pi-b), 0x80 any topic.
  write_file(dir / "converged",
             std::string(1, '\4') + message(0, signed_file) + message(1, edgeml::placement_json(placement())) +
                 message(2, edgeml::node_announcement_json(announcement("pi-a", "wind"))) +
                 message(2 | 4, edgeml::node_announcement_json(announcement("pi-b", "arm-station"))) +
                 message('\x80', "edgeml/cluster/farm/nodes/other\n" + edgeml::node_gone_json("other")));
  return 0;
}
