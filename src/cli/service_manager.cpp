#include "cli/service_manager.h"

#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>

#include <spdlog/spdlog.h>

namespace edgeml::cli {

std::atomic<bool> g_reload{false};

namespace {

// The protocol itself, one datagram to $NOTIFY_SOCKET, rather than
// libsystemd's sd_notify(): systemd keeps the protocol stable for programs
// that speak it alone, and Debian's libsystemd brings liblzma, libzstd, liblz4
// and libgcrypt into every edgeml process (about 1 MiB resident) for this one
// sendto(). Returns 0 or an errno value.
int send_to_manager(const std::string& state) {
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (!path || !*path) return 0;  // not run by a service manager
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::size_t length = std::strlen(path);
  if ((path[0] != '/' && path[0] != '@') || length >= sizeof address.sun_path) return EAFNOSUPPORT;
  std::memcpy(address.sun_path, path, length);
  if (path[0] == '@') address.sun_path[0] = '\0';  // Linux's abstract namespace
  const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  const auto size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + length);
  const ssize_t sent =
      sendto(fd, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&address), size);
  const int error = sent < 0 ? errno : static_cast<std::size_t>(sent) == state.size() ? 0 : EMSGSIZE;
  close(fd);
  return error;
}

void notify(const std::string& state) {
  // A failure to reach the manager changes nothing about serving: logged only.
  if (int error = send_to_manager(state); error != 0)
    spdlog::warn("could not notify the service manager at {}: {}", std::getenv("NOTIFY_SOCKET"), std::strerror(error));
}

void on_reload_signal(int) { g_reload = true; }

}  // namespace

void notify_ready(const std::string& status) { notify("READY=1\nSTATUS=" + status); }

void notify_reloading() { notify("RELOADING=1\nSTATUS=reloading the configuration"); }

void notify_stopping() { notify("STOPPING=1"); }

void install_reload_handler() {
  struct sigaction sa {};
  sa.sa_handler = on_reload_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGHUP, &sa, nullptr);
}

}  // namespace edgeml::cli
