// `edgeml status --http` as an operator would open it: a real mosquitto, an
// `edgeml serve` of the seed models answering a stream of requests, and the
// page loaded in headless Chromium, whose DOM must show the node online, its
// models and a drawn latency line. Chromium is Debian's `chromium` (test
// packages); without it the test skips, except under CI=true where it fails.
#include <signal.h>

#include <regex>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "support/test_support.h"

namespace edgeml::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;

constexpr const char* kChromium = "/usr/bin/chromium";
constexpr const char* kNode = "page-node";

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The page's DOM after Chromium ran its script for 5 s of virtual time (a few
// polls of /fleet.json); empty when Chromium failed or ran past `bound`.
std::string rendered_dom(const std::string& url, const fs::path& dir, std::chrono::milliseconds bound = 40s) {
  TempDir profile;  // a fresh profile each time: nothing cached, nothing shared with a user's
  const fs::path dom = dir / "dom.html", errors = dir / "chromium.log";
  fs::remove(dom);
  // Through sh so that the DOM (stdout) and Chromium's complaints (stderr) go to different files.
  const std::string command =
      fmt::format("exec '{}' --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run "
                  "--user-data-dir='{}' --virtual-time-budget=5000 --dump-dom '{}' >'{}' 2>>'{}'",
                  kChromium, profile.path().string(), url, dom.string(), errors.string());
  Process chromium({"/bin/sh", "-c", command});
  std::optional<int> status = chromium.wait_for(bound);
  if (!status) {
    chromium.stop(SIGKILL, 1s);
    ADD_FAILURE() << "chromium still ran after " << bound.count() << " ms:\n" << read_file(errors);
    return {};
  }
  if (*status != 0) ADD_FAILURE() << "chromium exited with " << *status << ":\n" << read_file(errors);
  return read_file(dom);
}

// What the test waits for in the page; empty when all is there.
std::string missing_from(const std::string& dom) {
  const std::vector<std::pair<std::string, std::regex>> wanted = {
      {"the node's row, online", std::regex(fmt::format(R"(<tr data-node="{}" class="node online"><td>{}</td><td class="online">online</td>)", kNode, kNode))},
      {"a latency line of at least two points for the node",
       std::regex(fmt::format(R"(<path d="M[\d.]+,[\d.]+ L[^"]*"[^>]*data-node="{}")", kNode))},
      {"multi_var_LR's row", std::regex(R"(<tr data-node="page-node" data-model="multi_var_LR">)")},
      {"single_var_LR's row", std::regex(R"(<tr data-node="page-node" data-model="single_var_LR">)")},
      {"the time of the last update", std::regex(R"(<span id="updated" data-time="[0-9T:-]+Z">updated )")},
  };
  std::string missing;
  for (const auto& [what, pattern] : wanted)
    if (!std::regex_search(dom, pattern)) missing += (missing.empty() ? "" : ", ") + what;
  return missing;
}

TEST(FleetPage, ChromiumShowsTheServedNodeOnlineItsModelsAndItsLatency) {
  EDGEML_REQUIRE_SHARED("models/seed-tflite");
  EDGEML_REQUIRE_SHARED("data/bts/1160629000_121_308_test.csv");
  if (!fs::exists(kChromium)) {
    if (running_in_ci()) FAIL() << kChromium << " is missing: scripts/install-packages test installs it";
    GTEST_SKIP() << kChromium << " is not here (Debian package chromium)";
  }
  TempDir dir;
  auto broker = start_broker(dir / "broker");
  const std::string port = std::to_string(broker->port());
  Process server = run_edgeml({"serve", "--port", port, "--models", shared_file("models/seed-tflite").string(),
                               "--node", kNode, "--stats-interval", "0.2"},
                              dir / "serve.log");
  // A steady stream, so that every stats interval has latencies to draw.
  Process requests = run_edgeml({"request", "--port", port, "--file",
                                 shared_file("data/bts/1160629000_121_308_test.csv").string(), "--rate", "40"},
                                dir / "request.log");
  const fs::path port_file = dir / "http.port";
  Process status = run_edgeml({"status", "--port", port, "--http", "0", "--http-port-file", port_file.string()},
                              dir / "status.log");
  ASSERT_TRUE(wait_until([&] { return fs::exists(port_file); }, 15s)) << read_file(dir / "status.log");
  const int http_port = std::stoi(read_file(port_file));
  EXPECT_TRUE(has(read_file(dir / "status.log"), fmt::format("fleet page on http://127.0.0.1:{}/", http_port)))
      << read_file(dir / "status.log");

  httplib::Client http("127.0.0.1", http_port);
  http.set_read_timeout(5, 0);
  auto health = http.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(health->body, "ok\n");
  // What the page will draw: the node, and latency points with figures.
  json fleet;
  auto drawable = [&] {
    auto res = http.Get("/fleet.json");
    if (!res || res->status != 200) return false;
    fleet = json::parse(res->body, nullptr, false);
    const json* p99 = fleet.is_object() ? &fleet["latency_history"]["nodes"][kNode]["p99_ms"] : nullptr;
    if (!p99 || !p99->is_array()) return false;
    int figures = 0;
    for (const json& v : *p99) figures += v.is_number();
    return figures >= 2 && fleet["nodes"].size() == 1 && fleet["nodes"][0]["status"] == "online";
  };
  ASSERT_TRUE(wait_until(drawable, 20s)) << fleet.dump() << "\n" << read_file(dir / "serve.log") << read_file(dir / "request.log");
  EXPECT_EQ(fleet["latency_history"]["points_per_node"], 300);
  auto posted = http.Post("/fleet.json", "x", "text/plain");
  ASSERT_TRUE(posted);
  EXPECT_EQ(posted->status, 405);
  auto elsewhere = http.Get("/elsewhere");
  ASSERT_TRUE(elsewhere);
  EXPECT_EQ(elsewhere->status, 404);
  auto page = http.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");

  // The page draws what it fetched; a slow machine may need another load.
  const std::string url = fmt::format("http://127.0.0.1:{}/", http_port);
  std::string dom, missing = "everything";
  const auto until = std::chrono::steady_clock::now() + 90s;
  for (int load = 0; load < 4 && !missing.empty() && std::chrono::steady_clock::now() < until; ++load) {
    dom = rendered_dom(url, dir.path());
    missing = missing_from(dom);
  }
  EXPECT_EQ(missing, "") << "the page lacks " << missing << ":\n" << dom << "\n" << read_file(dir / "chromium.log");

  EXPECT_EQ(status.stop(SIGINT, 5s), 0) << read_file(dir / "status.log");
  requests.stop(SIGINT, 5s);
  EXPECT_EQ(server.stop(SIGTERM, 10s), 0) << read_file(dir / "serve.log");
}

}  // namespace
}  // namespace edgeml::test
