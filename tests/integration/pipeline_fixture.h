// A broker, a database and the edgeml processes of one pipeline test.
#pragma once

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/test_support.h"

namespace edgeml::test {

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override;

  // `edgeml COMMAND --host --port [args]` with its log in the temp dir.
  Process start(const std::string& command, std::vector<std::string> args, const std::string& log_name);
  // A collector with a persistent session as `client_id`, writing db and csv.
  Process start_collector(const std::string& client_id, bool until_finish = true);
  // Waits (bounded) until the log shows the collector's subscription.
  void wait_subscribed(const std::string& log_name);
  // Waits for a process to exit; fails the test with its log on timeout or error.
  void expect_exit(Process& p, int status, const std::string& log_name, std::chrono::seconds timeout);

  std::int64_t events() { return count_rows(db(), "SELECT count(*) FROM events"); }
  std::int64_t rejects() { return count_rows(db(), "SELECT count(*) FROM rejects"); }
  std::filesystem::path db() const { return dir_ / "events.db"; }
  std::filesystem::path csv() const { return dir_ / "events.csv"; }

  TempDir dir_;
  std::unique_ptr<mq::Broker> broker_;
  int collectors_ = 0;
};

std::vector<std::string> lines_of(const std::filesystem::path& path);

}  // namespace edgeml::test
