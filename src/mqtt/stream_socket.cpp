#include "mqtt/stream_socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <mutex>

#include <fmt/format.h>

#include "core/error.h"

namespace edgeml::mq::stream {

namespace {

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds left(Clock::time_point deadline) {
  return std::max(std::chrono::milliseconds(0),
                  std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
}

std::string tls_error() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return std::strerror(errno);
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

bool is_address(const std::string& host) {
  in6_addr any{};
  return inet_pton(AF_INET, host.c_str(), &any) == 1 || inet_pton(AF_INET6, host.c_str(), &any) == 1;
}

// One non-blocking TCP connection to the first address of `host` that answers.
int connect_tcp(const ConnectionOptions& c, Clock::time_point deadline, const std::string& where) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(c.port);
  if (int rc = getaddrinfo(c.host.c_str(), port.c_str(), &hints, &found); rc != 0)
    throw Error(fmt::format("cannot resolve {}: {}", c.host, gai_strerror(rc)));
  std::string last = "no address";
  int fd = -1;
  for (addrinfo* a = found; a && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    int rc = ::connect(fd, a->ai_addr, a->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      int error = ETIMEDOUT;
      socklen_t length = sizeof error;
      if (::poll(&p, 1, static_cast<int>(left(deadline).count())) == 1) getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
      rc = error == 0 ? 0 : -1;
      errno = error;
    }
    if (rc != 0) {
      last = std::strerror(errno);
      ::close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(found);
  if (fd < 0) throw Error(fmt::format("cannot reach {}: {}", where, last));
  int on = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  return fd;
}

}  // namespace

Socket::Socket(const ConnectionOptions& c, std::chrono::milliseconds timeout)
    : where_(fmt::format("{}:{}", c.host, c.port)) {
  const Clock::time_point deadline = Clock::now() + timeout;
  fd_ = connect_tcp(c, deadline, where_);
  if (!c.tls()) return;
  try {
    handshake(c, left(deadline));
  } catch (...) {
    close();
    throw;
  }
}

Socket::~Socket() { close(); }

void Socket::close() {
  if (tls_) SSL_free(tls_);
  if (context_) SSL_CTX_free(context_);
  if (fd_ >= 0) ::close(fd_);
  tls_ = nullptr;
  context_ = nullptr;
  fd_ = -1;
}

void Socket::handshake(const ConnectionOptions& c, std::chrono::milliseconds timeout) {
  // OpenSSL writes with write(2): a broker gone mid-write must not end the process.
  static std::once_flag once;
  std::call_once(once, [] { std::signal(SIGPIPE, SIG_IGN); });
  const Clock::time_point deadline = Clock::now() + timeout;
  context_ = SSL_CTX_new(TLS_client_method());
  if (!context_) throw Error(fmt::format("TLS to {}: {}", where_, tls_error()));
  SSL_CTX_set_min_proto_version(context_, TLS1_2_VERSION);
  if (SSL_CTX_load_verify_locations(context_, c.cafile.c_str(), nullptr) != 1)
    throw Error(fmt::format("cannot use the CA file {}: {}", c.cafile, tls_error()));
  SSL_CTX_set_verify(context_, SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_read_ahead(context_, 1);  // many records per read, as the plain socket gets many packets
  tls_ = SSL_new(context_);
  if (!tls_ || SSL_set_fd(tls_, fd_) != 1) throw Error(fmt::format("TLS to {}: {}", where_, tls_error()));
  if (is_address(c.host)) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(tls_), c.host.c_str());
  } else {
    SSL_set_tlsext_host_name(tls_, c.host.c_str());
    SSL_set1_host(tls_, c.host.c_str());
  }
  while (true) {
    const int rc = SSL_connect(tls_);
    if (rc == 1) return;
    const int error = SSL_get_error(tls_, rc);
    const short events = error == SSL_ERROR_WANT_READ ? POLLIN : error == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
    if (events == 0) {
      const long verified = SSL_get_verify_result(tls_);
      throw Error(fmt::format("TLS handshake with {} failed: {}", where_,
                              verified != X509_V_OK ? X509_verify_cert_error_string(verified) : tls_error()));
    }
    if (!wait_for(events, left(deadline)))
      throw Error(fmt::format("TLS handshake with {} took longer than {} ms", where_, timeout.count()));
  }
}

bool Socket::wait_for(short events, std::chrono::milliseconds timeout) {
  pollfd p{fd_, events, 0};
  int rc;
  do {
    rc = ::poll(&p, 1, static_cast<int>(timeout.count()));
  } while (rc < 0 && errno == EINTR);
  return rc == 1;
}

Socket::Read Socket::read_some(std::span<char> into, std::size_t& bytes) {
  if (into.empty()) return Read::none;
  if (tls_) {
    const int rc = SSL_read(tls_, into.data(), static_cast<int>(std::min<std::size_t>(into.size(), 1 << 30)));
    if (rc > 0) {
      bytes = static_cast<std::size_t>(rc);
      return Read::data;
    }
    const int error = SSL_get_error(tls_, rc);
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) return Read::none;
    why_ = error == SSL_ERROR_ZERO_RETURN ? "the broker closed the connection" : tls_error();
    return Read::closed;
  }
  const ssize_t rc = ::recv(fd_, into.data(), into.size(), 0);
  if (rc > 0) {
    bytes = static_cast<std::size_t>(rc);
    return Read::data;
  }
  if (rc < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return Read::none;
  why_ = rc == 0 ? "the broker closed the connection" : std::strerror(errno);
  return Read::closed;
}

bool Socket::write_all(std::string_view bytes, std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  while (!bytes.empty()) {
    short wait = POLLOUT;
    if (tls_) {
      const int rc = SSL_write(tls_, bytes.data(), static_cast<int>(bytes.size()));
      if (rc > 0) {
        bytes.remove_prefix(static_cast<std::size_t>(rc));
        continue;
      }
      const int error = SSL_get_error(tls_, rc);
      if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) {
        why_ = tls_error();
        return false;
      }
      wait = error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
    } else {
      const ssize_t rc = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (rc > 0) {
        bytes.remove_prefix(static_cast<std::size_t>(rc));
        continue;
      }
      if (rc < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        why_ = std::strerror(errno);
        return false;
      }
    }
    if (!wait_for(wait, left(deadline))) {
      why_ = fmt::format("could not write to {} within {} ms", where_, timeout.count());
      return false;
    }
  }
  return true;
}

void Socket::drain(std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  char dropped[16384];
  while (Clock::now() < deadline) {
    std::size_t bytes = 0;
    const Read read = read_some(dropped, bytes);
    if (read == Read::closed) return;
    if (read == Read::none && !pending() && !wait_for(POLLIN, left(deadline))) return;
  }
}

bool Socket::pending() const { return tls_ && SSL_has_pending(tls_) == 1; }

}  // namespace edgeml::mq::stream
