// libFuzzer target: an edge cluster's retained messages as nodes and
// `edgeml cluster status` get them (docs/cluster.md): the signed application
// file (cluster/signed_applications.h), node announcements and placements
// (protocol/cluster_state.h), and all of them taken by ClusterStatus. The
// trusted key is the fixed one of serve_fuzzing.h; the cluster is "farm".
//
// The first byte chooses what the rest is:
//   0: an application file as it came over MQTT, decoded under a policy that
//      takes only the trusted key's signature, one that also takes unsigned
//      files, and peeked at;
//   1: an application document as JSON, sent unsigned for cluster "farm", so
//      the document reader is fuzzed without a signature in the way;
//   2: a node announcement;
//   3: a placement;
//   4 to 7: messages for ClusterStatus, each a selector byte, a 2-byte
//      little-endian length and the payload. The selector's bits 0-1 pick the
//      topic (applications, placement, a node's), bits 2-3 one of four node
//      names; with bit 7 set, the topic is instead the payload's first line.
//
// Checked besides "never throws, never crashes":
//   - the signed-only policy takes a file only from the trusted key, and what
//     it takes the other policy and peek_applications read the same;
//   - a taken document keeps the file's rules (sorted unique names, min <= max,
//     filters that nest or do not overlap), and signed again it decodes the same;
//   - a taken announcement or placement written again reads back as written;
//   - ClusterStatus keeps no more nodes than were named.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "cluster/cluster_status.h"
#include "cluster/signed_applications.h"
#include "core/bounded_json.h"
#include "core/error.h"
#include "fuzz/serve_fuzzing.h"
#include "protocol/cluster_state.h"
#include "protocol/topics.h"
#include "serve/signed_statement.h"

namespace {

using edgeml::ApplicationsDocument;
using edgeml::ApplicationSpec;
using edgeml::cluster::SignedApplications;
using edgeml::serve::PackagePolicy;
using nlohmann::json;

constexpr std::string_view kCluster = "farm";
constexpr std::array<const char*, 4> kNames = {"pi-a", "pi-b", "nuc", "pi-a.x"};

edgeml::fuzz::FuzzKeys* keys = nullptr;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_cluster_state: %s\n", what);
  std::abort();
}

std::string document_text(const ApplicationsDocument& doc) {
  return edgeml::applications_json(doc).dump(-1, ' ', false, json::error_handler_t::replace);
}

void check_document(const ApplicationsDocument& doc) {
  const auto& apps = doc.applications;
  if (apps.empty() || apps.size() > static_cast<std::size_t>(edgeml::kMaxApplications))
    fail("a taken document has no applications or too many");
  for (std::size_t i = 0; i < apps.size(); ++i) {
    const ApplicationSpec& a = apps[i];
    if (i > 0 && !(apps[i - 1].name < a.name)) fail("a taken document's applications are not sorted by unique names");
    if (a.models.empty()) fail("a taken application has no model");
    if (a.min_replicas < 0 || a.min_replicas > a.max_replicas || a.max_replicas > edgeml::kMaxReplicas)
      fail("a taken application's replicas are not 0 <= min <= max <= kMaxReplicas");
    if (a.min_replicas != a.max_replicas && !a.scaling.any()) fail("a taken application scales without a rule");
    if (a.requests.rfind("request/", 0) != 0) fail("a taken application's requests are not request/...");
    for (std::size_t j = 0; j < i; ++j) {
      const std::string &x = apps[j].requests, &y = a.requests;
      if (edgeml::request_filters_overlap(x, y) && !edgeml::request_filter_holds(x, y) &&
          !edgeml::request_filter_holds(y, x))
        fail("a taken document holds two filters that overlap without nesting");
    }
  }
  // Signed again, as `edgeml cluster apply` would, it decodes the same.
  std::string bytes = edgeml::cluster::encode_signed_applications(doc, kCluster, keys->signing, 1);
  SignedApplications again;
  if (!edgeml::cluster::decode_applications(bytes, kCluster, PackagePolicy{{keys->trusted}, false}, again))
    fail("a taken document, signed again, is refused");
  if (document_text(again.document) != document_text(doc)) fail("a taken document, signed again, reads as another");
}

