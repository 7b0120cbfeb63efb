// Small socket helpers for managing a local broker.
#pragma once

#include <chrono>
#include <string>

namespace edgeml::mq {

// A TCP port on `address` that nothing listens on right now (the kernel's
// choice). Another process may take it before we do; callers retry.
int pick_free_port(const std::string& address);

// True once something accepts TCP connections on address:port.
bool wait_for_listener(const std::string& address, int port, std::chrono::milliseconds timeout);

// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback(const std::string& address);

// Turns Nagle's algorithm off on every TCP socket of this process whose peer
// is on `port`, and returns how many it changed. Paho C 1.3.12 has no way to
// set a socket option, and with Nagle on, a small MQTT packet sent while an
// earlier one is unacknowledged waits for the peer's delayed ACK (~40 ms).
int disable_nagle_to_port(int port);

}  // namespace edgeml::mq
