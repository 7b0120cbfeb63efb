// edgeml deploy and undeploy against edgeml serve, through a real mosquitto:
// signed packages install through the server's validate-and-swap path,
// damaged, hostile or unsigned ones are refused while the old version
// answers, and late nodes get them retained.
#include <csignal>

#include <nlohmann/json.hpp>
#include <gtest/gtest.h>

#include "serve/deployment.h"
#include "serve/model_set.h"
#include "support/sample_models.h"
#include "convert/tflite_writer.h"
#include "served_models.h"

namespace edgeml::serve {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using nlohmann::json;
using test::kWait;

// The operator's key pair, in the test's directory; nodes pin deploy.pub.
struct Keys {
  fs::path dir;
  explicit Keys(const fs::path& parent) : dir(parent / "keys") { write_new_key_pair(dir); }
  std::vector<std::string> node_args() const { return {"--deploy-key", (dir / "deploy.pub").string()}; }
  std::string private_key() const { return (dir / "deploy.key").string(); }
  SigningKey signing() const { return SigningKey::read(dir / "deploy.key"); }
};

// Signing times after any `edgeml deploy` of the test, which signs with the clock.
std::int64_t later_ms(std::int64_t offset) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
             .count() + 60000 + offset;
}

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
  std::unique_ptr<mq::Client> client;
  ReportWatcher(const test::ServedModels& served, const std::string& node)
      : client(test::receiving_client(served.client("report-watcher"), inbox, node_deployments_topic(node))) {}
  bool wait_for_result(const std::string& result, const std::string& reason_part, std::size_t times = 1) const {
    return test::wait_until([&] { return count(result, reason_part) >= times; }, kWait);
  }
  std::size_t count(const std::string& result, const std::string& reason_part) const {
    std::size_t n = 0;
    for (const auto& m : inbox.messages()) {
      json report = json::parse(m.payload);  // throws on a report that is not valid JSON (UTF-8)
      n += report["result"] == result && report.value("reason", "").find(reason_part) != std::string::npos;
    }
    return n;
  }
};

// What a test sends requests with and hears replies on.
struct Requester {
  test::MessageInbox replies;
  std::unique_ptr<mq::Client> listener;
  mq::Client publisher;
  explicit Requester(const test::ServedModels& served)
      : listener(test::receiving_client(served.client("listener"), replies, "predict/#")),
        publisher(served.client("publisher")) {
    publisher.connect();
  }
  std::string answering_version() { return test::answering_version(publisher, replies); }
};

// `edgeml deploy` of the seed models to `node`, signed with `keys`.
void deploy_seed_models(const test::ServedModels& served, const Keys& keys, const std::string& node) {
  ASSERT_EQ(run_deploy(served, {"deploy", "--models", test::shared_file("models/seed-tflite").string(), "--node", node,
                                "--sign-key", keys.private_key()}, "deploy.log"), 0)
      << test::read_file(served.dir() / "deploy.log");
}

TEST(ServeDeploy, APackageSwapsInADamagedOneIsRefusedAndTheOldVersionAnswers) {
  EDGEML_REQUIRE_SHARED("models/seed-tflite/multi_var_LR.tflite");
  const std::string single = test::read_file(test::shared_file("models/seed-tflite/single_var_LR.tflite"));
  const std::string multi = test::read_file(test::shared_file("models/seed-tflite/multi_var_LR.tflite"));
  test::TempDir models, keys_dir;
  Keys keys(keys_dir.path());
  const SigningKey signing = keys.signing();
  test::ServedModels served(models.path(), "edge-1", keys.node_args());
  ReportWatcher reports(served, "edge-1");
  Requester requester(served);
  mq::Client& publisher = requester.publisher;
  deploy_seed_models(served, keys, "edge-1");
  EXPECT_EQ(requester.answering_version(), bytes_version(single));

  // A package whose checksum holds but whose model does not load.
  ModelPackage broken{"single_var_LR", "broken-1", nullptr, {{"single_var_LR.tflite", multi.substr(0, 300)}}};
  publisher.publish(deploy_topic("node/edge-1", "single_var_LR"), encode_signed_package(broken, signing, later_ms(1)), 1, true);
  ASSERT_TRUE(reports.wait_for_result("refused", "single_var_LR.tflite"));
  // A package damaged on the way: one byte of the model changed after it was signed.
  std::string damaged =
      encode_signed_package({"single_var_LR", "damaged-1", nullptr, {{"single_var_LR.tflite", multi}}}, signing, later_ms(2));
  damaged[damaged.size() / 2] ^= 0x20;
  publisher.publish(deploy_topic("node/edge-1", "single_var_LR"), damaged, 1, true);
  ASSERT_TRUE(reports.wait_for_result("refused", "signature does not verify"));
  EXPECT_EQ(requester.answering_version(), bytes_version(single)) << "the old version keeps answering";

  // A good new version still swaps in afterwards.
  ModelPackage next{"single_var_LR", bytes_version(multi), nullptr, {{"single_var_LR.tflite", multi}}};
  publisher.publish(deploy_topic("node/edge-1", "single_var_LR"), encode_signed_package(next, signing, later_ms(3)), 1, true);
  EXPECT_TRUE(test::wait_until([&] { return requester.answering_version() == bytes_version(multi); },
                               kWait));
}

