#include "client/fleet_page.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace edgeml::client {

namespace {

using nlohmann::json;

HttpServer::Routes page_routes(FleetPageServer::Sources sources) {
  HttpServer::Routes routes;
  routes["/"] = [] { return HttpResponse{200, "text/html; charset=utf-8", std::string(fleet_page_html())}; };
  routes["/fleet.json"] = [fleet_json = std::move(sources.fleet_json)] {
    return HttpResponse{200, "application/json", fleet_json()};
  };
  routes["/healthz"] = health_route(std::move(sources.healthy));
  return routes;
}

}  // namespace

json fleet_page_json(const FleetStatus& fleet, const LatencyHistory& history, FleetStatus::Clock::time_point now,
                     json cluster) {
  json out = fleet.to_json(now);
  out["time"] = fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", std::chrono::floor<std::chrono::seconds>(now));
  out["time_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  out["cluster"] = std::move(cluster);
  out["latency_history"] = history.to_json();
  return out;
}

FleetPageServer::FleetPageServer(const std::string& host, int port, Sources sources)
    : http_(host, port, page_routes(std::move(sources)), "the fleet page") {}

}  // namespace edgeml::client
