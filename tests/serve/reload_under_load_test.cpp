// The acceptance test of hot reloading: 200 reloads of `edgeml serve` under a
// continuous request load lose no request and leave resident memory flat
// (within 10% of what it was after the first reload).
//
// The server polls its directory every 20 ms. One file, single_var_LR.tflite,
// is replaced by a rename 200 times, alternating between two models of
// different versions; each replacement is waited for until the replies carry
// its version, so every reload is seen to be picked up before the next. The
// directory also holds the tutorial's multi_var_LR and two DNNs from `edgeml
// train`, reloaded with it each time, so a set that leaked would show in the
// server's VmRSS (keeping every old set makes it grow from 14 to 39 MB).
// Labelled `long`: it runs for about ten seconds.
#include <fstream>
#include <iostream>
#include <mutex>
#include <span>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "serve/model_set.h"
#include "serve/node_stats.h"
#include "client/request_client.h"
#include "served_models.h"

namespace edgeml::serve {

using client::RequestClient;
using client::RequestClientOptions;
using client::RequestResult;
using client::RequestTotals;
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;
using test::kWait;

constexpr int kReloads = 200;
constexpr std::uint64_t kFewestRequests = 2000;
constexpr std::uint64_t kMostRequests = 200000;  // bounds the load should the reloads stall
constexpr std::size_t kModels = 4;
constexpr double kRssTolerance = 0.10;

// The server's resident memory in kB (VmRSS of /proc/PID/status), or -1.
long resident_kb(int pid) {
  std::ifstream status(fmt::format("/proc/{}/status", pid));
  std::string line;
  while (std::getline(status, line))
    if (line.starts_with("VmRSS:")) return std::stol(line.substr(6));
  return -1;
}

std::string version_of(const std::string& bytes) {
  return content_version(std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
}

// What the replies said, written on the load's thread and read by the test.
class ReplyLog {
 public:
  struct Seen {
    std::string latest_version;  // single_var_LR's in the last reply
    std::uint64_t answered = 0;
    std::uint64_t incomplete = 0;  // replies missing a model or with a model's error
    std::string first_incomplete;
  };

  void record(const RequestResult& result) {
    if (result.outcome != RequestResult::Outcome::answered) return;  // counted in RequestTotals
    json reply = json::parse(result.reply, nullptr, false);
    const json& predictions = reply["predictions"];
    bool complete = predictions.size() == kModels;
    for (const auto& [name, prediction] : predictions.items()) complete = complete && !prediction.contains("error");
    std::lock_guard lock(mutex_);
    ++seen_.answered;
    if (!complete && seen_.incomplete++ == 0) seen_.first_incomplete = result.reply;
    if (predictions.contains("single_var_LR")) seen_.latest_version = predictions["single_var_LR"]["version"];
  }
  Seen seen() const {
    std::lock_guard lock(mutex_);
    return seen_;
  }

 private:
  mutable std::mutex mutex_;
  Seen seen_;
};

// Requests sent from a thread of its own, at most 16 in flight and 1000 a
// second, until finish().
class Load {
 public:
  Load(const test::ServedModels& served, ReplyLog& log) : log_(log) {
    RequestClientOptions options;
    options.client = served.client("");
    options.concurrency = 16;
    options.rate = 1000;
    options.timeout = 10s;  // a reply this late is lost for the test
    options.retries = 0;    // a request a reload lost must show, not be re-sent
    client_ = std::make_unique<RequestClient>(options);
    client_->connect();
    thread_ = std::thread([this] { totals_ = client_->run(source(), [this](auto& r) { log_.record(r); }, &stop_); });
  }
  ~Load() { finish(); }

  RequestTotals finish() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    return totals_;
  }

 private:
  static RequestClient::Source source() {
    return [sent = std::uint64_t{0}](Request& r) mutable {
      if (sent == kMostRequests) return false;
      r.series = {"1160629000", "121", "308"};
      r.index = static_cast<double>(sent++ % 5000);
      r.value = 231;
      r.threshold = 230;
      return true;
    };
  }

  ReplyLog& log_;
  std::unique_ptr<RequestClient> client_;
  std::atomic<bool> stop_{false};
  RequestTotals totals_;
  std::thread thread_;
};

// The tutorial's two models and two DNNs trained for 2 epochs, with
// single_var_LR.tflite holding `single_var_lr`.
void make_model_directory(const fs::path& models, const std::string& single_var_lr, const fs::path& log) {
  Process train = test::run_edgeml({"train", "--train", test::shared_file("data/bts/split/train.csv").string(), "--test",
                                    test::shared_file("data/bts/split/test.csv").string(), "--models",
                                    "DNN_single_regression,DNN_multi_regression", "--epochs", "2", "--out",
                                    models.string()},
                                   log);
  ASSERT_EQ(train.wait_for(kWait), 0) << test::read_file(log);
  fs::copy_file(test::shared_file("models/seed-tflite/multi_var_LR.tflite"), models / "multi_var_LR.tflite");
  test::install_file(models, "single_var_LR.tflite", single_var_lr);
}

// The last stats the server published once they count `requests` and `reloads`.
json final_stats(const test::MessageInbox& stats, std::uint64_t requests, int reloads) {
  json last;
  test::wait_until(
      [&] {
        auto messages = stats.messages();
        if (messages.empty()) return false;
        last = json::parse(messages.back().payload);
        return last["requests"].get<std::uint64_t>() >= requests && last["reloads"].get<int>() >= reloads;
      },
      kWait);
  return last;
}

// Replaces single_var_LR.tflite in `models` kReloads times by a rename,
// alternating between `bytes` (bytes[1] first), and waits each time until the
// replies carry the new version. Samples the server's VmRSS after reloads 1,
// 50, 100, 150 and 200.
void reload_alternately(test::ServedModels& served, const fs::path& models, const std::string (&bytes)[2],
                        const ReplyLog& log, std::vector<long>& rss_kb) {
  const std::string versions[2] = {version_of(bytes[0]), version_of(bytes[1])};
  test::TempDir staging;  // outside `models`, so a staged file is not a change the server reloads for
  for (int reload = 1; reload <= kReloads; ++reload) {
    test::install_file(models, "single_var_LR.tflite", bytes[reload % 2], staging.path());
    ASSERT_TRUE(test::wait_until([&] { return log.seen().latest_version == versions[reload % 2]; }, kWait))
        << "reload " << reload << " was not picked up\n"
        << test::read_file(served.dir() / "serve.log");
    if (reload == 1 || reload % 50 == 0) rss_kb.push_back(resident_kb(served.server().pid()));
  }
}

TEST(ServeReloadUnderLoad, TwoHundredHotReloadsLoseNoRequestAndLeaveMemoryFlat) {
  EDGEML_REQUIRE_SHARED("models/seed-tflite/multi_var_LR.tflite");
  EDGEML_REQUIRE_SHARED("data/bts/split/train.csv");
  const std::string bytes[2] = {test::read_file(test::shared_file("models/seed-tflite/single_var_LR.tflite")),
                                test::read_file(test::shared_file("models/seed-tflite/multi_var_LR.tflite"))};
  test::TempDir work;
  ASSERT_NO_FATAL_FAILURE(make_model_directory(work / "models", bytes[0], work / "train.log"));
  // Requests remembered for online accuracy fill a bounded ring whose slots
  // are allocated as it first fills: a small one is full before the first
  // reload, so what is measured is what the reloads leave behind.
  test::ServedModels served(work / "models", "reload-node", {"--remember", "16"}, 20ms);
  test::MessageInbox stats;
  auto watcher = test::receiving_client(served.client("stats-watcher"), stats, node_stats_topic("reload-node"));
  ReplyLog log;
  Load load(served, log);
  ASSERT_TRUE(test::wait_until([&] { return log.seen().answered >= 200; }, kWait)) << "the load is not answered";
  ASSERT_EQ(log.seen().latest_version, version_of(bytes[0]));

  auto started = std::chrono::steady_clock::now();
  std::vector<long> rss_kb;  // after reloads 1, 50, 100, 150, 200
  ASSERT_NO_FATAL_FAILURE(reload_alternately(served, work / "models", bytes, log, rss_kb));
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  // On a machine slow to send, the load goes on until it has made its number.
  EXPECT_TRUE(test::wait_until([&] { return log.seen().answered >= kFewestRequests; }, kWait));
  RequestTotals totals = load.finish();
  json server = final_stats(stats, totals.sent, kReloads);
  ReplyLog::Seen seen = log.seen();

  std::cout << fmt::format(
      "{} reloads picked up in {:.1f} s; requests sent {}, answered {}, errors {}, timeouts {}, unmatched {}, "
      "incomplete {}; server: requests {}, replies {}, errors {}, overloaded {}, reloads {}; "
      "VmRSS kB after reloads 1, 50, 100, 150, 200: {}\n",
      kReloads, seconds, totals.sent, totals.answered, totals.errors, totals.timeouts, totals.unmatched,
      seen.incomplete, server["requests"].dump(), server["replies"].dump(), server["errors"].dump(),
      server["overloaded"].dump(), server["reloads"].dump(), fmt::join(rss_kb, ", "));

  EXPECT_GE(totals.sent, kFewestRequests);
  EXPECT_EQ(totals.answered, totals.sent);
  EXPECT_EQ(totals.errors, 0u);
  EXPECT_EQ(totals.timeouts, 0u);
  EXPECT_EQ(totals.unmatched, 0u) << "replies repeated or late";
  EXPECT_EQ(seen.incomplete, 0u) << seen.first_incomplete;
  EXPECT_EQ(server["requests"], totals.sent);
  EXPECT_EQ(server["replies"], totals.sent);
  EXPECT_EQ(server["errors"], 0);
  EXPECT_EQ(server["overloaded"], 0);
  EXPECT_EQ(server["reloads"], kReloads);
  ASSERT_EQ(rss_kb.size(), 5u);
  EXPECT_GT(rss_kb.front(), 0);
  EXPECT_LE(std::abs(rss_kb.back() - rss_kb.front()), kRssTolerance * static_cast<double>(rss_kb.front()))
      << "VmRSS after the first reload " << rss_kb.front() << " kB, after the last " << rss_kb.back() << " kB";
}

}  // namespace
}  // namespace edgeml::serve
