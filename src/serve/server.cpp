#include "serve/server.h"

#include <sys/stat.h>

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "core/bounded_json.h"
#include "core/error.h"
#include "serve/deployment.h"
#include "serve/metrics_endpoint.h"
#include "serve/node_stats.h"

namespace edgeml::serve {

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr auto kQueueWait = 1000ms;  // the longest the receive thread waits for room
// What changes when a file in `dir` is written, replaced, added or removed.
std::uint64_t directory_signature(const fs::path& dir) {
  std::uint64_t hash = 1469598103934665603ull;
  auto mix = [&](std::uint64_t v) { hash = (hash ^ v) * 1099511628211ull; };
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    struct stat st {};
    if (::stat(it->path().c_str(), &st) != 0) continue;
    for (char c : it->path().filename().string()) mix(static_cast<unsigned char>(c));
    mix(static_cast<std::uint64_t>(st.st_ino));
    mix(static_cast<std::uint64_t>(st.st_size));
    mix(static_cast<std::uint64_t>(st.st_mtim.tv_sec) * 1000000000ull + static_cast<std::uint64_t>(st.st_mtim.tv_nsec));
  }
  return hash;
}

void log_model_set(const ModelSet& set, const fs::path& dir) {
  for (const auto& model : set.models())
    spdlog::info("model {} version {} from {}", model->info().name, model->info().version,
                 model->info().file.filename().string());
  for (const RejectedFile& rejected : set.rejected())
    spdlog::warn("{}: not loaded: {}", rejected.file.string(), rejected.reason);
  for (const std::string& kept : set.kept()) spdlog::warn("model {}: keeping the version loaded before", kept);
  if (set.models().empty()) spdlog::warn("no model could be loaded from {}; requests get empty predictions", dir.string());
}

}  // namespace

std::string node_status_topic(const std::string& node) { return fmt::format("edgeml/nodes/{}/status", node); }
std::string node_alerts_topic(const std::string& node) { return fmt::format("edgeml/nodes/{}/alerts", node); }
std::string contract_violations_topic(const std::string& node) {
  return fmt::format("edgeml/contracts/{}/violations", node);
}

Server::Server(ServerOptions options)
    : options_(std::move(options)),
      registry_(options_.kernels, options_.budgets),
      queue_(options_.queue_capacity),
      accuracy_(options_.accuracy) {
  if (options_.node.empty()) throw Error("a server needs a node name");
  log_model_set(*registry_.reload(options_.models_dir), options_.models_dir);
  if (options_.monitoring) {
    QualityConfig quality;
    if (!options_.quality_config.empty()) quality = read_quality_config(options_.quality_config);
    quality_ = std::make_unique<DataQualityMonitor>(std::move(quality));
    refresh_quality_reference();
  }
  if (!options_.contract.empty()) {
    contract_written_ = fs::last_write_time(options_.contract);
    contract_ = std::make_unique<ContractMonitor>(read_contract());
    contract_interval_start_ = std::make_unique<NodeStats>();
  }

  mq::ClientOptions client;
  client.connection = options_.connection;
  if (client.connection.client_id.empty()) client.connection.client_id = "edgeml-serve-" + options_.node;
  client.mqtt_version = 5;
  client.clean_session = true;
  client.will = {node_status_topic(options_.node), "offline", 1, true};
  client_ = std::make_unique<mq::Client>(client);
  client_->set_message_handler([this](const mq::Message& m) { on_message(m); });
  std::string filter = fmt::format("{}/+/+/+", kRequestPrefix);
  // Requests at QoS 0 (the broker delivers them at most at the subscription's
  // QoS): acknowledging each one made two small writes in a row, the PUBACK
  // and the reply, and Paho's socket (no TCP_NODELAY) held the reply back
  // until the broker's delayed ACK, about 40 ms. A lost request is the
  // requester's to ask again, as with the tutorial's QoS 0 everywhere.
  client_->add_subscription(options_.group.empty() ? filter : fmt::format("$share/{}/{}", options_.group, filter), 0);
  // Every server of a group sees every event: each scores the requests it answered.
  if (options_.monitoring) client_->add_subscription(fmt::format("{}/+/+/+", kAlarmPrefix), 0);
  for (const std::string& deploy_filter : deploy_filters(options_.node, options_.group))
    client_->add_subscription(deploy_filter, 1);
  client_->set_connected_handler([this] {
    try {
      client_->publish(node_status_topic(options_.node), "online", 1, true);
    } catch (const Error& e) {
      spdlog::warn("{}", e.what());
    }
  });
  if (options_.metrics_port >= 0) {
    metrics_ = std::make_unique<MetricsEndpoint>(
        options_.metrics_host, options_.metrics_port,
        MetricsEndpoint::Sources{[this] { return server_metrics(stats(), *models()); },
                                 [this](std::string& why) { return healthy(why); }});
    spdlog::info("metrics on http://{}:{}/metrics", options_.metrics_host, metrics_->port());
  }
  worker_ = std::thread([this] { work(); });
  watcher_ = std::thread([this] { keep_models(); });
  reporter_ = std::thread([this] { report_stats(); });
  try {
    client_->connect();
  } catch (...) {
    stop();
    throw;
  }
  spdlog::info("node {} serving {} model(s) from {} on {}{}", options_.node, models()->models().size(),
               options_.models_dir.string(), options_.connection.uri(),
               options_.group.empty() ? "" : " in group " + options_.group);
  if (options_.null_responder) spdlog::warn("null responder: no model runs, every reply has empty predictions");
}

