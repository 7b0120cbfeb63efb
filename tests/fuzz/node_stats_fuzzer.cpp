// libFuzzer target: what `edgeml status` reads (serve/fleet_status.h): nodes'
// stats, status and alerts and collectors' quality counts, taken into a
// FleetStatus and shown as its table (fleet_table) and its JSON (to_json),
// which read the stats field by field.
//
// The input is a list of messages separated by NUL bytes. A message's first
// byte picks its topic: bits 0-1 the kind (status, stats, alerts, quality),
// bits 2-3 one of four node names; with bit 7 set, the topic is instead the
// message's first line. The rest is the payload. Messages arrive five seconds
// apart; the fleet is shown a minute after the first.
//
// Checked besides "never throws, never crashes": every message on one of
// the four topic kinds is taken, and no more nodes are kept than were named.
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "fuzz/serve_fuzzing.h"
#include "client/fleet_status.h"

namespace {

using edgeml::client::FleetStatus;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_node_stats: %s\n", what);
  std::abort();
}

constexpr std::array<const char*, 4> kKinds = {"status", "stats", "alerts", "quality"};
constexpr std::array<const char*, 4> kNames = {"edge-1", "edge-2", "collector-1", "edge-1x"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const FleetStatus::Clock::time_point start = FleetStatus::Clock::from_time_t(1764177605);
  FleetStatus fleet;
  std::size_t messages = 0;
  bool only_known_topics = true;
  while (!input.empty()) {
    std::size_t end = input.find('\0');
    std::string_view message = input.substr(0, end);
    input = end == std::string_view::npos ? std::string_view() : input.substr(end + 1);
    if (message.empty()) continue;
    const auto selector = static_cast<std::uint8_t>(message.front());
    message.remove_prefix(1);
    std::string topic;
    if (edgeml::fuzz::take_own_topic(selector, message, topic)) {
      only_known_topics = false;
    } else {
      const char* kind = kKinds[selector & 3];
      const char* name = kNames[(selector >> 2) & 3];
      topic = (selector & 3) == 3 ? std::string("edgeml/collectors/") + name + "/" + kind
                                  : std::string("edgeml/nodes/") + name + "/" + kind;
    }
    auto received = start + std::chrono::seconds(5 * messages++);
    if (!fleet.take(topic, message, received) && only_known_topics && !(selector & 0x80))
      fail("a message on a known topic was not taken");
  }
  if (only_known_topics && (fleet.nodes().size() > kNames.size() || fleet.collectors().size() > kNames.size()))
    fail("more nodes kept than were named");
  const auto now = start + std::chrono::seconds(60);
  (void)edgeml::client::fleet_table(fleet, "mqtt://localhost:1883", now);
  (void)fleet.to_json(now).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return 0;
}
