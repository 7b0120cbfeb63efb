#include "support/test_support.h"

#include <sqlite3.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/error.h"
#include "core/temp_dir.h"

namespace edgeml::test {

namespace fs = std::filesystem;

TempDir::TempDir() : path_(make_unique_dir(fs::temp_directory_path(), "edgeml-test")) {}

TempDir::~TempDir() {
  // EDGEML_KEEP_TEST_DIRS=1 keeps logs and databases for a post-mortem.
  if (const char* keep = std::getenv("EDGEML_KEEP_TEST_DIRS"); keep && *keep == '1') return;
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::unique_ptr<mq::Broker> start_broker(const fs::path& dir, mq::BrokerConfig config) {
  config.address = "127.0.0.1";
  config.port = 0;
  if (config.tls_port == 8883) config.tls_port = 0;
  config.data_dir = dir;
  auto broker = std::make_unique<mq::Broker>(config);
  broker->start();
  return broker;
}

mq::ClientOptions client_options(const mq::Broker& broker, const std::string& client_id) {
  mq::ClientOptions o;
  o.connection.host = broker.address();
  o.connection.port = broker.port();
  o.connection.client_id = client_id;
  o.connect_timeout = std::chrono::seconds(10);
  return o;
}

bool running_in_ci() {
  const char* ci = std::getenv("CI");
  return ci && std::string(ci) == "true";
}

fs::path shared_file(const std::string& relative) { return fs::path(EDGEML_SHARED_DIR) / relative; }

bool shared_available(const std::string& relative) { return fs::exists(shared_file(relative)); }

Process run_edgeml(const std::vector<std::string>& args, const fs::path& log) {
  std::vector<std::string> argv{EDGEML_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return Process(argv, log.string());
}

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::int64_t count_rows(const fs::path& db, const std::string& sql) {
  sqlite3* h = nullptr;
  std::int64_t n = -1;
  if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(h, 2000);
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(h, sql.c_str(), -1, &s, nullptr) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
      n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
  }
  sqlite3_close(h);
  return n;
}

}  // namespace edgeml::test
