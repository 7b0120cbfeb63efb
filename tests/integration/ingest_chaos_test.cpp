// End-to-end delivery under crashes: with store receipts, an event leaves the
// publisher's outbox only once a collector has it on disk, so killing any
// process at any moment loses nothing.
#include <signal.h>

#include <random>
#include <thread>

#include <fmt/format.h>

#include "pipeline_fixture.h"
#include "support/power_cut.h"

namespace edgeml::test {
namespace {

constexpr const char* kSendFile = "data/bts/1160629000_121_308_train_send.csv";
constexpr std::int64_t kSendFileEvents = 799;

// 20 SIGKILLs at random moments (a fixed seed, so a failure can be replayed)
// of the collector, the broker's mosquitto or the publisher, each started
// again at once, the publisher with the same client id. A process that ended
// by itself is started again too, so that every kill lands on a running one.
TEST_F(PipelineTest, TwentyKillsOfAnyProcessLoseNoEventAndStoreEachOnce) {
  EDGEML_REQUIRE_SHARED(kSendFile);
  const std::vector<std::string> publish_args{
      "--file", shared_file(kSendFile).string(), "--qos", "1", "--interval", "0.01", "--resend-after", "1",
      "--client-id", "chaos-publisher", "--state-dir", (dir_ / "state").string(), "--drain-timeout", "120"};
  int publishers = 0;
  auto start_publisher = [&] { return start("publish", publish_args, fmt::format("publisher{}.log", ++publishers)); };
  Process collector = start_collector("chaos-collector", true);
  Process publisher = start_publisher();

  std::mt19937 random(17);
  std::uniform_int_distribution<int> pause_ms(200, 900);
  int kills[3] = {0, 0, 0};
  for (int round = 0; round < 20; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(random)));
    switch (random() % 3) {
      case 0:
        collector.signal(SIGKILL);
        ASSERT_TRUE(collector.wait_for(std::chrono::seconds(5)));
        collector = start_collector("chaos-collector", true);
        ++kills[0];
        break;
      case 1:
        broker_->signal(SIGKILL);
        broker_->wait();
        broker_->start();
        ++kills[1];
        break;
      default:
        publisher.signal(SIGKILL);
        ASSERT_TRUE(publisher.wait_for(std::chrono::seconds(5)));
        publisher = start_publisher();
        ++kills[2];
    }
    if (!publisher.running()) publisher = start_publisher();
    if (!collector.running()) collector = start_collector("chaos-collector", true);
  }
  expect_exit(publisher, 0, fmt::format("publisher{}.log", publishers), std::chrono::seconds(180));
  expect_exit(collector, 0, fmt::format("collector{}.log", collectors_), std::chrono::seconds(30));
  EXPECT_EQ(events(), kSendFileEvents) << kills[0] << " collector, " << kills[1] << " broker and " << kills[2]
                                       << " publisher kills";
  EXPECT_EQ(count_rows(db(), "SELECT count(*) FROM (SELECT DISTINCT idx, event_time FROM events)"), kSendFileEvents);
  EXPECT_EQ(count_rows(db(), "SELECT count(*) FROM rejects"), 0);
  EXPECT_GT(kills[0] * kills[1] * kills[2], 0) << "every kind of process was killed";
}

// The collector's machine loses power mid-stream: every write its SQLite had
// not synced is undone (support/power_cut.h). Each event the collector had
// receipted was synced first, so the publisher never forgot one that the cut
// took; the rest it sends again to the collector started afterwards.
TEST_F(PipelineTest, APowerCutAtTheCollectorLosesNoReceiptedEvent) {
  constexpr int kEvents = 4000;
  const std::filesystem::path store = dir_ / "store";
  std::filesystem::create_directories(store);
  Process publisher = start("publish", {"--synthetic", std::to_string(kEvents), "--series", "2", "--qos", "1",
                                        "--interval", "0.0005", "--resend-after", "1", "--state-dir",
                                        (dir_ / "state").string(), "--drain-timeout", "90"},
                            "publisher.log");
  const std::vector<std::string> collect{"--log-level", "debug", "collect", "--port", std::to_string(broker_->port()),
                                         "--db", (store / "events.db").string(), "--client-id", "it-power-collector",
                                         "--until-finish"};
  std::vector<std::string> shimmed{"env", std::string("LD_PRELOAD=") + POWER_CUT_VFS, EDGEML_BINARY};
  shimmed.insert(shimmed.end(), collect.begin(), collect.end());
  Process first(shimmed, (dir_ / "collector1.log").string());
  ASSERT_TRUE(wait_until([&] { return count_rows(store / "events.db", "SELECT count(*) FROM events") >= 1500; },
                         std::chrono::seconds(60)))
      << read_file(dir_ / "collector1.log");
  first.signal(SIGKILL);
  ASSERT_TRUE(first.wait_for(std::chrono::seconds(5)));
  // Nothing may open the database between the kill and the cut: the last
  // connection to close checkpoints the log, unshimmed.
  int undone = cut_power(store);

  Process second = run_edgeml(collect, dir_ / "collector2.log");
  expect_exit(publisher, 0, "publisher.log", std::chrono::seconds(120));
  expect_exit(second, 0, "collector2.log", std::chrono::seconds(30));
  EXPECT_EQ(count_rows(store / "events.db", "SELECT count(*) FROM events"), kEvents) << undone << " writes undone";
}

}  // namespace
}  // namespace edgeml::test
