#include "serve/server.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/error.h"
#include "protocol/topics.h"
#include "serve/deploy_package.h"
#include "serve/metrics_endpoint.h"
#include "serve/model_set_log.h"

namespace edgeml::serve {

namespace {

using namespace std::chrono_literals;

mq::ClientOptions client_options(const ServerOptions& options) {
  mq::ClientOptions client;
  client.connection = options.connection;
  client.connect_timeout = options.connect_timeout;
  if (client.connection.client_id.empty()) client.connection.client_id = "edgeml-serve-" + options.node;
  client.mqtt_version = 5;
  client.clean_session = true;
  client.will = {node_status_topic(options.node), "offline", 1, true};
  return client;
}

}  // namespace

Server::Server(ServerOptions options)
    : options_(std::move(options)), registry_(options_.kernels, options_.budgets), requests_(options_.queue_capacity) {
  if (options_.node.empty()) throw Error("a server needs a node name");
  log_model_set(*registry_.reload(options_.models_dir), options_.models_dir);
  client_ = std::make_unique<mq::Client>(client_options(options_));
  if (options_.monitoring) {
    monitoring_ = std::make_unique<Monitoring>(options_, *client_, counts_);
    histories_ = std::make_unique<SeriesHistories>();
  }
  if (!options_.contract.empty())
    contract_ = std::make_unique<ContractCheck>(options_.contract, options_.monitoring, options_.node, *client_);

  replies_ = std::make_unique<ReplyPublisher>(*client_, options_.response_filter, counts_.replies_refused);
  pipeline_ = std::make_unique<RequestPipeline>(
      RequestPipeline::Settings{options_.node, options_.request_deadline, options_.null_responder}, registry_,
      monitoring_ ? &monitoring_->quality() : nullptr, histories_.get());
  worker_ = std::make_unique<RequestWorker>(requests_, *pipeline_, *replies_, monitoring_.get(), figures_, counts_);
  watcher_ = std::make_unique<ModelWatcher>(options_, registry_, *client_, counts_, [this](double seconds) {
    figures_.set_last_reload(seconds);
    if (monitoring_) monitoring_->refresh_reference(options_.models_dir);
    if (stats_publisher_) stats_publisher_->publish_now();
  });
  router_ = std::make_unique<MessageRouter>(
      MessageRouter::Destinations{requests_, watcher_->deployments(), monitoring_.get(), histories_.get(), *replies_}, options_.node,
      options_.deploy_policy.max_bytes, counts_, stopping_);
  router_->leave_to_others(options_.request_excludes);
  if (!options_.handoff_prefix.empty()) router_->hand_off_to(options_.handoff_prefix, *client_);
  stats_publisher_ = std::make_unique<StatsPublisher>(
      StatsPublisher::Sources{[this] { return stats(); }, [this] { figures_.start_interval(); },
                              [this] { return models(); }},
      contract_.get(), options_.node, options_.stats_interval, *client_);

  start_metrics();
  worker_->start();
  watcher_->start();
  stats_publisher_->start();
  try {
    connect_client();
    if (options_.monitoring) subscribe_to_sensors();
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

void Server::connect_client() {
  client_->set_message_handler([this](const mq::Message& m) { router_->route(m); });
  // Requests at QoS 0 (the broker delivers them at most at the subscription's
  // QoS): acknowledging each one made two small writes in a row, the PUBACK
  // and the reply, and held the reply back until the broker's delayed ACK.
  // A lost request is the requester's to ask again, as with the tutorial's QoS 0.
  client_->add_subscription(shared_filter(options_.group, options_.request_filter), 0);
  if (!options_.handoff_prefix.empty())
    client_->add_subscription(shared_filter(options_.group, options_.handoff_prefix + options_.request_filter), 0);
  for (const std::string& deploy_filter : deploy_filters(options_.node, options_.group))
    client_->add_subscription(deploy_filter, 1);
  client_->set_connected_handler([this] {
    try {
      client_->publish(node_status_topic(options_.node), "online", 1, true);
    } catch (const Error& e) {
      spdlog::warn("{}", e.what());
    }
  });
  client_->connect();
}

// Every server of a group sees every event: each scores the requests it answered.
void Server::subscribe_to_sensors() {
  mq::ConnectionOptions connection = options_.connection;
  connection.client_id = client_->options().connection.client_id + "-sensors";
  sensors_ = std::make_unique<mq::StreamSubscriber>(
      connection, std::string(kAlarmSeriesFilter),
      [this](std::string_view topic, std::string_view payload) { router_->route(mq::Message{topic, payload, 0, {}, {}}); });
}

void Server::start_metrics() {
  if (options_.metrics_port < 0) return;
  metrics_ = std::make_unique<MetricsEndpoint>(
      options_.metrics_host, options_.metrics_port,
      MetricsEndpoint::Sources{[this] { return server_metrics(stats(), *models()); },
                               [this](std::string& why) { return healthy(why); }});
  spdlog::info("metrics on http://{}:{}/metrics", options_.metrics_host, metrics_->port());
}

void Server::stop() {
  if (stopping_.exchange(true)) return;
  sensors_.reset();
  worker_->stop();  // answers what is queued, then ends
  watcher_->stop();
  stats_publisher_->stop();
  metrics_.reset();
  if (client_->connected()) {
    try {
      client_->publish(node_status_topic(options_.node), "offline", 1, true)->wait_for(2s);
    } catch (const std::exception& e) {
      spdlog::warn("could not publish offline: {}", e.what());
    }
    client_->disconnect();
  }
}

NodeStats Server::stats() const {
  NodeStats stats;
  stats.node = options_.node;
  stats.interval_s = std::chrono::duration<double>(options_.stats_interval).count();
  stats.uptime_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  stats.counts = counts();
  stats.queue = requests_.size();
  if (monitoring_) monitoring_->fill(stats);
  if (contract_) stats.contracts = contract_->monitor().snapshot();
  stats.process = read_process_usage();
  figures_.fill(stats);
  return stats;
}

bool Server::healthy(std::string& why) const {
  if (!client_->connected()) why = "not connected to the MQTT broker";
  else if (registry_.current()->models().empty()) why = "no model loaded";
  else return true;
  return false;
}

int Server::metrics_port() const { return metrics_ ? metrics_->port() : -1; }

}  // namespace edgeml::serve
