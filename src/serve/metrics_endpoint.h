// A small HTTP endpoint on its own threads (civetweb's): GET /metrics
// (Prometheus' text format) and GET /healthz ("ok", or 503 with the reason),
// from callbacks run on those threads for each request. Anything else is
// 404 (another path) or 405 (another method); request heads are capped.
#pragma once

#include <functional>
#include <string>

struct mg_context;

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
  ~MetricsEndpoint();  // stops listening and joins the threads
  MetricsEndpoint(const MetricsEndpoint&) = delete;
  MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;

  int port() const { return port_; }

 private:
  Sources sources_;
  mg_context* http_ = nullptr;
  int port_ = 0;
};

// The server's figures as Prometheus metrics (names edgeml_serve_*).
struct NodeStats;
class ModelSet;
std::string server_metrics(const NodeStats& stats, const ModelSet& models);

}  // namespace edgeml::serve
