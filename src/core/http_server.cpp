#include "core/http_server.h"

#include <civetweb.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/error.h"

namespace edgeml {

namespace {

// civetweb, not cpp-httplib: Debian builds cpp-httplib as a library that
// initialises OpenSSL when it is loaded, about 1.8 MiB resident in every
// edgeml process; civetweb loads nothing it is not asked for.
constexpr const char* kThreads = "2";              // a slow client leaves another request a thread
constexpr const char* kRequestTimeoutMs = "10000";  // a client that stalls is dropped
constexpr const char* kMaxRequestHead = "8192";     // bytes of request line and headers

int answer(mg_connection* c, const HttpResponse& response, bool head) {
  mg_response_header_start(c, response.status);
  mg_response_header_add(c, "Content-Type", response.content_type.c_str(), -1);
  mg_response_header_add(c, "Content-Length", std::to_string(response.body.size()).c_str(), -1);
  mg_response_header_add(c, "Cache-Control", "no-store", -1);  // every page here is live
  mg_response_header_send(c);
  if (!head) mg_write(c, response.body.data(), response.body.size());
  return response.status;
}

std::string route_list(const HttpServer::Routes& routes) {
  std::string list;
  for (const auto& [path, respond] : routes) list += (list.empty() ? "" : " and ") + path;
  return list;
}

int handle(mg_connection* c, void* data) {
  const auto& context = *static_cast<const HttpServer::Context*>(data);
  const mg_request_info* request = mg_get_request_info(c);
  const std::string_view path = request->local_uri ? request->local_uri : "";
  const std::string_view method = request->request_method ? request->request_method : "";
  const bool head = method == "HEAD";
  if (method != "GET" && !head) return answer(c, {405, "text/plain; charset=utf-8", "only GET and HEAD\n"}, false);
  auto route = context.routes.find(path);
  if (route == context.routes.end())
    return answer(c, {404, "text/plain; charset=utf-8", "not found: " + route_list(context.routes) + " are\n"}, head);
  try {
    return answer(c, route->second(), head);
  } catch (const std::exception& e) {  // a callback's failure is this request's, not the server's
    spdlog::warn("{}: {} failed: {}", context.what, path, e.what());
    return answer(c, {500, "text/plain; charset=utf-8", fmt::format("{} failed: {}\n", path, e.what())}, head);
  }
}

int log_message(const mg_connection*, const char* message) {
  spdlog::debug("http server: {}", message);
  return 1;  // logged here, not on stderr
}

}  // namespace

HttpServer::HttpServer(const std::string& host, int port, Routes routes, std::string what)
    : context_{std::move(routes), std::move(what)} {
  // Asking for no feature (no TLS) returns 0 too; a failure shows in mg_start2.
  static const unsigned features = mg_init_library(0);
  (void)features;
  const std::string listen =
      fmt::format("{}:{}", host.find(':') == std::string::npos ? host : "[" + host + "]", port);
  const char* options[] = {"listening_ports", listen.c_str(), "num_threads", kThreads, "request_timeout_ms",
                           kRequestTimeoutMs, "max_request_size", kMaxRequestHead, nullptr};
  mg_callbacks callbacks{};
  callbacks.log_message = log_message;
  char why[256] = "";
  mg_init_data init{&callbacks, nullptr, options};
  mg_error_data error{nullptr, why, sizeof why};
  http_ = mg_start2(&init, &error);
  if (!http_) throw Error(fmt::format("cannot listen for {} on {}: {}", context_.what, listen, why));
  // Every path comes to handle(), which answers only the routes' exact paths.
  mg_set_request_handler(http_, "/", handle, &context_);
  mg_server_port bound{};
  if (mg_get_server_ports(http_, 1, &bound) != 1) {
    mg_stop(http_);
    throw Error(fmt::format("cannot listen for {} on {}: no port bound", context_.what, listen));
  }
  port_ = bound.port;
}

HttpServer::~HttpServer() { mg_stop(http_); }

std::function<HttpResponse()> health_route(std::function<bool(std::string& why)> healthy) {
  return [healthy = std::move(healthy)] {
    std::string why;
    const bool ok = healthy(why);
    return HttpResponse{ok ? 200 : 503, "text/plain; charset=utf-8", ok ? "ok\n" : why + "\n"};
  };
}

}  // namespace edgeml
