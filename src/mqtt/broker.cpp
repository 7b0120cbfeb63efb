#include "mqtt/broker.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/error.h"
#include "core/file_text.h"
#include "core/temp_dir.h"
#include "mqtt/broker_acl.h"
#include "mqtt/net.h"

namespace edgeml::mq {

namespace fs = std::filesystem;

// 32 bytes from the kernel's generator, as hex.
static std::string random_password() {
  unsigned char bytes[32];
  if (getrandom(bytes, sizeof bytes, 0) != static_cast<ssize_t>(sizeof bytes))
    throw Error(fmt::format("cannot draw a password for the broker's retainer: {}", std::strerror(errno)));
  std::string hex;
  for (unsigned char b : bytes) hex += fmt::format("{:02x}", b);
  return hex;
}

Broker::Broker(BrokerConfig config) : config_(std::move(config)) {
  validate(config_);
  if (config_.data_dir.empty()) {
    config_.data_dir = make_unique_dir(fs::temp_directory_path(), "edgeml-broker");
    owns_data_dir_ = true;
  }
  std::error_code ec;
  fs::create_directories(config_.data_dir, ec);
  if (ec) throw Error(fmt::format("cannot create broker directory '{}': {}", config_.data_dir.string(), ec.message()));
  // It holds the password hashes and the persisted messages: ours alone.
  fs::permissions(config_.data_dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  if (ec) throw Error(fmt::format("cannot make broker directory '{}' private: {}", config_.data_dir.string(), ec.message()));
  config_.data_dir = fs::absolute(config_.data_dir);
  if (config_.bridge && !config_.users.empty()) retainer_user_ = BrokerUser{std::string(kRetainerUser), random_password()};
}

Broker::~Broker() {
  try {
    stop(std::chrono::seconds(5));
  } catch (...) {
  }
  if (owns_data_dir_) {
    std::error_code ec;
    fs::remove_all(config_.data_dir, ec);
  }
}

// Created 0600 before anything is written, so never readable by others.
static void write_private_file(const fs::path& path, const std::string& text) {
  ::unlink(path.c_str());
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw Error(fmt::format("cannot create '{}': {}", path.string(), std::strerror(errno)));
  bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!written) throw Error(fmt::format("cannot write '{}'", path.string()));
}

// Plain NAME:PASSWORD lines, then hashed in place by `mosquitto_passwd -U`:
// with -b the passwords would be on its command line, where any local user
// can read them.
static void write_password_file(const fs::path& path, const std::vector<BrokerUser>& users, const fs::path& log) {
  std::string text;
  for (const auto& user : users) {
    if (user.password.find_first_of("\r\n") != std::string::npos)
      throw Error(fmt::format("the password of broker user '{}' contains a line break", user.name));
    text += user.name + ":" + user.password + "\n";
  }
  write_private_file(path, text);
  Process p({"mosquitto_passwd", "-U", path.string()}, log.string());
  auto status = p.wait_for(std::chrono::seconds(30));
  if (!status || *status != 0)
    throw Error(fmt::format("mosquitto_passwd could not hash '{}'; see {}", path.string(), log.string()));
}

void Broker::write_files() {
  fs::path password_file = config_.data_dir / "passwords";
  std::vector<BrokerUser> users = config_.users;
  if (retainer_user_) users.push_back(*retainer_user_);
  if (!users.empty()) write_password_file(password_file, users, config_.data_dir / "mosquitto_passwd.log");
  // The retainer's user goes into our ACL, or into a copy of the operator's.
  BrokerConfig written = config_;
  const std::string retainer_acl = retainer_user_ ? render_retainer_acl() : "";
  if (!config_.roles.empty()) {
    write_private_file(config_.data_dir / "acl", render_acl(config_.roles) + retainer_acl);
  } else if (!config_.acl_file.empty() && retainer_user_) {
    written.acl_file = config_.data_dir / "acl";
    write_private_file(written.acl_file, read_file_text(config_.acl_file, 16 << 20) + "\n" + retainer_acl);
  }
  // Private: a bridge's password is in it.
  write_private_file(config_.data_dir / "mosquitto.conf", render_mosquitto_conf(written, password_file));
}

std::string Broker::log_tail() const {
  std::ifstream in(log_file());
  std::string line, tail;
  std::vector<std::string> lines;
  while (std::getline(in, line)) lines.push_back(line);
  std::size_t from = lines.size() > 5 ? lines.size() - 5 : 0;
  for (std::size_t i = from; i < lines.size(); ++i) tail += "\n  " + lines[i];
  return tail;
}

// Mosquitto logs "mosquitto version X running" once every listener is open. A
// listener alone is not proof: while we were down another process may have
// taken our port. The log is appended to across restarts: read past `from`.
static bool logged_running_since(const fs::path& log, std::uintmax_t from) {
  std::ifstream in(log);
  in.seekg(static_cast<std::streamoff>(from));
  std::string line;
  while (std::getline(in, line))
    if (line.find("mosquitto version") != std::string::npos && line.find(" running") != std::string::npos) return true;
  return false;
}

bool Broker::launch(std::chrono::milliseconds timeout) {
  std::error_code ec;
  std::uintmax_t log_start = fs::exists(log_file(), ec) ? fs::file_size(log_file(), ec) : 0;
  process_ = std::make_unique<Process>(
      std::vector<std::string>{"mosquitto", "-c", (config_.data_dir / "mosquitto.conf").string()},
      log_file().string());
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline && process_->running()) {
    if (logged_running_since(log_file(), log_start)) {
      // Still alive and answering after announcing itself?
      return wait_for_listener(address(), config_.port, std::chrono::milliseconds(1000)) &&
             (config_.cert_file.empty() ||
              wait_for_listener(config_.address, config_.tls_port, std::chrono::milliseconds(1000))) &&
             process_->running();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

void Broker::start(std::chrono::milliseconds timeout) {
  if (running()) return;
  const bool pick_port = config_.port == 0;
  const bool pick_tls = !config_.cert_file.empty() && config_.tls_port == 0;
  // A free port can be taken by someone else before mosquitto binds it: retry.
  for (int attempt = 1;; ++attempt) {
    if (pick_port) config_.port = pick_free_port(address());
    if (pick_tls) config_.tls_port = pick_free_port(config_.address);
    write_files();
    if (launch(timeout)) {
      spdlog::debug("mosquitto (pid {}) listening on {}:{}", process_->pid(), address(), config_.port);
      return;
    }
    process_->stop(SIGKILL, std::chrono::seconds(2));
    process_.reset();
    if (!(pick_port || pick_tls) || attempt >= 3)
      throw Error(fmt::format("mosquitto did not start on {}:{}; its log ({}) ends with:{}", address(),
                              config_.port, log_file().string(), log_tail()));
    if (pick_port) config_.port = 0;
    if (pick_tls) config_.tls_port = 0;
  }
}

void Broker::stop(std::chrono::milliseconds grace) {
  if (!process_) return;
  process_->stop(SIGTERM, grace);
  process_.reset();
}

bool Broker::running() { return process_ && process_->running(); }

int Broker::wait() {
  if (!process_) return 0;
  while (true) {
    if (auto status = process_->wait_for(std::chrono::seconds(1))) return *status;
  }
}

void Broker::signal(int signo) {
  if (process_) process_->signal(signo);
}

}  // namespace edgeml::mq
