#include "support/postgres_server.h"

#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include <fmt/format.h>

#include "core/error.h"
#include "core/process.h"
#include "mqtt/net.h"

namespace edgeml::test {

namespace fs = std::filesystem;

namespace {

constexpr auto kStartTimeout = std::chrono::seconds(30);
constexpr auto kToolTimeout = std::chrono::seconds(60);
constexpr const char* kPostgresRoot = "/usr/lib/postgresql";

// The version directory's number: 15 of /usr/lib/postgresql/15.
int version_of(const fs::path& dir) {
  try {
    return std::stoi(dir.filename().string());
  } catch (const std::exception&) {
    return -1;
  }
}

// PostgreSQL will not run as root: the data directory goes to the postgres user.
void give_to_postgres_user(const fs::path& dir) {
  const passwd* user = getpwnam("postgres");
  if (!user) throw Error("running as root, and there is no 'postgres' user to run PostgreSQL as");
  if (chown(dir.c_str(), user->pw_uid, user->pw_gid) != 0)
    throw Error(fmt::format("cannot give {} to the postgres user", dir.string()));
}

}  // namespace

fs::path PostgresServer::bin_dir() {
  std::error_code ec;
  fs::path best;
  for (const auto& entry : fs::directory_iterator(kPostgresRoot, ec)) {
    const fs::path bin = entry.path() / "bin";
    if (fs::exists(bin / "initdb") && fs::exists(bin / "pg_ctl") &&
        version_of(entry.path()) > version_of(best.parent_path()))
      best = bin;
  }
  return best;
}

PostgresServer::PostgresServer() : bin_(bin_dir()), data_(dir_ / "data") {
  if (bin_.empty())
    throw Error(fmt::format("no PostgreSQL server binaries (initdb, pg_ctl) under {} (Debian's postgresql package)",
                            kPostgresRoot));
  if (geteuid() == 0) give_to_postgres_user(dir_.path());
  run("initdb", {"-D", data_.string(), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"},
      kToolTimeout);
  for (int attempt = 1;; ++attempt) {
    port_ = mq::pick_free_port("127.0.0.1");
    try {
      start();
      return;
    } catch (const Error&) {
      if (attempt >= 3) throw;  // another process took the port each time
    }
  }
}

PostgresServer::~PostgresServer() {
  try {
    stop();
  } catch (const Error&) {
    kill_leftover();
  }
}

void PostgresServer::run(const std::string& tool, const std::vector<std::string>& args, std::chrono::seconds timeout) {
  // env -C: the tools want a working directory the postgres user may enter.
  std::vector<std::string> argv{"env", "-C", dir_.path().string(), (bin_ / tool).string()};
  if (geteuid() == 0) argv.insert(argv.begin(), {find_program("runuser"), "-u", "postgres", "--"});
  argv.insert(argv.end(), args.begin(), args.end());
  const fs::path log = dir_ / (tool + ".log");
  Process process(argv, log.string());
  const std::optional<int> status = process.wait_for(timeout);
  if (status == 0) return;
  if (!status) process.stop(SIGKILL, std::chrono::seconds(1));
  throw Error(fmt::format("{} {}: {}\n{}\n{}", tool, status ? fmt::format("exited with {}", *status) : "timed out",
                          fmt::join(args, " "), read_file(log), read_file(dir_ / "server.log")));
}

void PostgresServer::start() {
  const std::string options =
      fmt::format("-p {} -c listen_addresses=127.0.0.1 -k {} -F", port_, dir_.path().string());
  run("pg_ctl", {"-D", data_.string(), "-l", (dir_ / "server.log").string(), "-w", "-t",
                 std::to_string(kStartTimeout.count()), "-o", options, "start"},
      kStartTimeout + std::chrono::seconds(5));
  running_ = true;
}

void PostgresServer::stop() {
  if (!running_) return;
  running_ = false;
  run("pg_ctl", {"-D", data_.string(), "-m", "fast", "-w", "-t", "20", "stop"}, std::chrono::seconds(25));
}

// The postmaster of a server pg_ctl could not stop, from its pid file.
void PostgresServer::kill_leftover() {
  std::ifstream pid_file(data_ / "postmaster.pid");
  pid_t pid = 0;
  if (pid_file >> pid && pid > 0) ::kill(pid, SIGKILL);
}

std::string PostgresServer::url(const std::string& database) const {
  return fmt::format("postgresql://postgres@127.0.0.1:{}/{}", port_, database);
}

std::string PostgresServer::create_database(const std::string& name) {
  run("createdb", {"-h", "127.0.0.1", "-p", std::to_string(port_), "-U", "postgres", name}, kToolTimeout);
  return url(name);
}

std::unique_ptr<PostgresServer> PostgresTest::server_;
std::string PostgresTest::unavailable_;
bool PostgresTest::missing_ = false;

void PostgresTest::SetUpTestSuite() {
  missing_ = PostgresServer::bin_dir().empty();
  try {
    server_ = std::make_unique<PostgresServer>();
  } catch (const Error& e) {
    unavailable_ = e.what();
  }
}

void PostgresTest::TearDownTestSuite() { server_.reset(); }

void PostgresTest::SetUp() {
  if (!server_) {
    if (missing_ && !running_in_ci()) GTEST_SKIP() << unavailable_;
    FAIL() << unavailable_;
  }
  static int databases = 0;
  url_ = server_->create_database(fmt::format("test{}", ++databases));
}

}  // namespace edgeml::test
