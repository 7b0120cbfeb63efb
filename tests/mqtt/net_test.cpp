// The socket helpers, on real loopback sockets.
#include "mqtt/net.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>


namespace edgeml::mq {
namespace {

// A socket closed when it goes out of scope.
struct Fd {
  int fd;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

// Listens on an ephemeral loopback port.
int listen_on_loopback(int fd) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 4) != 0) return 0;
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  return ntohs(addr.sin_port);
}

bool connect_to(int fd, int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  return connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
}

bool nodelay(int fd) {
  int on = 0;
  socklen_t len = sizeof on;
  getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, &len);
  return on != 0;
}

TEST(MqttNet, NagleGoesOnlyOnSocketsToThePort) {
  Fd listener(socket(AF_INET, SOCK_STREAM, 0)), other_listener(socket(AF_INET, SOCK_STREAM, 0));
  int port = listen_on_loopback(listener.fd), other_port = listen_on_loopback(other_listener.fd);
  ASSERT_NE(port, 0);
  ASSERT_NE(other_port, 0);
  Fd to_port(socket(AF_INET, SOCK_STREAM, 0)), to_other(socket(AF_INET, SOCK_STREAM, 0));
  ASSERT_TRUE(connect_to(to_port.fd, port));
  ASSERT_TRUE(connect_to(to_other.fd, other_port));
  Fd accepted(accept(listener.fd, nullptr, nullptr));
  ASSERT_GE(accepted.fd, 0);
  ASSERT_FALSE(nodelay(to_port.fd));

  EXPECT_EQ(disable_nagle_to_port(port), 1);
  EXPECT_TRUE(nodelay(to_port.fd));
  EXPECT_FALSE(nodelay(to_other.fd));
  EXPECT_FALSE(nodelay(accepted.fd));  // its peer is the connecting socket's port
  EXPECT_EQ(disable_nagle_to_port(port), 0);  // already off
}

TEST(MqttNet, NoSocketToThePortChangesNothing) {
  Fd listener(socket(AF_INET, SOCK_STREAM, 0));
  int port = listen_on_loopback(listener.fd);
  ASSERT_NE(port, 0);
  EXPECT_EQ(disable_nagle_to_port(port), 0);
}

}  // namespace
}  // namespace edgeml::mq
