// `edgeml request` run as a user would, against a real mosquitto where no
// `edgeml serve` runs: it ends in bounded time, counts timeouts and fails.
#include <signal.h>

#include <fstream>

#include <gtest/gtest.h>

#include "mqtt/net.h"
#include "support/test_support.h"

namespace edgeml::test {
namespace {

using namespace std::chrono_literals;

class RequestCommandTest : public ::testing::Test {
 protected:
  void SetUp() override { broker_ = start_broker(dir_.path()); }

  // Runs `edgeml request args...` to its end (bounded), giving its exit status.
  int request(std::vector<std::string> args, std::chrono::milliseconds bound = 20s) {
    args.insert(args.begin(), {"request", "--host", broker_->address(), "--port", std::to_string(broker_->port())});
    Process p = run_edgeml(args, log());
    auto status = p.wait_for(bound);
    if (!status) {
      p.stop(SIGKILL, 1s);
      ADD_FAILURE() << "edgeml request still ran after " << bound.count() << " ms:\n" << output();
      return -1;
    }
    return *status;
  }
  std::filesystem::path log() const { return dir_ / "request.log"; }
  std::string output() const { return read_file(log()); }
  bool said(const std::string& text) const { return output().find(text) != std::string::npos; }

  TempDir dir_;
  std::unique_ptr<mq::Broker> broker_;
};

TEST_F(RequestCommandTest, OneRequestNobodyAnswersIsRetriedThenTimesOutAndFails) {
  auto start = std::chrono::steady_clock::now();
  int status = request({"--series", "1160629000/121/308", "--index", "100", "--value", "231", "--threshold", "230",
                        "--timeout", "0.5"});
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(status, 1) << output();
  EXPECT_GE(took, 1500ms);  // sent, then re-sent twice (the default --retries), 0.5 s each
  EXPECT_LT(took, 10s);
  EXPECT_TRUE(said("sent 1, answered 0, errors 0, timeouts 1")) << output();
  EXPECT_TRUE(said("retried 2, duplicates 0")) << output();
  EXPECT_TRUE(said("1160629000/121/308: no reply within 0.5 s, sent 3 times")) << output();
  EXPECT_TRUE(said("1 of 1 requests timed out")) << output();
}

TEST_F(RequestCommandTest, AFileReplayCountsEveryTimeoutAndSkipsBadLines) {
  std::ofstream(dir_ / "test.csv") << "0,983,1160629000,121,308,1487441883,231,230,True,\n"
                                      "1,984,1160629000,121,308,1487442194,231,230,True,\n"
                                      "not,a,line\n"
                                      "2,985,1160629000,121,308,1487442922,231,230,True,\n"
                                      "3,986,1160629000,121,309,1487443000,231,230,True,\n";
  auto start = std::chrono::steady_clock::now();
  int status = request({"--file", (dir_ / "test.csv").string(), "--concurrency", "2", "--timeout", "0.4", "--retries", "0",
                        "--json"});
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(status, 1) << output();
  // Two waves of two, 0.4 s each, after connecting.
  EXPECT_GE(took, 800ms);
  EXPECT_LT(took, 10s);
  EXPECT_TRUE(said("sent 4, answered 0, errors 0, timeouts 4")) << output();
  EXPECT_TRUE(said("skipped 1 bad lines")) << output();
  EXPECT_TRUE(said("test.csv:3: skipped")) << output();
  EXPECT_TRUE(said("test.csv:5: no reply within 0.4 s")) << output();
}

TEST_F(RequestCommandTest, AnUnreachableBrokerEndsWithinTheConnectTimeout) {
  int closed_port = mq::pick_free_port("127.0.0.1");
  auto start = std::chrono::steady_clock::now();
  Process p = run_edgeml({"request", "--port", std::to_string(closed_port), "--connect-timeout", "1", "--series",
                          "1/2/3", "--index", "1", "--value", "2", "--threshold", "3"},
                         log());
  auto status = p.wait_for(15s);
  ASSERT_TRUE(status) << output();
  EXPECT_EQ(*status, 1);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  EXPECT_TRUE(said("cannot reach the MQTT broker")) << output();
}

TEST_F(RequestCommandTest, WrongArgumentsAreRefusedBeforeConnecting) {
  EXPECT_NE(request({"--series", "1160629000/121/308", "--index", "1"}), 0) << output();
  EXPECT_NE(request({"--index", "1", "--value", "2", "--threshold", "3"}), 0) << output();
  EXPECT_EQ(request({}), 1) << output();
  EXPECT_TRUE(said("say what to ask")) << output();
  EXPECT_EQ(request({"--series", "1160629000/121", "--index", "1", "--value", "2", "--threshold", "3"}), 1);
  EXPECT_TRUE(said("--series '1160629000/121'")) << output();
  EXPECT_NE(request({"--file", (dir_ / "absent.csv").string()}), 0) << output();
  EXPECT_NE(request({"--series", "1/2/3", "--index", "1", "--value", "2", "--threshold", "3", "--concurrency", "0"}),
            0);
}

}  // namespace
}  // namespace edgeml::test
