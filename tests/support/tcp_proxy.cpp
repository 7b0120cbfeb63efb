#include "support/tcp_proxy.h"

#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <deque>
#include <string>

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

TcpProxy::TcpProxy(std::string target_host, int target_port, std::chrono::milliseconds delay)
    : target_host_(std::move(target_host)), target_port_(target_port), delay_(delay) {
  // Close-on-exec throughout: a process the test starts later must not hold
  // our ends open, or a cut would not close the connection.
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
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
    int client = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    if (link_down_) {
      close(client);
      continue;
    }
    int server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr = loopback(target_port_);
    if (connect(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      close(client);
      close(server);
      continue;
    }
    ++accepted_;
    if (delay_.count() > 0)
      for (int fd : {client, server}) {
        int one = 1;  // the delay is ours alone: no Nagle's algorithm on top
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      }
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
  using Clock = std::chrono::steady_clock;
  struct Held {
    Clock::time_point due;
    std::string bytes;
  };
  std::deque<Held> held[2];  // read from fds[i], to write to fds[1 - i]
  char buf[16384];
  pollfd fds[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
  bool closed = false, eof[2] = {false, false};  // eof: what was read from that side is still passed on
  while (!closed && !stop_ && Clock::now() < cut_at && cut_generation_ == generation) {
    for (int i = 0; i < 2; ++i) {
      fds[i].events = eof[i] ? 0 : POLLIN;
      closed = closed || (eof[i] && held[i].empty());
    }
    if (closed) break;
    auto wait = std::chrono::milliseconds(20);
    for (const auto& q : held)
      if (!q.empty())
        // Rounded up: a wait rounded down would poll with 0 ms until the bytes
        // are due, keeping a core busy for nothing.
        wait = std::min(wait, std::max(std::chrono::milliseconds(0),
                                       std::chrono::ceil<std::chrono::milliseconds>(q.front().due - Clock::now())));
    if (poll(fds, 2, static_cast<int>(wait.count())) > 0)
      for (int i = 0; i < 2 && !closed; ++i) {
        if (eof[i] || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        ssize_t n = read(fds[i].fd, buf, sizeof buf);
        if (n <= 0) eof[i] = true;
        else held[i].push_back({Clock::now() + delay_, std::string(buf, static_cast<std::size_t>(n))});
      }
    for (int i = 0; i < 2 && !closed; ++i)
      while (!held[i].empty() && held[i].front().due <= Clock::now()) {
        const std::string& bytes = held[i].front().bytes;
        closed = closed || write(fds[1 - i].fd, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size());
        held[i].pop_front();
      }
  }
  close(client);
  close(server);
}

}  // namespace edgeml::test
