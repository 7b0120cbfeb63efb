// What a long-running subcommand tells the service manager (systemd's
// sd_notify protocol; nothing is sent when $NOTIFY_SOCKET is unset, as when
// run from a terminal) and the reload request it takes (SIGHUP).
#pragma once

#include <atomic>
#include <string>

namespace edgeml::cli {

// READY=1: the service answers from now on (Type=notify units wait for it).
void notify_ready(const std::string& status);
// RELOADING=1 until the next notify_ready().
void notify_reloading();
void notify_stopping();

// Set by SIGHUP once install_reload_handler() ran.
extern std::atomic<bool> g_reload;
void install_reload_handler();

}  // namespace edgeml::cli
