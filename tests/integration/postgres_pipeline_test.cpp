// publish -> broker -> two `edgeml collect` of one $share group -> one
// PostgreSQL database, through real processes, then `edgeml export` from it;
// the same with the stream reader, one collector away for a while.
#include <csignal>

#include "support/postgres_server.h"
#include "support/postgres_testing.h"

namespace edgeml::test {
namespace {

class PostgresPipelineTest : public PostgresTest {
 protected:
  void SetUp() override {
    PostgresTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    std::filesystem::create_directories(dir_ / "broker");
    broker_ = start_broker(dir_ / "broker");
  }

  Process start(const std::string& command, std::vector<std::string> args, const std::string& log) {
    std::vector<std::string> argv{"--log-level", "debug", command, "--host", "127.0.0.1", "--port",
                                  std::to_string(broker_->port())};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_edgeml(argv, dir_ / log);
  }

  void expect_exit(Process& p, const std::string& log, std::chrono::seconds timeout) {
    auto status = p.wait_for(timeout);
    if (!status) p.stop(SIGKILL, std::chrono::seconds(1));
    ASSERT_EQ(status, 0) << log << ":\n" << read_file(dir_ / log);
  }

  TempDir dir_;
  std::unique_ptr<mq::Broker> broker_;
};

TEST_F(PostgresPipelineTest, TwoCollectorsOfAShareGroupStoreEveryEventOnceInOneDatabase) {
  std::vector<Process> collectors;
  for (const std::string id : {"pg-c1", "pg-c2"}) {
    collectors.push_back(start("collect", {"--db", url_, "--topic", "$share/collectors/alarm/#", "--client-id", id,
                                           "--until-finish", "--no-quality"},
                               id + ".log"));
    const auto log = dir_ / (id + ".log");
    ASSERT_TRUE(wait_until([&] { return read_file(log).find("subscribed to $share") != std::string::npos; },
                           std::chrono::seconds(15)))
        << read_file(log);
  }
  Process publisher = start("publish", {"--synthetic", "3000", "--series", "3", "--qos", "1", "--state-dir",
                                        (dir_ / "state").string()},
                            "publisher.log");
  expect_exit(publisher, "publisher.log", std::chrono::seconds(60));
  expect_exit(collectors[0], "pg-c1.log", std::chrono::seconds(30));
  expect_exit(collectors[1], "pg-c2.log", std::chrono::seconds(30));

  EXPECT_EQ(query_value(url_, "SELECT count(*) FROM events"), "3000");
  EXPECT_EQ(query_value(url_, "SELECT count(*) FROM (SELECT DISTINCT station, idx, event_time FROM events) e"), "3000");
  for (const std::string log : {"pg-c1.log", "pg-c2.log"})
    EXPECT_EQ(read_file(dir_ / log).find("collected 0 new events"), std::string::npos) << "one collector took all";

  Process exporter = run_edgeml({"export", "--db", url_, "--all", "--csv", (dir_ / "all.csv").string()},
                                dir_ / "export.log");
  expect_exit(exporter, "export.log", std::chrono::seconds(20));
  const std::string exported = read_file(dir_ / "export.log");
  EXPECT_NE(exported.find("wrote 3000 rows"), std::string::npos) << exported;
}

// The cloud collectors' reader: the same exactly-once store through edgeml's
// own QoS 1 stream, and a collector away while events come gets them from
// its kept session when it returns.
TEST_F(PostgresPipelineTest, StreamReaderCollectorsShareTheStreamAndGetWhatCameWhileAway) {
  auto start_collector = [&](const std::string& id, const std::string& log) {
    Process p = start("collect", {"--db", url_, "--topic", "$share/cloud/alarm/#", "--client-id", id, "--reader",
                                  "stream", "--until-finish", "--no-quality"},
                      log);
    EXPECT_TRUE(wait_until([&] { return read_file(dir_ / log).find("subscribed to $share") != std::string::npos; },
                           std::chrono::seconds(15)))
        << read_file(dir_ / log);
    return p;
  };
  Process away = start_collector("stream-c2", "stream-c2-first.log");
  away.stop(SIGTERM, std::chrono::seconds(10));  // its session stays, a member of the group
  Process c1 = start_collector("stream-c1", "stream-c1.log");
  // As through a bridge: no store receipts, which the stream reader does not send.
  Process publisher = start("publish", {"--synthetic", "3000", "--series", "3", "--qos", "1", "--no-receipts",
                                        "--state-dir", (dir_ / "state").string()},
                            "publisher.log");
  expect_exit(publisher, "publisher.log", std::chrono::seconds(60));
  expect_exit(c1, "stream-c1.log", std::chrono::seconds(30));
  Process back = start_collector("stream-c2", "stream-c2.log");
  expect_exit(back, "stream-c2.log", std::chrono::seconds(30));

  EXPECT_EQ(query_value(url_, "SELECT count(*) FROM events"), "3000");
  const std::string c2_log = read_file(dir_ / "stream-c2.log");
  EXPECT_EQ(c2_log.find("collected 0 new events"), std::string::npos) << "the session kept nothing:\n" << c2_log;
}

// The stream reader acknowledges only what is committed: a collector killed
// (SIGKILL, no goodbye) while events pour in loses none of them; its next
// run gets from its session what the last one had not committed.
TEST_F(PostgresPipelineTest, AStreamReaderCollectorKilledMidStreamLosesNothing) {
  const std::vector<std::string> collect{"--db", url_, "--topic", "alarm/#", "--client-id", "killed", "--reader",
                                         "stream", "--until-finish", "--no-quality"};
  Process first = start("collect", collect, "killed-first.log");
  ASSERT_TRUE(wait_until([&] { return read_file(dir_ / "killed-first.log").find("subscribed to") != std::string::npos; },
                         std::chrono::seconds(15)));
  Process publisher = start("publish", {"--synthetic", "4000", "--series", "2", "--qos", "1", "--no-receipts",
                                        "--interval", "0.0005", "--state-dir", (dir_ / "state").string()},
                            "publisher.log");
  ASSERT_TRUE(wait_until([&] { return std::stoll("0" + query_value(url_, "SELECT count(*) FROM events")) >= 500; },
                         std::chrono::seconds(30)));
  first.stop(SIGKILL, std::chrono::seconds(5));
  expect_exit(publisher, "publisher.log", std::chrono::seconds(60));
  Process second = start("collect", collect, "killed-second.log");
  expect_exit(second, "killed-second.log", std::chrono::seconds(30));
  EXPECT_EQ(query_value(url_, "SELECT count(*) FROM events"), "4000");
}

}  // namespace
}  // namespace edgeml::test
