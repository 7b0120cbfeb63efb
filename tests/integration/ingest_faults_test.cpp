// The pipeline under faults: a killed collector, a restarted broker, bad payloads.
#include <signal.h>

#include <set>

#include <fmt/format.h>

#include <thread>

#include "pipeline_fixture.h"
#include "support/tcp_proxy.h"

namespace edgeml::test {
namespace {

// Every data line of the CSV once, and as many as the database holds.
void expect_csv_matches_db(const std::filesystem::path& csv, std::int64_t rows) {
  std::vector<std::string> lines = lines_of(csv);
  ASSERT_EQ(static_cast<std::int64_t>(lines.size()), rows + 1);
  std::set<std::string> unique(lines.begin() + 1, lines.end());
  EXPECT_EQ(static_cast<std::int64_t>(unique.size()), rows);
}

TEST_F(PipelineTest, CollectorKilledMidStreamEndsWithEveryEventOnce) {
  constexpr int kEvents = 4000;
  Process first = start_collector("it-killed-collector", false);
  Process publisher = start("publish", {"--synthetic", std::to_string(kEvents), "--series", "2", "--qos", "1",
                                        "--interval", "0.0005", "--state-dir", (dir_ / "state").string()},
                            "publisher.log");
  ASSERT_TRUE(wait_until([&] { return events() >= 500; }, std::chrono::seconds(30)));
  first.signal(SIGKILL);
  ASSERT_TRUE(first.wait_for(std::chrono::seconds(5)));
  std::int64_t at_kill = events();
  EXPECT_LT(at_kill, kEvents) << "the publisher finished before the kill; the test proves nothing";

  // The broker queues what arrives meanwhile for the persistent session.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  Process second = start_collector("it-killed-collector", true);
  expect_exit(publisher, 0, "publisher.log", std::chrono::seconds(60));
  expect_exit(second, 0, "collector2.log", std::chrono::seconds(30));
  EXPECT_EQ(events(), kEvents);
  expect_csv_matches_db(csv(), kEvents);
}

TEST_F(PipelineTest, BrokerRestartMidPublishLosesNothing) {
  constexpr int kEvents = 3000;
  Process collector = start_collector("it-collector", true);
  Process publisher = start("publish", {"--synthetic", std::to_string(kEvents), "--qos", "1", "--interval", "0.001",
                                        "--state-dir", (dir_ / "state").string()},
                            "publisher.log");
  ASSERT_TRUE(wait_until([&] { return events() >= 300; }, std::chrono::seconds(30)));
  broker_->stop();
  std::int64_t at_stop = events();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  broker_->start();
  expect_exit(publisher, 0, "publisher.log", std::chrono::seconds(90));
  expect_exit(collector, 0, "collector1.log", std::chrono::seconds(30));
  EXPECT_LT(at_stop, kEvents) << "the publisher finished before the restart; the test proves nothing";
  EXPECT_EQ(events(), kEvents);
  expect_csv_matches_db(csv(), kEvents);
  // The collector, never restarted, came back by itself.
  EXPECT_NE(read_file(dir_ / "collector1.log").find("lost the connection"), std::string::npos);
}

TEST_F(PipelineTest, ThousandMalformedPayloadsAreRejectedAndTheCollectorKeepsRunning) {
  Process collector = start_collector("it-collector", true);
  mqtt::Client client(client_options(*broker_, "it-bad-publisher"));
  client.connect();
  const std::string topic = "alarm/1160629000/121/308";
  std::vector<::mqtt::delivery_token_ptr> tokens;
  for (int i = 0; i < 1000; ++i) {
    std::string payload;
    switch (i % 5) {
      case 0: payload = ""; break;
      case 1: payload = std::string("\x00\xff\xfe", 3) + std::to_string(i); break;
      case 2: payload = fmt::format("{}.0,1487441883.0,231", i); break;
      case 3: payload = fmt::format("{}.0,1487441883.0,abc,230,True", i); break;
      case 4: payload = std::string(200000, 'x'); break;
    }
    tokens.push_back(client.publish(topic, payload, 1));
  }
  tokens.push_back(client.publish(topic, "5.0,1487441900.0,231,230,True", 1));
  tokens.push_back(client.publish("alarm/finish", "True", 1));
  for (auto& t : tokens) ASSERT_TRUE(t->wait_for(std::chrono::seconds(20)));
  expect_exit(collector, 0, "collector1.log", std::chrono::seconds(30));
  EXPECT_EQ(rejects(), 1000);
  EXPECT_EQ(events(), 1);
  EXPECT_EQ(count_rows(db(), "SELECT count(*) FROM rejects WHERE payload_bytes = 200000"), 200);
  EXPECT_EQ(count_rows(db(), "SELECT count(*) FROM rejects WHERE topic != 'alarm/1160629000/121/308'"), 0);
}

TEST_F(PipelineTest, KilledPublisherLeavesItsOutboxForTheNextRunWithItsClientId) {
  constexpr int kEvents = 400;
  Process collector = start_collector("it-collector", false);
  const std::vector<std::string> identity{"--client-id", "it-outbox-publisher", "--state-dir",
                                          (dir_ / "state").string()};
  std::vector<std::string> args{"--synthetic", std::to_string(kEvents), "--qos", "1", "--interval", "0.005"};
  args.insert(args.end(), identity.begin(), identity.end());
  Process first = start("publish", args, "publisher1.log");
  ASSERT_TRUE(wait_until([&] { return events() >= 50; }, std::chrono::seconds(30)));
  // With the broker away every further event waits in the outbox, unacknowledged.
  broker_->stop();
  std::int64_t delivered = events();
  std::this_thread::sleep_for(std::chrono::seconds(3));  // the rest of the 2 s of events
  first.signal(SIGKILL);
  ASSERT_TRUE(first.wait_for(std::chrono::seconds(5)));
  broker_->start();

  std::vector<std::string> resume{"--synthetic", "0", "--no-finish"};
  resume.insert(resume.end(), identity.begin(), identity.end());
  Process second = start("publish", resume, "publisher2.log");
  expect_exit(second, 0, "publisher2.log", std::chrono::seconds(60));
  ASSERT_TRUE(wait_until([&] { return events() == kEvents; }, std::chrono::seconds(30)))
      << events() << " events, " << delivered << " before the kill";
  EXPECT_EQ(count_rows(db(), "SELECT max(idx) FROM events"), kEvents - 1);
  collector.stop(SIGTERM, std::chrono::seconds(10));
}

TEST_F(PipelineTest, PublisherStartsAFreshClientWhenTheBrokerKeepsDroppingIt) {
  constexpr int kEvents = 800;
  Process collector = start_collector("it-collector", true);
  TcpProxy proxy("127.0.0.1", broker_->port());
  // The first connections are cut at once, as the broker does with a client
  // that resends a corrupted message after every reconnect.
  proxy.cut_next(5, std::chrono::milliseconds(2000));
  Process publisher = run_edgeml({"--log-level", "debug", "publish", "--port", std::to_string(proxy.port()),
                                  "--synthetic", std::to_string(kEvents), "--interval", "0.01", "--qos", "1", "--state-dir",
                                  (dir_ / "state").string()},
                                 dir_ / "publisher.log");
  expect_exit(publisher, 0, "publisher.log", std::chrono::seconds(90));
  expect_exit(collector, 0, "collector1.log", std::chrono::seconds(30));
  EXPECT_NE(read_file(dir_ / "publisher.log").find("starting a fresh client"), std::string::npos)
      << read_file(dir_ / "publisher.log");
  EXPECT_EQ(events(), kEvents);
  EXPECT_GE(proxy.accepted(), 3);
}

}  // namespace
}  // namespace edgeml::test