Server::~Server() { stop(); }

void Server::stop() {
  if (stopping_.exchange(true)) return;
  {
    std::lock_guard lock(stop_mutex_);  // the reporter sees stopping_ before it waits, or is woken
  }
  stop_wake_.notify_all();
  queue_.close();  // the worker answers what is queued, then ends
  deployments_.close();
  if (worker_.joinable()) worker_.join();
  if (watcher_.joinable()) watcher_.join();
  if (reporter_.joinable()) reporter_.join();
  metrics_.reset();
  if (client_ && client_->connected()) {
    try {
      client_->publish(node_status_topic(options_.node), "offline", 1, true)->wait_for(2s);
    } catch (const std::exception& e) {
      spdlog::warn("could not publish offline: {}", e.what());
    }
    client_->disconnect();
  }
}

ServerCounts Server::counts() const {
  return {counts_.requests.load(), counts_.replies.load(),     counts_.errors.load(),
          counts_.overloaded.load(), counts_.reloads.load(), counts_.deployments.load(),
          counts_.events.load(),   counts_.events_unreadable.load(), counts_.events_dropped.load(),
          counts_.accuracy_alerts.load(), counts_.quality_dropped.load(), counts_.timed_out.load(),
          counts_.replies_refused.load()};
}

// Paho's thread: copy the message into the queue and return.
void Server::on_message(const mq::Message& m) {
  if (m.topic.starts_with("edgeml/deploy/")) {
    auto copy = [&](Deployment& d) {
      d.topic.assign(m.topic);
      bool fits = m.payload.size() <= options_.deploy_policy.max_bytes;
      d.payload.assign(fits ? m.payload : std::string_view());
      d.refused_size = fits ? 0 : m.payload.size();
    };
    if (!deployments_.push_with(copy, kQueueWait) && !stopping_)
      spdlog::error("deployment on {} dropped: {} others are still being installed", m.topic, deployments_.capacity());
    return;
  }
  if (m.topic.starts_with(kAlarmPrefix) && m.topic.size() > kAlarmPrefix.size() && m.topic[kAlarmPrefix.size()] == '/') {
    if (m.topic == kFinishTopic) return;
    ++counts_.events;
    last_event_ns_ = std::chrono::steady_clock::now().time_since_epoch().count();
    // An event can wait: it wakes the worker only with a batch's worth
    // waiting, else it goes with the next request or the worker's timeout.
    if (!enqueue(m, kMaxBatch) && !stopping_) ++counts_.events_dropped;
    return;
  }
  ++counts_.requests;
  if (enqueue(m) || stopping_) return;
  std::uint64_t n = ++counts_.overloaded;
  if (n == 1 || n % 1000 == 0) spdlog::warn("{} request(s) refused: the queue stayed full for {} ms", n, kQueueWait.count());
  refuse_overloaded(m);
}

