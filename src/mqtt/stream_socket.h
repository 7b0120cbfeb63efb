// The byte stream under a receive-only subscriber (stream_subscriber.h): a
// TCP connection to the broker, or TLS over it when the connection options
// name a CA file (the broker's certificate is checked against that CA and
// against the host name or address connected to). Non-blocking once open.
#pragma once

#include <chrono>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "mqtt/connection.h"

struct ssl_ctx_st;
struct ssl_st;

namespace edgeml::mq::stream {

class Socket {
 public:
  // Connects and, with TLS, shakes hands within `timeout`. Throws Error
  // saying what failed and where.
  Socket(const ConnectionOptions& options, std::chrono::milliseconds timeout);
  ~Socket();
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  enum class Read { data, none, closed };
  // What can be read now, into `into`; `bytes` is set with Read::data.
  Read read_some(std::span<char> into, std::size_t& bytes);
  // Writes all of `bytes` within `timeout`; false (and why()) when it cannot.
  bool write_all(std::string_view bytes, std::chrono::milliseconds timeout);
  // After a DISCONNECT: reads and drops what the broker still sends until it
  // closes the connection, at most `timeout`. Closed with bytes unread, the
  // socket would answer with a reset, and the broker could drop what it had
  // not read yet of ours: the last acknowledgements, sent again as duplicates.
  void drain(std::chrono::milliseconds timeout);
  // TLS records already read from the socket but not yet given out: the
  // socket may poll empty while these wait.
  bool pending() const;
  int fd() const { return fd_; }
  const std::string& why() const { return why_; }  // the last failure

 private:
  void handshake(const ConnectionOptions& options, std::chrono::milliseconds timeout);
  void close();
  bool wait_for(short events, std::chrono::milliseconds timeout);

  int fd_ = -1;
  ssl_ctx_st* context_ = nullptr;
  ssl_st* tls_ = nullptr;
  std::string where_;  // "host:port"
  std::string why_;
};

}  // namespace edgeml::mq::stream
