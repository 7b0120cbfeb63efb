// The fleet web page of `edgeml status --http`: GET / is one self-contained
// HTML page (inline CSS and JS, nothing fetched from elsewhere) that polls
// GET /fleet.json every second and redraws the nodes, the cluster's
// applications, the models' online accuracy and data quality, and a chart of
// each node's latency; GET /healthz says whether the broker is connected.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "client/fleet_status.h"
#include "client/latency_history.h"
#include "core/http_server.h"

namespace edgeml::client {

// The page's HTML (fleet_page_html.cpp).
std::string_view fleet_page_html();

// What the page draws: FleetStatus::to_json's "nodes", "collectors" and
// "ignored", with "time" (UTC, to the second), "time_ms", "cluster" (the
// cluster's status, or null without one) and "latency_history"
// (LatencyHistory::to_json).
nlohmann::json fleet_page_json(const FleetStatus& fleet, const LatencyHistory& history,
                               FleetStatus::Clock::time_point now, nlohmann::json cluster);

class FleetPageServer {
 public:
  struct Sources {
    std::function<std::string()> fleet_json;  // the text of /fleet.json
    // True when healthy; otherwise sets the reason.
    std::function<bool(std::string& why)> healthy;
  };

  // Listens on host:port (port 0: a free one); throws Error when it cannot.
  FleetPageServer(const std::string& host, int port, Sources sources);

  int port() const { return http_.port(); }

 private:
  HttpServer http_;
};

}  // namespace edgeml::client