bool Server::enqueue(const mq::Message& m, std::size_t wake_at) {
  return queue_.push_with(
      [&](Job& job) {
        job.topic.assign(m.topic);
        job.payload.assign(m.payload);
        job.response_topic.assign(m.response_topic);
        job.correlation_data.assign(m.correlation_data);
        job.received = std::chrono::steady_clock::now();
      },
      kQueueWait, wake_at);
}

// Installs deployments as they come and reloads when the directory changes.
void Server::keep_models() {
  std::uint64_t seen = directory_signature(options_.models_dir);
  Deployment deployment;
  while (!stopping_) {
    if (deployments_.pop(deployment, options_.reload_poll)) {
      deploy(deployment);  // reloads itself when it changes the directory
      seen = directory_signature(options_.models_dir);
    }
    std::uint64_t now = directory_signature(options_.models_dir);
    if (now == seen || stopping_) continue;
    seen = now;
    reload("the model directory changed");
  }
}

void Server::report_stats() {
  std::unique_lock lock(stop_mutex_);
  while (!stopping_) {
    lock.unlock();
    publish_stats();
    lock.lock();
    stop_wake_.wait_for(lock, options_.stats_interval, [this] { return stopping_.load(); });
  }
}

NodeStats Server::stats() {
  NodeStats stats;
  stats.node = options_.node;
  stats.interval_s = std::chrono::duration<double>(options_.stats_interval).count();
  stats.uptime_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  stats.counts = counts();
  stats.queue = queue_.size();
  if (options_.monitoring) {
    stats.accuracy = accuracy_.figures();
    stats.accuracy_counts = accuracy_.counts();
    stats.accuracy_alert_multiple = options_.accuracy.alert_multiple;
  }
  if (quality_) stats.quality = quality_->counts();
  if (contract_) stats.contracts = contract_->snapshot();
  if (std::int64_t ns = last_event_ns_; ns >= 0)
    stats.seconds_since_event =
        std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch() - std::chrono::nanoseconds(ns))
            .count();
  stats.process = read_process_usage();
  auto since_start = [](const LatencySummary& before, const LatencySummary& interval) {
    LatencySummary all = before;
    all.merge(interval);
    return all.figures();
  };
  std::lock_guard lock(latency_mutex_);
  stats.latency = since_start(latency_, latency_interval_);
  stats.latency_interval = latency_interval_.figures();
  for (const auto& [model, times] : inference_) {
    stats.inference.emplace_back(model, since_start(times.all, times.interval));
    stats.inference_interval.emplace_back(model, times.interval.figures());
  }
  stats.last_reload_seconds = last_reload_seconds_;
  return stats;
}

bool Server::healthy(std::string& why) const {
  if (!client_ || !client_->connected()) why = "not connected to the MQTT broker";
  else if (registry_.current()->models().empty()) why = "no model loaded";
  else return true;
  return false;
}

int Server::metrics_port() const { return metrics_ ? metrics_->port() : -1; }

void Server::publish_stats() {
  NodeStats now = stats();
  {
    std::lock_guard lock(latency_mutex_);
    latency_.merge(latency_interval_);
    latency_interval_.reset();
    for (auto& [model, times] : inference_) {
      times.all.merge(times.interval);
      times.interval.reset();
    }
  }
  if (contract_) judge_contract(now);
  try {
    client_->publish(node_stats_topic(options_.node), node_stats_json(now, *models()), 0, true);
  } catch (const Error& e) {
    spdlog::debug("stats not sent: {}", e.what());
  }
}