// A model that would take the node over its budget of multiply-adds is
// refused with the figures, before it is installed, and what served serves on.
TEST(ServeDeploy, APackageOverTheNodeBudgetIsRefusedWithItsFiguresAndTheOldModelsServe) {
  EDGEML_REQUIRE_SHARED("models/seed-tflite/multi_var_LR.tflite");
  const std::string single = test::read_file(test::shared_file("models/seed-tflite/single_var_LR.tflite"));
  test::TempDir models, keys_dir;
  Keys keys(keys_dir.path());
  std::vector<std::string> node_args = keys.node_args();
  node_args.insert(node_args.end(), {"--node-mac-budget", "4353"});  // room for relu alone, not beside the seed models
  test::ServedModels served(models.path(), "edge-1", node_args);
  ReportWatcher reports(served, "edge-1");
  Requester requester(served);
  deploy_seed_models(served, keys, "edge-1");

  std::vector<std::uint8_t> relu = convert::write_tflite(edgeml::test::sample_relu_network());  // 3*64 + 64*64 + 64 MACs
  std::string bytes(relu.begin(), relu.end());
  ModelPackage big{"relu", bytes_version(bytes), nullptr, {{"relu.tflite", bytes}}};
  requester.publisher.publish(deploy_topic("node/edge-1", "relu"), encode_signed_package(big, keys.signing(), later_ms(1)),
                              1, true);
  ASSERT_TRUE(reports.wait_for_result("refused", "over the node budget of 4353")) << test::read_file(served.dir() / "serve.log");
  EXPECT_EQ(reports.count("refused", "it needs 4352 multiply-adds per inference"), 1u);
  EXPECT_FALSE(fs::exists(models.path() / "relu.tflite"));
  EXPECT_EQ(requester.answering_version(), bytes_version(single)) << "the models deployed before answer on";
}

TEST(ServeDeploy, ANodeStartedLaterGetsTheRetainedPackagesAndUndeployRemovesThem) {
  EDGEML_REQUIRE_SHARED("models/seed-tflite/multi_var_LR.tflite");
  const std::string single = test::read_file(test::shared_file("models/seed-tflite/single_var_LR.tflite"));
  test::ServedModels served({});
  Keys keys(served.dir().path());
  ASSERT_EQ(run_deploy(served, {"deploy", "--models", test::shared_file("models/seed-tflite").string(), "--wait", "0",
                                "--sign-key", keys.private_key()}, "deploy.log"), 0)
      << test::read_file(served.dir() / "deploy.log");

  test::TempDir models;
  Process late = served.start(models.path(), "late-node", keys.node_args());
  ASSERT_TRUE(served.status().wait_for(node_status_topic("late-node"), "online", kWait));
  Requester requester(served);
  EXPECT_TRUE(test::wait_until([&] { return requester.answering_version() == bytes_version(single); },
                               kWait));

  ASSERT_EQ(run_deploy(served, {"undeploy", "single_var_LR", "--wait", "2", "--sign-key", keys.private_key()},
                       "undeploy.log"), 0)
      << test::read_file(served.dir() / "undeploy.log");
  EXPECT_TRUE(test::wait_until([&] { return requester.answering_version() == "no single_var_LR"; },
                               kWait));
  EXPECT_FALSE(fs::exists(models.path() / "single_var_LR.tflite"));
  EXPECT_TRUE(fs::exists(models.path() / "multi_var_LR.tflite"));
}