void fuzz_application_file(std::string_view bytes) {
  const PackagePolicy pinned{{keys->trusted}, false}, open{{keys->trusted}, true};
  SignedApplications from_pinned, from_open, peeked;
  const bool pinned_took = static_cast<bool>(edgeml::cluster::decode_applications(bytes, kCluster, pinned, from_pinned));
  const bool open_took = static_cast<bool>(edgeml::cluster::decode_applications(bytes, kCluster, open, from_open));
  const bool peek_took = static_cast<bool>(edgeml::cluster::peek_applications(bytes, kCluster, peeked));
  if (pinned_took) {
    if (from_pinned.signer != keys->trusted.id()) fail("the signed-only policy took a file not signed by its key");
    if (!open_took || document_text(from_open.document) != document_text(from_pinned.document) ||
        from_open.signed_at_ms != from_pinned.signed_at_ms)
      fail("the policies differ on a signed file");
  }
  if (open_took) {
    if (!peek_took || document_text(peeked.document) != document_text(from_open.document) ||
        peeked.signed_at_ms != from_open.signed_at_ms || peeked.signer != from_open.signer)
      fail("peek_applications reads a taken file otherwise");
    check_document(from_open.document);
  }
}

void fuzz_application_document(std::string_view text) {
  json document;
  if (!edgeml::parse_json_bounded(text, document, 16)) return;
  bool read = true;
  try {
    (void)edgeml::read_applications(document);
  } catch (const edgeml::Error&) {
    read = false;
  }
  json statement = {{"format", 1}, {"cluster", kCluster}, {"signed_at", 5}, {"applications", document}};
  SignedApplications out;
  const bool took = static_cast<bool>(edgeml::cluster::decode_applications(
      edgeml::serve::cbor_text(statement), kCluster, PackagePolicy{{}, true}, out));
  if (took != read) fail("decode_applications and read_applications disagree on a document");
  if (took) check_document(out.document);
}

void fuzz_announcement(std::string_view payload) {
  edgeml::NodeAnnouncement a;
  if (!edgeml::parse_node_announcement(payload, a)) return;
  if (a.node.empty() || a.state.empty()) fail("a taken announcement has no node or state");
  if (a.capacity.memory_mib < 0 || a.capacity.cores < 0 || a.interval_s < 0) fail("a taken announcement has a negative figure");
  const std::string written = edgeml::node_announcement_json(a);
  edgeml::NodeAnnouncement again;
  if (!edgeml::parse_node_announcement(written, again)) fail("a taken announcement, written again, is refused");
  if (edgeml::node_announcement_json(again) != written) fail("a taken announcement, written again, reads as another");
}

void fuzz_placement(std::string_view payload) {
  edgeml::PlacementRecord p;
  if (!edgeml::parse_placement(payload, p)) return;
  if (p.generation == 0) fail("a taken placement has generation 0");
  if (!std::is_sorted(p.nodes.begin(), p.nodes.end())) fail("a taken placement's nodes are not sorted");
  for (const auto& [name, app] : p.applications)
    if (app.wanted < 0 || app.wanted > edgeml::kMaxReplicas) fail("a taken placement wants replicas out of range");
  const std::string written = edgeml::placement_json(p);
  edgeml::PlacementRecord again;
  if (!edgeml::parse_placement(written, again)) fail("a taken placement, written again, is refused");
  if (edgeml::placement_json(again) != written) fail("a taken placement, written again, reads as another");
}

void fuzz_status(std::string_view input) {
  edgeml::cluster::ClusterStatus status{std::string(kCluster)};
  bool only_known_topics = true;
  while (input.size() >= 3) {
    const auto selector = static_cast<std::uint8_t>(input[0]);
    std::size_t length = static_cast<std::uint8_t>(input[1]) | std::size_t{static_cast<std::uint8_t>(input[2])} << 8;
    input.remove_prefix(3);
    std::string_view message = input.substr(0, length);
    input.remove_prefix(message.size());
    std::string topic;
    if (edgeml::fuzz::take_own_topic(selector, message, topic)) {
      only_known_topics = false;
    } else if ((selector & 3) == 0) {
      topic = edgeml::cluster_applications_topic(kCluster);
    } else if ((selector & 3) == 1) {
      topic = edgeml::cluster_placement_topic(kCluster);
    } else {
      topic = edgeml::cluster_node_topic(kCluster, kNames[(selector >> 2) & 3]);
    }
    status.take(topic, message);
  }
  if (only_known_topics && status.nodes().size() > kNames.size()) fail("more nodes kept than were named");
  if (status.converged() && (!status.applications() || !status.placement()))
    fail("converged without applications and a placement");
  (void)status.table();
  (void)status.to_json().dump(-1, ' ', false, json::error_handler_t::replace);
  (void)status.empty();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  keys = edgeml::fuzz::read_fuzz_keys("fuzz_cluster_state");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] & 7) {
    case 0: fuzz_application_file(rest); break;
    case 1: fuzz_application_document(rest); break;
    case 2: fuzz_announcement(rest); break;
    case 3: fuzz_placement(rest); break;
    default: fuzz_status(rest); break;
  }
  return 0;
}
