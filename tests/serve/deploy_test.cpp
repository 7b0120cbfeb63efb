// edgeml deploy and undeploy against edgeml serve, through a real mosquitto:
// packages install through the server's validate-and-swap path, damaged ones
// are refused while the old version answers, and late nodes get them retained.
#include <nlohmann/json.hpp>
#include <gtest/gtest.h>

#include "serve/deployment.h"
#include "serve/model_set.h"
#include "served_models.h"

namespace edgeml::serve {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using nlohmann::json;
using test::kWait;

std::string bytes_version(const std::string& bytes) {
  return content_version({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
}

// Runs `edgeml deploy` or `undeploy` with `args` to its end; returns its status.
int run_deploy(const test::ServedModels& served, std::vector<std::string> args, const std::string& log_name) {
  args.insert(args.begin() + 1, {"--port", std::to_string(served.broker().port())});
  Process run = test::run_edgeml(args, served.dir() / log_name);
  auto status = run.wait_for(kWait);
  return status ? *status : -1;
}

// What the server reported about deployments.
struct ReportWatcher {
  test::MessageInbox inbox;
  std::unique_ptr<mqtt::Client> client;
  ReportWatcher(const test::ServedModels& served, const std::string& node)
      : client(test::receiving_client(served.client("report-watcher"), inbox, deployments_topic(node))) {}
  bool wait_for_result(const std::string& result, const std::string& reason_part) const {
    return test::wait_until(
        [&] {
          for (const auto& m : inbox.messages()) {
            json report = json::parse(m.payload);
            if (report["result"] == result && report.value("reason", "").find(reason_part) != std::string::npos)
              return true;
          }
          return false;
        },
        kWait);
  }
};

TEST(ServeDeploy, APackageSwapsInADamagedOneIsRefusedAndTheOldVersionAnswers) {
  EDGEML_REQUIRE_SHARED("models/seed-tflite/multi_var_LR.tflite");
  const std::string single = test::read_file(test::shared_file("models/seed-tflite/single_var_LR.tflite"));
  const std::string multi = test::read_file(test::shared_file("models/seed-tflite/multi_var_LR.tflite"));
  test::TempDir models;
  test::ServedModels served(models.path(), "edge-1");
  ReportWatcher reports(served, "edge-1");
  test::MessageInbox replies;
  auto listener = test::receiving_client(served.client("listener"), replies, "predict/#");
  mqtt::Client publisher(served.client("publisher"));
  publisher.connect();

  ASSERT_EQ(run_deploy(served, {"deploy", "--models", test::shared_file("models/seed-tflite").string(), "--node",
                                "edge-1"}, "deploy.log"), 0)
      << test::read_file(served.dir() / "deploy.log");
  EXPECT_EQ(test::answering_version(publisher, replies), bytes_version(single));

  // A package whose checksum holds but whose model does not load.
  ModelPackage broken{"single_var_LR", "broken-1", nullptr, {{"single_var_LR.tflite", multi.substr(0, 300)}}};
  publisher.publish(deploy_topic("node/edge-1", "single_var_LR"), encode_package(broken), 1, true);
  ASSERT_TRUE(reports.wait_for_result("refused", "single_var_LR.tflite"));
  // A package damaged on the way: one byte of the model changed after its checksum was taken.
  std::string damaged = encode_package({"single_var_LR", "damaged-1", nullptr, {{"single_var_LR.tflite", multi}}});
  damaged[damaged.size() / 2] ^= 0x20;
  publisher.publish(deploy_topic("node/edge-1", "single_var_LR"), damaged, 1, true);
  ASSERT_TRUE(reports.wait_for_result("refused", "SHA-256"));
  EXPECT_EQ(test::answering_version(publisher, replies), bytes_version(single)) << "the old version keeps answering";

  // A good new version still swaps in afterwards.
  ModelPackage next{"single_var_LR", bytes_version(multi), nullptr, {{"single_var_LR.tflite", multi}}};
  publisher.publish(deploy_topic("node/edge-1", "single_var_LR"), encode_package(next), 1, true);
  EXPECT_TRUE(test::wait_until([&] { return test::answering_version(publisher, replies) == bytes_version(multi); },
                               kWait));
}

TEST(ServeDeploy, ANodeStartedLaterGetsTheRetainedPackagesAndUndeployRemovesThem) {
  EDGEML_REQUIRE_SHARED("models/seed-tflite/multi_var_LR.tflite");
  const std::string single = test::read_file(test::shared_file("models/seed-tflite/single_var_LR.tflite"));
  test::ServedModels served({});
  ASSERT_EQ(run_deploy(served, {"deploy", "--models", test::shared_file("models/seed-tflite").string(), "--wait", "0"},
                       "deploy.log"), 0)
      << test::read_file(served.dir() / "deploy.log");

  test::TempDir models;
  Process late = served.start(models.path(), "late-node");
  ASSERT_TRUE(served.status().wait_for(node_status_topic("late-node"), "online", kWait));
  test::MessageInbox replies;
  auto listener = test::receiving_client(served.client("listener"), replies, "predict/#");
  mqtt::Client publisher(served.client("publisher"));
  publisher.connect();
  EXPECT_TRUE(test::wait_until([&] { return test::answering_version(publisher, replies) == bytes_version(single); },
                               kWait));

  ASSERT_EQ(run_deploy(served, {"undeploy", "single_var_LR", "--wait", "2"}, "undeploy.log"), 0)
      << test::read_file(served.dir() / "undeploy.log");
  EXPECT_TRUE(test::wait_until([&] { return test::answering_version(publisher, replies) == "no single_var_LR"; },
                               kWait));
  EXPECT_FALSE(fs::exists(models.path() / "single_var_LR.tflite"));
  EXPECT_TRUE(fs::exists(models.path() / "multi_var_LR.tflite"));
}

}  // namespace
}  // namespace edgeml::serve
