// The server's HTTP endpoint (core/http_server.h): GET /metrics (Prometheus'
// text format) and GET /healthz ("ok", or 503 with the reason), from
// callbacks run on the HTTP server's threads for each request.
#pragma once

#include <functional>
#include <string>

#include "core/http_server.h"

namespace edgeml::serve {

class MetricsEndpoint {
 public:
  struct Sources {
    std::function<std::string()> metrics;
    // True when healthy; otherwise sets the reason.
    std::function<bool(std::string& why)> healthy;
  };

  // Listens on host:port (port 0: a free one); throws Error when it cannot.
  MetricsEndpoint(const std::string& host, int port, Sources sources);

  int port() const { return http_.port(); }

 private:
  HttpServer http_;
};

// The server's figures as Prometheus metrics (names edgeml_serve_*).
struct NodeStats;
class ModelSet;
std::string server_metrics(const NodeStats& stats, const ModelSet& models);

}  // namespace edgeml::serve
