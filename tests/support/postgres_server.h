// A private PostgreSQL cluster for tests, from Debian's server binaries
// (/usr/lib/postgresql/VERSION/bin): initdb in a temporary directory, the
// server on a free loopback port and a socket in that directory, stopped
// with the object. No system PostgreSQL service is used. As root (tests run
// so in CI), the server runs as the `postgres` system user, since PostgreSQL
// refuses to run as root.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "support/test_support.h"

namespace edgeml::test {

class PostgresServer {
 public:
  // Throws Error naming what is missing, or with the server's log when it
  // does not start within a bound.
  PostgresServer();
  ~PostgresServer();  // pg_ctl stop -m fast, then SIGKILL
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // Creates database `name` and returns its URL (user postgres, no password).
  std::string create_database(const std::string& name);
  std::string url(const std::string& database) const;
  int port() const { return port_; }

  // The same cluster on the same port again, as a server restart is.
  void stop();
  void start();

  // The newest installed version's bin directory; empty when there is none.
  static std::filesystem::path bin_dir();

 private:
  // Runs bin_dir()/tool with `args` (as the postgres user when we are root);
  // throws Error with the tool's output unless it succeeds within `timeout`.
  void run(const std::string& tool, const std::vector<std::string>& args, std::chrono::seconds timeout);
  void kill_leftover();

  TempDir dir_;
  std::filesystem::path bin_, data_;
  int port_ = 0;
  bool running_ = false;
};

// One server for a test suite, and a fresh database for each test. Without
// PostgreSQL's binaries a test skips, or fails under CI=true.
class PostgresTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;

  static PostgresServer& server() { return *server_; }
  std::string url_;  // this test's database

 private:
  static std::unique_ptr<PostgresServer> server_;
  static std::string unavailable_;  // why there is no server
  static bool missing_;             // the binaries are not installed
};

}  // namespace edgeml::test
