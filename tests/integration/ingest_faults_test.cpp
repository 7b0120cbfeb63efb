// The pipeline under faults: a killed collector, a restarted broker, bad payloads.
#include <signal.h>

#include <set>

#include <sqlite3.h>

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
  mq::Client client(client_options(*broker_, "it-bad-publisher"));
  client.connect();
  const std::string topic = "alarm/1160629000/121/308";
  std::vector<mq::DeliveryPtr> deliveries;
  for (int i = 0; i < 1000; ++i) {
    std::string payload;
    switch (i % 5) {
      case 0: payload = ""; break;
      case 1: payload = std::string("\x00\xff\xfe", 3) + std::to_string(i); break;
      case 2: payload = fmt::format("{}.0,1487441883.0,231", i); break;
      case 3: payload = fmt::format("{}.0,1487441883.0,abc,230,True", i); break;
      case 4: payload = std::string(200000, 'x'); break;
    }
    deliveries.push_back(client.publish(topic, payload, 1));
  }
  deliveries.push_back(client.publish(topic, "5.0,1487441900.0,231,230,True", 1));
  deliveries.push_back(client.publish("alarm/finish", "True", 1));
  for (auto& d : deliveries) ASSERT_TRUE(d->wait_for(std::chrono::seconds(20))) << d->failure();
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
      << events() << " events, " << delivered << " before the kill; collector1.log:\n"
      << read_file(dir_ / "collector1.log");
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
                                  "--synthetic", std::to_string(kEvents), "--interval", "0.01", "--qos", "1", "--no-receipts",
                                  "--state-dir", (dir_ / "state").string()},
                                 dir_ / "publisher.log");
  expect_exit(publisher, 0, "publisher.log", std::chrono::seconds(90));
  expect_exit(collector, 0, "collector1.log", std::chrono::seconds(30));
  EXPECT_NE(read_file(dir_ / "publisher.log").find("starting a fresh client"), std::string::npos)
      << read_file(dir_ / "publisher.log");
  EXPECT_EQ(events(), kEvents);
  EXPECT_GE(proxy.accepted(), 3);
}

// The collector's receipts can be corrupted the same way: it starts over too,
// and what it missed meanwhile waits in its session at the broker.
TEST_F(PipelineTest, CollectorStartsAFreshClientWhenTheBrokerKeepsDroppingIt) {
  constexpr int kEvents = 600;
  TcpProxy proxy("127.0.0.1", broker_->port());
  // Paho completes a connect only at its next 1 s cycle, so the cuts come
  // later than that; a third cut leaves room for one slow connect.
  proxy.cut_next(3, std::chrono::milliseconds(2500));
  Process collector = run_edgeml({"--log-level", "debug", "collect", "--port", std::to_string(proxy.port()), "--db",
                                  db().string(), "--client-id", "it-collector"},
                                 dir_ / "collector1.log");
  wait_subscribed("collector1.log");
  Process publisher = start("publish", {"--synthetic", std::to_string(kEvents), "--interval", "0.01", "--qos", "1",
                                        "--resend-after", "2", "--no-finish", "--state-dir", (dir_ / "state").string()},
                            "publisher.log");
  EXPECT_TRUE(wait_until(
      [&] { return read_file(dir_ / "collector1.log").find("starting a fresh client") != std::string::npos; },
      std::chrono::seconds(60)))
      << read_file(dir_ / "collector1.log");
  expect_exit(publisher, 0, "publisher.log", std::chrono::seconds(90));
  EXPECT_EQ(events(), kEvents);
  collector.stop(SIGTERM, std::chrono::seconds(10));
}

// The number of events in the union of two collectors' databases.
std::int64_t events_in_either(const std::filesystem::path& a, const std::filesystem::path& b) {
  sqlite3* db = nullptr;
  std::int64_t n = -1;
  sqlite3_stmt* s = nullptr;
  if (sqlite3_open_v2(a.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK &&
      sqlite3_exec(db, fmt::format("ATTACH '{}' AS other", b.string()).c_str(), nullptr, nullptr, nullptr) ==
          SQLITE_OK &&
      sqlite3_prepare_v2(db,
                         "SELECT count(*) FROM (SELECT station, datapoint, alarm, idx, event_time FROM main.events "
                         "UNION SELECT station, datapoint, alarm, idx, event_time FROM other.events)",
                         -1, &s, nullptr) == SQLITE_OK &&
      sqlite3_step(s) == SQLITE_ROW)
    n = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  sqlite3_close(db);
  return n;
}

// A collector whose disk fills up stops and exits non-zero with the reason;
// what it took but could not write was never receipted, so the publisher
// sends it again and a second collector (same session) stores it: together
// they hold every event. The small disk is a tmpfs mounted in a private mount
// namespace (unshare), so the test needs no root.
TEST_F(PipelineTest, ACollectorWhoseDiskFillsStopsAndLosesNothing) {
  constexpr int kEvents = 3000;
  const std::filesystem::path small = dir_ / "small", copy = dir_ / "full-copy";
  std::filesystem::create_directories(small);
  std::filesystem::create_directories(copy);
  Process publisher = start("publish", {"--synthetic", std::to_string(kEvents), "--series", "3", "--qos", "1",
                                        "--interval", "0.0005", "--resend-after", "1", "--state-dir",
                                        (dir_ / "state").string(), "--drain-timeout", "60"},
                            "publisher.log");
  // The database goes on a 192 KiB tmpfs; after the collector exits the files
  // are copied out, since the mount vanishes with the namespace.
  const std::string script =
      "mount -t tmpfs -o size=192k edgeml-full \"$0\" || exit 90; \"$@\"; status=$?; cp \"$0\"/* " +
      copy.string() + "/; exit $status";
  Process full({"unshare", "--map-root-user", "--mount", "sh", "-c", script, small.string(), EDGEML_BINARY,
                "--log-level", "debug", "collect", "--port", std::to_string(broker_->port()), "--db",
                (small / "events.db").string(), "--client-id", "it-full-collector", "--until-finish"},
               (dir_ / "full.log").string());
  auto status = full.wait_for(std::chrono::seconds(60));
  ASSERT_TRUE(status) << read_file(dir_ / "full.log");
  ASSERT_NE(*status, 90) << "cannot mount a tmpfs here:\n" << read_file(dir_ / "full.log");
  EXPECT_EQ(*status, 1) << read_file(dir_ / "full.log");
  const std::string log = read_file(dir_ / "full.log");
  EXPECT_NE(log.find("stopped: the store"), std::string::npos) << log;
  EXPECT_NE(log.find("full"), std::string::npos) << log;
  std::int64_t in_full = count_rows(copy / "events.db", "SELECT count(*) FROM events");
  EXPECT_GT(in_full, 0);
  EXPECT_LT(in_full, kEvents) << "the disk never filled; the test proves nothing";

  Process second = start("collect", {"--db", db().string(), "--client-id", "it-full-collector", "--until-finish"},
                         "collector2.log");
  expect_exit(publisher, 0, "publisher.log", std::chrono::seconds(90));
  expect_exit(second, 0, "collector2.log", std::chrono::seconds(30));
  EXPECT_EQ(events_in_either(db(), copy / "events.db"), kEvents);
}

}  // namespace
}  // namespace edgeml::test
