// A small HTTP server on its own threads (civetweb's) for read-only pages:
// each route is an exact path answered by a callback run on those threads.
// Only GET and HEAD are taken (405 otherwise); another path is 404; request
// heads are capped, and a client that stalls is dropped.
#pragma once

#include <functional>
#include <map>
#include <string>

struct mg_context;

namespace edgeml {

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

class HttpServer {
 public:
  using Routes = std::map<std::string, std::function<HttpResponse()>, std::less<>>;

  // Listens on host:port (port 0: a free one); `what` names the server in
  // errors and logs ("/metrics"). Throws Error when it cannot listen.
  HttpServer(const std::string& host, int port, Routes routes, std::string what);
  ~HttpServer();  // stops listening and joins the threads
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const { return port_; }

  // Called from civetweb's threads.
  struct Context {
    Routes routes;
    std::string what;
  };

 private:
  Context context_;
  mg_context* http_ = nullptr;
  int port_ = 0;
};

// A /healthz route: 200 "ok", or 503 with the reason `healthy` sets when it
// returns false.
std::function<HttpResponse()> health_route(std::function<bool(std::string& why)> healthy);

}  // namespace edgeml
