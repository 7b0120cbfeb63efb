// A TCP proxy on a free loopback port that forwards to a target, and can cut
// the next connections shortly after they open: a broker that keeps dropping
// a client right after it connects. With a delay it holds every byte that long
// each way, as a slower network would, where the kernel cannot add latency
// itself (no netem).
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace edgeml::test {

class TcpProxy {
 public:
  TcpProxy(std::string target_host, int target_port, std::chrono::milliseconds delay = {});
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  int port() const { return port_; }
  // The next `count` connections are closed `after` they were accepted.
  void cut_next(int count, std::chrono::milliseconds after);
  // Closes every connection open now (later ones are left alone), as a
  // network failure would: neither end says goodbye.
  void cut_open_connections() { ++cut_generation_; }
  // A link down: open connections are cut and new ones closed at once, until
  // it is up again.
  void set_link_down(bool down) {
    link_down_ = down;
    if (down) cut_open_connections();
  }
  int accepted() const { return accepted_; }

 private:
  void accept_loop();
  void forward(int client, int server, std::chrono::steady_clock::time_point cut_at, int generation);

  std::string target_host_;
  int target_port_;
  std::chrono::milliseconds delay_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::atomic<int> cut_generation_{0};
  std::atomic<bool> link_down_{false};
  std::mutex mutex_;
  int cuts_left_ = 0;
  std::chrono::milliseconds cut_after_{0};
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

}  // namespace edgeml::test
