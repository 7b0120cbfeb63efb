// A small HTTP endpoint on its own thread: GET /metrics (Prometheus' text
// format) and GET /healthz ("ok", or 503 with the reason), from callbacks
// run on the endpoint's thread for each request.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace httplib {
class Server;
}

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
  ~MetricsEndpoint();  // stops listening and joins the thread
  MetricsEndpoint(const MetricsEndpoint&) = delete;
  MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;

  int port() const { return port_; }

 private:
  std::unique_ptr<httplib::Server> http_;
  int port_ = 0;
  std::thread thread_;
};

// The server's figures as Prometheus metrics (names edgeml_serve_*).
struct NodeStats;
class ModelSet;
std::string server_metrics(const NodeStats& stats, const ModelSet& models);

}  // namespace edgeml::serve
