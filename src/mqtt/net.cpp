#include "mqtt/net.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <charconv>
#include <cstring>
#include <filesystem>
#include <thread>

#include <fmt/format.h>

#include "core/error.h"

namespace edgeml::mq {

namespace {

struct Resolved {
  sockaddr_storage addr{};
  socklen_t len = 0;
};

Resolved resolve(const std::string& address, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* res = nullptr;
  std::string service = std::to_string(port);
  int rc = getaddrinfo(address.c_str(), service.c_str(), &hints, &res);
  if (rc != 0) throw Error(fmt::format("cannot resolve address '{}': {}", address, gai_strerror(rc)));
  Resolved r;
  std::memcpy(&r.addr, res->ai_addr, res->ai_addrlen);
  r.len = res->ai_addrlen;
  freeaddrinfo(res);
  return r;
}

int port_of(const sockaddr_storage& addr) {
  if (addr.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_port);
  return ntohs(reinterpret_cast<const sockaddr_in*>(&addr)->sin_port);
}

bool is_tcp_to_port(int fd, int port) {
  int type = 0, domain = 0;
  socklen_t len = sizeof type;
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM) return false;
  len = sizeof domain;
  if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0) return false;
  if (domain != AF_INET && domain != AF_INET6) return false;
  sockaddr_storage peer{};
  len = sizeof peer;
  return getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) == 0 && port_of(peer) == port;
}

}  // namespace

int pick_free_port(const std::string& address) {
  Resolved r = resolve(address, 0);
  int fd = socket(r.addr.ss_family, SOCK_STREAM, 0);
  if (fd < 0) throw Error(fmt::format("cannot open a socket: {}", std::strerror(errno)));
  if (bind(fd, reinterpret_cast<sockaddr*>(&r.addr), r.len) != 0) {
    int err = errno;
    close(fd);
    throw Error(fmt::format("cannot bind to {}: {}", address, std::strerror(err)));
  }
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
  close(fd);
  return port_of(bound);
}

bool wait_for_listener(const std::string& address, int port, std::chrono::milliseconds timeout) {
  Resolved r = resolve(address, port);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int fd = socket(r.addr.ss_family, SOCK_STREAM, 0);
    if (fd < 0) return false;
    bool ok = connect(fd, reinterpret_cast<sockaddr*>(&r.addr), r.len) == 0;
    close(fd);
    if (ok) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

bool is_loopback(const std::string& address) {
  if (address == "localhost" || address == "::1") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, address.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  return false;
}

// The process's own descriptors are listed by /proc/self/fd. One may close,
// and its number be reused by another socket, between the check and the set;
// a stray TCP_NODELAY harms no socket.
int disable_nagle_to_port(int port) {
  std::error_code ec;
  std::filesystem::directory_iterator fds("/proc/self/fd", ec);
  if (ec) return 0;
  int changed = 0;
  for (const auto& entry : fds) {
    const std::string name = entry.path().filename().string();
    int fd = -1;
    if (std::from_chars(name.data(), name.data() + name.size(), fd).ec != std::errc() || !is_tcp_to_port(fd, port))
      continue;
    int on = 0;
    socklen_t len = sizeof on;
    if (getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, &len) != 0 || on) continue;
    on = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) == 0) ++changed;
  }
  return changed;
}

}  // namespace edgeml::mq
