#include "support/tcp_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/error.h"

namespace edgeml::test {

namespace {

sockaddr_in loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

}  // namespace

TcpProxy::TcpProxy(std::string target_host, int target_port)
    : target_host_(std::move(target_host)), target_port_(target_port) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr = loopback(0);
  if (listen_fd_ < 0 || bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(listen_fd_, 16) != 0)
    throw Error("test proxy: cannot listen on loopback");
  socklen_t len = sizeof addr;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

TcpProxy::~TcpProxy() {
  stop_ = true;
  acceptor_.join();
  for (auto& t : threads_) t.join();
  close(listen_fd_);
}

void TcpProxy::cut_next(int count, std::chrono::milliseconds after) {
  std::lock_guard lock(mutex_);
  cuts_left_ = count;
  cut_after_ = after;
}

void TcpProxy::accept_loop() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    int client = accept(listen_fd_, nullptr, nullptr);
    if (client < 0) continue;
    int server = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr = loopback(target_port_);
    if (connect(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      close(client);
      close(server);
      continue;
    }
    ++accepted_;
    auto cut_at = std::chrono::steady_clock::time_point::max();
    {
      std::lock_guard lock(mutex_);
      if (cuts_left_ > 0) {
        --cuts_left_;
        cut_at = std::chrono::steady_clock::now() + cut_after_;
      }
    }
    threads_.emplace_back([this, client, server, cut_at, generation = cut_generation_.load()] {
      forward(client, server, cut_at, generation);
    });
  }
}

void TcpProxy::forward(int client, int server, std::chrono::steady_clock::time_point cut_at, int generation) {
  char buf[16384];
  pollfd fds[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
  while (!stop_ && std::chrono::steady_clock::now() < cut_at && cut_generation_ == generation) {
    if (poll(fds, 2, 20) <= 0) continue;
    bool closed = false;
    for (int i = 0; i < 2 && !closed; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      closed = n <= 0 || write(fds[1 - i].fd, buf, static_cast<std::size_t>(n)) != n;
    }
    if (closed) break;
  }
  close(client);
  close(server);
}

}  // namespace edgeml::test
