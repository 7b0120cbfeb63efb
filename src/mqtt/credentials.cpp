#include "mqtt/credentials.h"

#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "core/error.h"

namespace edgeml::mq {

namespace fs = std::filesystem;

void require_private_file(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    throw Error(fmt::format("password file '{}' does not exist or is not a file", path.string()));
  if ((st.st_mode & 077) != 0)
    throw Error(fmt::format("password file '{}' is readable or writable by group or others (mode {:o}); "
                            "run: chmod 600 '{}'",
                            path.string(), st.st_mode & 0777, path.string()));
}

// Lines of a private file, with a trailing '\r' (a file written on Windows) dropped.
static std::ifstream open_private(const fs::path& path) {
  require_private_file(path);
  std::ifstream in(path);
  if (!in) throw Error(fmt::format("cannot read password file '{}'", path.string()));
  return in;
}

static std::string chomp(std::string line) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

std::string read_password_file(const fs::path& path) {
  std::ifstream in = open_private(path);
  std::string line;
  std::getline(in, line);
  line = chomp(line);
  if (line.empty()) throw Error(fmt::format("password file '{}' has no password on its first line", path.string()));
  return line;
}

std::optional<std::string> password_in_file(const fs::path& path, const std::string& name) {
  std::ifstream in = open_private(path);
  std::string line;
  while (std::getline(in, line)) {
    line = chomp(line);
    if (line.size() > name.size() && line.compare(0, name.size(), name) == 0 && line[name.size()] == ':')
      return line.substr(name.size() + 1);
  }
  return std::nullopt;
}

std::string password_variable(const std::string& name) {
  std::string var = "EDGEML_BROKER_PASSWORD_";
  for (unsigned char ch : name) var += std::isalnum(ch) ? static_cast<char>(std::toupper(ch)) : '_';
  return var;
}

std::optional<std::string> prompt_password(const std::string& prompt) {
  if (isatty(STDIN_FILENO) != 1) return std::nullopt;
  termios old {};
  tcgetattr(STDIN_FILENO, &old);
  termios quiet = old;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  std::cerr << prompt << std::flush;
  tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  std::string line;
  bool got = static_cast<bool>(std::getline(std::cin, line));
  tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
  std::cerr << "\n";
  if (!got) return std::nullopt;
  return line;
}

static std::optional<std::string> find_password(const std::string& name, const fs::path& password_file) {
  if (!password_file.empty()) {
    if (auto p = password_in_file(password_file, name)) return p;
  }
  if (const char* p = std::getenv(password_variable(name).c_str()); p && *p) return std::string(p);
  return prompt_password(fmt::format("password for broker user '{}': ", name));
}

BrokerUser resolve_broker_user(const std::string& name, const fs::path& password_file) {
  // Not even part of the password goes into the message: it may be a real one.
  if (name.find(':') != std::string::npos)
    throw Error(fmt::format("--user '{}' takes a user name only: a password on the command line can be read by "
                            "anyone on this machine. Put 'NAME:PASSWORD' in a --password-file (mode 600), or set {}",
                            name.substr(0, name.find(':')), password_variable(name.substr(0, name.find(':')))));
  auto password = find_password(name, password_file);
  if (!password || password->empty())
    throw Error(fmt::format("no password for broker user '{}': put '{}:PASSWORD' in a --password-file (mode 600), "
                            "set {}, or run with a terminal to be asked",
                            name, name, password_variable(name)));
  return {name, *password};
}

}  // namespace edgeml::mq