void Server::reload(const char* why) {
  try {
    spdlog::info("reloading {}: {}", options_.models_dir.string(), why);
    const auto started = std::chrono::steady_clock::now();
    log_model_set(*registry_.reload(options_.models_dir), options_.models_dir);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    {
      std::lock_guard lock(latency_mutex_);
      last_reload_seconds_ = seconds;
    }
    if (quality_) refresh_quality_reference();
    ++counts_.reloads;
  } catch (const Error& e) {
    spdlog::error("reloading {}: {}; the models loaded before keep serving", options_.models_dir.string(), e.what());
  }
}

void Server::deploy(const Deployment& d) {
  std::string model = d.topic.substr(d.topic.rfind('/') + 1);
  try {
    if (!is_plain_name(model)) throw Error("the topic's model name is not letters, digits, '_', '-' and '.'");
    if (d.refused_size > 0)
      throw Error(fmt::format("{} bytes, more than the {} a package may have", d.refused_size,
                              options_.deploy_policy.max_bytes));
    ModelPackage package;
    if (Status s = decode_package(d.payload, package, options_.deploy_policy); !s) throw Error(s.reason());
    if (!package.model.empty() && package.model != model)
      throw Error(fmt::format("the package holds {}, not {}", package.model, model));
    package.model = model;
    if (std::int64_t last = last_signed_at(model, options_.models_dir); package.signed_at_ms < last && !package.signer.empty()
                                                                         && !options_.allow_downgrade)
      throw Error(fmt::format("signed at {} ms, before the package installed (signed at {} ms): a replayed older "
                              "package (edgeml serve --allow-downgrade takes it)",
                              package.signed_at_ms, last));
    apply_package(package);
  } catch (const std::exception& e) {  // Error, and filesystem or JSON errors
    spdlog::error("deployment of {} refused: {}", model, e.what());
    report_deployment(model, "", "refused", e.what());
  }
}

void Server::apply_package(const ModelPackage& package) {
  const std::string& model = package.model;
  auto remember_signature = [&] {
    if (!package.signer.empty()) record_signed_at(package, options_.models_dir);
  };
  if (package.action == ModelPackage::Action::remove) {
    bool removed = remove_model(model, options_.models_dir);
    remember_signature();
    if (removed) reload("a model was undeployed");
    report_deployment(model, "", removed ? "removed" : "absent", "");
    return;
  }
  if (const Model* current = models()->find(model); current && current->info().version == package.version) {
    remember_signature();
    report_deployment(model, package.version, "unchanged", "this version is already serving");
    return;
  }
  install_package(package, options_.models_dir, options_.budgets, models()->cost(model));
  remember_signature();
  reload("a model was deployed");
  std::shared_ptr<const ModelSet> now = models();
  const Model* serving = now->find(model);
  if (!serving || serving->info().version != package.version) {
    auto rejected = std::find_if(now->rejected().begin(), now->rejected().end(),
                                 [&](const RejectedFile& r) { return r.model == model; });
    throw Error(rejected == now->rejected().end()
                    ? "installed, but the reloaded directory does not serve it; see the log"
                    : fmt::format("installed, but the reloaded directory does not serve it: {}: {}",
                                  rejected->file.filename().string(), rejected->reason));
  }
  ++counts_.deployments;
  report_deployment(model, package.version, "installed", "");
}

void Server::report_deployment(const std::string& model, const std::string& version, const std::string& result,
                               const std::string& reason) {
  nlohmann::json report = {{"node", options_.node}, {"model", model}, {"result", result}};
  if (!version.empty()) report["version"] = version;
  if (!reason.empty()) report["reason"] = reason;
  try {
    client_->publish(deployments_topic(options_.node), dump_json_replacing(report), 1);
  } catch (const Error& e) {
    spdlog::warn("deployment report not sent: {}", e.what());
  }
}

}  // namespace edgeml::serve
