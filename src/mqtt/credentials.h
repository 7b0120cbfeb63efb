// Where passwords come from. They never come from a command line: any user of
// the machine can read another's (ps, /proc/PID/cmdline).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "mqtt/broker_config.h"

namespace edgeml::mq {

// Throws Error naming `path` when it cannot be read or when its group or others
// may read or write it: a password shared with them is no secret.
void require_private_file(const std::filesystem::path& path);

// The first line of a private password file (a client's --password-file).
std::string read_password_file(const std::filesystem::path& path);

// The password of `name` in a private file of NAME:PASSWORD lines, if listed.
std::optional<std::string> password_in_file(const std::filesystem::path& path, const std::string& name);

// EDGEML_BROKER_PASSWORD_<NAME>, upper-cased, anything but letters and digits as '_'.
std::string password_variable(const std::string& name);

// Asks on the terminal without echo; nullopt when stdin is not a terminal.
std::optional<std::string> prompt_password(const std::string& prompt);

// A broker user named by --user: its password from `password_file` (when not
// empty), else from password_variable(name), else from the terminal. Throws
// Error saying these three ways when none has it, and for "NAME:PASSWORD".
BrokerUser resolve_broker_user(const std::string& name, const std::filesystem::path& password_file);

}  // namespace edgeml::mq
