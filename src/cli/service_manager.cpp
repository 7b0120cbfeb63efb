#include "cli/service_manager.h"

#include <signal.h>
#include <systemd/sd-daemon.h>

#include <spdlog/spdlog.h>

namespace edgeml::cli {

std::atomic<bool> g_reload{false};

namespace {

void notify(const std::string& state) {
  // A failure to reach the manager changes nothing about serving: logged only.
  if (int rc = sd_notify(0, state.c_str()); rc < 0) spdlog::warn("could not notify the service manager: error {}", -rc);
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
