// publish -> broker -> collect through real processes, on the tutorial's data.
#include <set>

#include "protocol/alarm_event.h"
#include "ingest/raw_file.h"
#include "pipeline_fixture.h"

namespace edgeml::test {
namespace {

constexpr const char* kSendFile = "data/bts/1160629000_121_308_train_send.csv";

TEST_F(PipelineTest, ReplayOfTheSensorFileYieldsExactlyItsRows) {
  EDGEML_REQUIRE_SHARED(kSendFile);
  Process collector = start_collector("it-collector");
  Process publisher = start("publish", {"--file", shared_file(kSendFile).string(), "--qos", "1", "--state-dir",
                                        (dir_ / "state").string()},
                            "publisher.log");
  expect_exit(publisher, 0, "publisher.log", std::chrono::seconds(60));
  expect_exit(collector, 0, "collector1.log", std::chrono::seconds(30));

  std::vector<std::string> expected{"index,event_time,value,valueThreshold,isActive"};
  ingest::RawFileReader reader(shared_file(kSendFile));
  AlarmEvent e;
  while (reader.next(e)) expected.push_back(format_payload(e));
  ASSERT_EQ(expected.size(), 800u);
  EXPECT_EQ(events(), 799);
  EXPECT_EQ(count_rows(db(), "SELECT count(DISTINCT idx) FROM events WHERE station = '1160629000' AND "
                             "datapoint = '121' AND alarm = '308'"),
            799);
  EXPECT_EQ(lines_of(csv()), expected);  // same rows, same order, the tutorial's format
  EXPECT_EQ(rejects(), 0);

  // export writes the same training CSV from the database.
  Process exporter = run_edgeml({"export", "--db", db().string(), "--series", "1160629000/121/308", "--csv",
                                 (dir_ / "train.csv").string()},
                                dir_ / "export.log");
  expect_exit(exporter, 0, "export.log", std::chrono::seconds(20));
  EXPECT_EQ(lines_of(dir_ / "train.csv"), expected);
  Process unknown = run_edgeml({"export", "--db", db().string(), "--series", "1/2/3", "--csv",
                                (dir_ / "none.csv").string()},
                               dir_ / "export-unknown.log");
  expect_exit(unknown, 1, "export-unknown.log", std::chrono::seconds(20));
  EXPECT_NE(read_file(dir_ / "export-unknown.log").find("series 1/2/3 is not in"), std::string::npos);
}

TEST_F(PipelineTest, MosquittoPubInTheTutorialsPayloadIsCollectedLikeOurs) {
  Process collector = start_collector("it-collector");
  std::string port = std::to_string(broker_->port());
  for (auto [topic, payload] : {std::pair{"alarm/1160629000/121/308", "0.0,1487441883.0,231,230,True"},
                                std::pair{"alarm/1160629000/121/308", "1.0,1487442194.0,231,230,True"},
                                std::pair{"alarm/finish", "True"}}) {
    Process pub({"mosquitto_pub", "-h", "127.0.0.1", "-p", port, "-q", "1", "-t", topic, "-m", payload},
                (dir_ / "mosquitto_pub.log").string());
    expect_exit(pub, 0, "mosquitto_pub.log", std::chrono::seconds(10));
  }
  expect_exit(collector, 0, "collector1.log", std::chrono::seconds(20));
  EXPECT_EQ(events(), 2);
  EXPECT_EQ(lines_of(csv()), (std::vector<std::string>{"index,event_time,value,valueThreshold,isActive",
                                                        "0.0,1487441883.0,231,230,True",
                                                        "1.0,1487442194.0,231,230,True"}));
}

TEST_F(PipelineTest, SyntheticEventsAcrossSeriesAtQos0) {
  Process collector = start_collector("it-collector");
  Process publisher = start("publish", {"--synthetic", "3000", "--series", "3", "--qos", "0"}, "publisher.log");
  expect_exit(publisher, 0, "publisher.log", std::chrono::seconds(60));
  expect_exit(collector, 0, "collector1.log", std::chrono::seconds(30));
  // QoS 0 promises nothing, but on loopback with a subscriber that keeps up nothing is lost.
  EXPECT_EQ(events(), 3000);
  EXPECT_EQ(count_rows(db(), "SELECT count(DISTINCT station) FROM events"), 3);
}

TEST_F(PipelineTest, UnreachableBrokerIsReportedClearly) {
  int port = broker_->port();
  broker_->stop();
  Process collector = run_edgeml({"collect", "--port", std::to_string(port), "--connect-timeout", "1", "--db",
                                  db().string()},
                                 dir_ / "collector.log");
  expect_exit(collector, 1, "collector.log", std::chrono::seconds(20));
  EXPECT_NE(read_file(dir_ / "collector.log").find("cannot reach the MQTT broker at tcp://127.0.0.1:" +
                                                   std::to_string(port)),
            std::string::npos);
}

}  // namespace
}  // namespace edgeml::test
