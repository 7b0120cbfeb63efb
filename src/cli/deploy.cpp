// edgeml deploy / undeploy: send models to edge servers over MQTT, or take
// them away, and show what each server reports back.
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "cli/common.h"
#include "core/bounded_json.h"
#include "core/error.h"
#include "protocol/topics.h"
#include "serve/deployment.h"

namespace edgeml::cli {

namespace {

struct DeployArgs {
  mq::ClientOptions client;
  std::string models_dir;
  std::vector<std::string> undeploy;  // model names
  std::string node, group;
  std::string station;  // on a cloud broker: to this station's nodes only
  double wait_s = 5;
  std::filesystem::path sign_key;  // empty: unsigned packages
};

std::string target(const DeployArgs& a) {
  if (!a.node.empty()) return "node/" + a.node;
  if (!a.group.empty()) return "group/" + a.group;
  return "all";
}

// Reports from servers, printed as they come; counts those of `node`.
class Reports {
 public:
  void on_report(std::string_view payload) {
    nlohmann::json report;
    if (!parse_json_bounded(payload, report) || !report.is_object()) return;
    std::lock_guard lock(mutex_);
    std::string node = report.value("node", "?"), model = report.value("model", "?");
    fmt::print("{:<16} {:<26} {:<14} {:<10} {}\n", node, model, report.value("version", ""),
               report.value("result", "?"), report.value("reason", ""));
    answered_[node].insert(model);
    if (report.value("result", "") == "refused") ++refused_;
  }
  std::size_t answered(const std::string& node) {
    std::lock_guard lock(mutex_);
    return answered_[node].size();
  }
  int refused() {
    std::lock_guard lock(mutex_);
    return refused_;
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::set<std::string>> answered_;
  int refused_ = 0;
};

// Signed packages (format 2) with a key, else format 1 and bare empty
// removals, which only nodes started with --allow-unsigned-deploy take.
// A package's topic: on a cloud broker with --station, under that station's
// prefix, which its bridge alone takes down.
std::string package_topic(const DeployArgs& a, const std::string& to, const std::string& model) {
  const std::string topic = deploy_topic(to, model);
  return a.station.empty() ? topic : station_topic(a.station, topic);
}

std::vector<std::pair<std::string, std::string>> make_messages(const DeployArgs& a, const std::string& to) {
  std::optional<serve::SigningKey> key;
  if (!a.sign_key.empty()) key = serve::SigningKey::read(a.sign_key);
  else spdlog::warn("no --sign-key: unsigned packages, which only nodes with --allow-unsigned-deploy take");
  const std::int64_t signed_at = unix_ms_now();
  std::vector<std::pair<std::string, std::string>> messages;  // topic, payload
  if (a.undeploy.empty()) {
    for (const serve::ModelPackage& p : serve::packages_from_directory(a.models_dir)) {
      messages.emplace_back(package_topic(a, to, p.model),
                            key ? serve::encode_signed_package(p, *key, signed_at) : serve::encode_package(p));
      spdlog::info("deploying {} version {} ({} file(s), {} bytes{}) to {}", p.model, p.version, p.files.size(),
                   messages.back().second.size(), key ? ", signed by key " + key->id() : "", to);
    }
  } else {
    for (const std::string& model : a.undeploy) {
      serve::ModelPackage removal;
      removal.action = serve::ModelPackage::Action::remove;
      removal.model = model;
      messages.emplace_back(package_topic(a, to, model),
                            key ? serve::encode_signed_package(removal, *key, signed_at) : std::string());
    }
  }
  return messages;
}

void run_deploy(DeployArgs& a) {
  std::vector<std::pair<std::string, std::string>> messages = make_messages(a, target(a));
  auto& conn = a.client.connection;
  if (conn.client_id.empty()) conn.client_id = fmt::format("edgeml-deploy-{}", ::getpid());
  Reports reports;
  mq::Client client(a.client);
  client.set_message_handler([&](std::string_view, std::string_view payload) { reports.on_report(payload); });
  client.add_subscription(std::string(kNodeDeploymentsFilter), 1);
  // On a cloud broker the stations' nodes report through their bridges.
  client.add_subscription(std::string(kStationsNodeDeploymentsFilter), 1);
  client.connect();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the subscription is in place
  fmt::print("{:<16} {:<26} {:<14} {:<10} {}\n", "node", "model", "version", "result", "reason");
  publish_retained(client, messages);
  install_stop_handlers();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<long>(a.wait_s * 1000));
  while (!g_stop && std::chrono::steady_clock::now() < deadline &&
         !(!a.node.empty() && reports.answered(a.node) >= messages.size()))
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  client.disconnect();
  if (!a.node.empty() && reports.answered(a.node) < messages.size())
    throw Error(fmt::format("node {} reported on {} of {} model(s) within {} s; the packages stay retained for it",
                            a.node, reports.answered(a.node), messages.size(), a.wait_s));
  if (reports.refused() > 0) throw Error(fmt::format("{} deployment(s) refused; see the reasons above", reports.refused()));
}

void add_target_options(CLI::App& cmd, DeployArgs& a) {
  add_connection_options(cmd, a.client);
  auto* node = cmd.add_option("--node", a.node, "only this server (its --node)");
  cmd.add_option("--group", a.group, "only the servers of this --group")->excludes(node);
  cmd.add_option("--station", a.station,
                 "through a cloud broker: only to this bridged station's servers (default: every station's)")
      ->check([](const std::string& s) { return check_station_name(s) ? std::string() : check_station_name(s).reason(); });
  cmd.add_option("--sign-key", a.sign_key, "sign with this Ed25519 private key (edgeml keys new)")
      ->check(CLI::ExistingFile);
  cmd.add_option("--wait", a.wait_s, "seconds to wait for the servers' reports (with --node: until it reported)")
      ->check(CLI::Range(0.0, 3600.0))
      ->capture_default_str();
}

}  // namespace

void add_deploy_commands(CLI::App& app) {
  auto a = std::make_shared<DeployArgs>();
  auto* deploy = app.add_subcommand("deploy", "send a directory's models to edge servers over MQTT (retained, QoS 1)");
  deploy->add_option("--models", a->models_dir, "directory written by edgeml train, or of .tflite/.onnx files")
      ->required()
      ->check(CLI::ExistingDirectory);
  add_target_options(*deploy, *a);
  deploy->callback([a] { run_deploy(*a); });

  auto b = std::make_shared<DeployArgs>();
  auto* undeploy = app.add_subcommand("undeploy", "remove models from edge servers (and their retained packages)");
  undeploy->add_option("model", b->undeploy, "model name(s)")->required();
  add_target_options(*undeploy, *b);
  undeploy->callback([b] { run_deploy(*b); });
}

}  // namespace edgeml::cli