// Each payload of issue 17 that once killed or fooled a node, published
// retained, so that a restarted node meets them all again.
TEST(ServeDeploy, HostilePackagesAreRefusedAndTheNodeServesOnAcrossARestart) {
  EDGEML_REQUIRE_SHARED("models/seed-tflite/multi_var_LR.tflite");
  const std::string single = test::read_file(test::shared_file("models/seed-tflite/single_var_LR.tflite"));
  const std::string multi = test::read_file(test::shared_file("models/seed-tflite/multi_var_LR.tflite"));
  test::TempDir models, keys_dir, stranger_dir;
  Keys keys(keys_dir.path()), stranger(stranger_dir.path());
  const SigningKey signing = keys.signing();
  std::vector<std::string> node_args = keys.node_args();
  // A cap below the broker's packet limit (16 MiB + 64 KiB), so that an
  // oversize package reaches the node, which must refuse it unread.
  node_args.insert(node_args.end(), {"--group", "g", "--max-package-bytes", "4194304"});
  test::ServedModels served(models.path(), "edge-1", node_args);
  ReportWatcher reports(served, "edge-1");
  Requester requester(served);
  mq::Client& publisher = requester.publisher;
  deploy_seed_models(served, keys, "edge-1");
  // A newer signed version on the group's topic, then the older one replayed there.
  ModelPackage newer{"single_var_LR", bytes_version(multi), nullptr, {{"single_var_LR.tflite", multi}}};
  ModelPackage older{"single_var_LR", bytes_version(single), nullptr, {{"single_var_LR.tflite", single}}};
  publisher.publish(deploy_topic("group/g", "single_var_LR"), encode_signed_package(newer, signing, later_ms(2000)), 1, true);
  ASSERT_TRUE(test::wait_until([&] { return requester.answering_version() == newer.version; }, kWait));

  struct Hostile {
    std::string model, payload, reason;
  };
  const std::vector<Hostile> hostile = {
      {"utf8", encode_signed_package({"utf8", "v1", nullptr, {{"\xff.tflite", multi}}}, signing, 1), "file name"},
      {"nesting", std::string(600000, '\x81'), "nested deeper"},
      {"large", std::string(6u << 20, 'x'), "more than the 4194304"},
      {"dotdot", encode_signed_package({"dotdot", "..", nullptr, {{"dotdot.tflite", multi}}}, signing, 1), "version"},
      {"stranger", encode_signed_package({"stranger", "v1", nullptr, {{"stranger.tflite", multi}}},
                                         stranger.signing(), 1), "does not trust"},
      {"unsigned", encode_package({"unsigned", "v1", nullptr, {{"unsigned.tflite", multi}}}), "unsigned"},
  };
  for (const Hostile& h : hostile) publisher.publish(deploy_topic("all", h.model), h.payload, 1, true);
  publisher.publish(deploy_topic("all", "single_var_LR"), "", 1, true);  // a bare undeploy
  publisher.publish(deploy_topic("group/g", "single_var_LR"), encode_signed_package(older, signing, later_ms(1000)), 1, true);
  for (const Hostile& h : hostile) EXPECT_TRUE(reports.wait_for_result("refused", h.reason)) << h.model;
  // 20 MiB: the broker itself refuses the packet and drops its sender.
  {
    mq::Client oversize(served.client("oversize"));
    oversize.connect();
    auto token = oversize.publish(deploy_topic("all", "huge"), std::string(20u << 20, 'x'), 1, true);
    EXPECT_TRUE(test::wait_until([&] { return !oversize.connected(); }, kWait)) << "the broker took a 20 MiB packet";
  }
  EXPECT_TRUE(reports.wait_for_result("refused", "unsigned removal"));
  EXPECT_TRUE(reports.wait_for_result("refused", "replayed older package"));
  EXPECT_TRUE(served.server().running()) << test::read_file(served.dir() / "serve.log");
  EXPECT_EQ(requester.answering_version(), newer.version);

  // Restarted, the node meets the retained packages again (all but the bare undeploy, which cleared its topic).
  served.server().signal(SIGKILL);
  ASSERT_TRUE(served.server().wait_for(kWait));
  Process again = served.start(models.path(), "edge-1", node_args);
  for (const Hostile& h : hostile) EXPECT_TRUE(reports.wait_for_result("refused", h.reason, 2)) << h.model;
  EXPECT_TRUE(reports.wait_for_result("refused", "replayed older package", 2));
  EXPECT_TRUE(test::wait_until([&] { return requester.answering_version() == newer.version; }, kWait));
  EXPECT_TRUE(again.running()) << test::read_file(served.dir() / "serve.log");
  for (const char* model : {"utf8", "nesting", "large", "dotdot", "stranger", "unsigned"})
    EXPECT_EQ(std::count_if(fs::directory_iterator(models.path()), fs::directory_iterator(), [&](const auto& entry) {
                return entry.path().filename().string().starts_with(model);
              }), 0) << model;
}

}  // namespace
}  // namespace edgeml::serve
