// What `edgeml status` knows of the edge fleet, gathered from the topics the
// servers and collectors keep up to date:
//   node_status_topic()        "online" / "offline", retained (server.h)
//   node_stats_topic()         JSON, retained (node_stats.h)
//   node_alerts_topic()        accuracy alerts as they happen
//   collector_quality_topic()  a collector's data-quality counts, retained
//                              (protocol/topics.h; quality_report.h's quality_counts_json)
//
// Any payload is taken: what cannot be read becomes a note on its node,
// never an exception. Stats are kept as the JSON they came in and read field
// by field when shown, so a node on an older or newer version shows "-" where
// a figure is missing or mistyped. Memory is bounded: kMaxNodes nodes and
// collectors each, messages up to kMaxPayload bytes, kAlertsKept alerts a node.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace edgeml::client {

class FleetStatus {
 public:
  using Clock = std::chrono::system_clock;
  static constexpr std::size_t kMaxNodes = 1000;
  static constexpr std::size_t kMaxPayload = 1 << 20;
  static constexpr std::size_t kAlertsKept = 5;
  // Assumed for stats that do not say their interval (a server's default).
  static constexpr double kDefaultIntervalSeconds = 5;

  struct Node {
    std::string status;    // as published ("online", "offline", or what else came); empty: none
    nlohmann::json stats;  // the last stats that were a JSON object; null: none yet
    Clock::time_point stats_received{};
    int stats_messages = 0;                  // the first may be the retained copy of an old one
    std::optional<double> measured_interval;  // seconds between the last two live stats
    std::deque<nlohmann::json> alerts;        // the last few, oldest first
    std::map<std::string, std::string> notes;  // by topic kind ("stats", ...): what was wrong with its last message
  };
  struct Collector {
    nlohmann::json quality;  // null: none that could be read
    Clock::time_point received{};
    int messages = 0;  // the first may be a retained one of any age (the counts carry no time)
    std::string note;
  };
  // How old a node's stats are, and whether more than 3 of its intervals.
  struct Freshness {
    std::optional<double> age_s;  // none: no stats
    double interval_s = kDefaultIntervalSeconds;
    bool stale = false;
  };

  // The topic filters to subscribe to.
  static std::vector<std::string> topic_filters();

  // Takes one message; false when its topic is none of the above.
  bool take(std::string_view topic, std::string_view payload, Clock::time_point received);

  bool empty() const { return nodes_.empty() && collectors_.empty(); }
  const std::map<std::string, Node, std::less<>>& nodes() const { return nodes_; }
  const std::map<std::string, Collector, std::less<>>& collectors() const { return collectors_; }
  // Messages of nodes or collectors past kMaxNodes, not kept.
  std::size_t ignored() const { return ignored_; }

  // Age from the stats' own "time" for the first (maybe retained) message,
  // else from when it arrived; interval from its "interval_s", else as
  // measured, else the default.
  static Freshness freshness(const Node& node, Clock::time_point now);
  // Since a collector's last counts, when known.
  static std::optional<double> age(const Collector& collector, Clock::time_point now);

  // {"nodes": [{"node", "status", "stats_age_s", "interval_s", "stale",
  //   "stats", "alerts", "notes"}], "collectors": [{"collector", "age_s"
  //   (null until a second message tells), "quality", "note"}], "ignored"}:
  //   what was gathered, for scripts.
  nlohmann::json to_json(Clock::time_point now) const;

 private:
  Node* node(std::string_view name);
  void take_stats(Node& node, std::string_view name, std::string_view payload, Clock::time_point received);
  void take_alert(Node& node, std::string_view payload);
  void take_quality(std::string_view name, std::string_view payload, Clock::time_point received);

  std::map<std::string, Node, std::less<>> nodes_;
  std::map<std::string, Collector, std::less<>> collectors_;
  std::size_t ignored_ = 0;
};

// One table of the nodes, one of their models (a row per model and series it
// was scored on), one of the collectors, then the notes: what was unreadable,
// recent alerts, active contract violations. `source` names the broker in
// the first line. Text from payloads is stripped of control characters.
std::string fleet_table(const FleetStatus& fleet, const std::string& source, FleetStatus::Clock::time_point now);

}  // namespace edgeml::client
