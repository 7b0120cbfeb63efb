// The edge server: answers prediction requests from MQTT with every model of
// a directory, keeps those models current, and watches its own service.
// It is the parts below, wired together (docs/architecture.md draws them):
//
//   MQTT (requests, deployments)  --> MessageRouter --> request queue --> RequestWorker
//   MQTT, own connection (sensors) -/      |                  RequestPipeline: parse -> check -> predict -> format
//                                          |                  ReplyPublisher: one publish per request
//                                          v
//                               ModelWatcher (deploy, reload) --> ModelRegistry
//   Monitoring (online accuracy, data quality) <-- outcomes and sensor events
//   StatsPublisher (stats, ContractCheck) <-- counts, ServingFigures, Monitoring
//
// Threads: Paho's, which receives requests and deployments and only copies
// them into bounded queues (a full request queue makes it wait up to a
// second, then refuses the request); the request worker; the model watcher;
// the stats publisher; and, with monitoring on, the sensor stream's own
// connection (mq::StreamSubscriber), which scores events where they arrive.
//
// Topics (protocol/topics.h, docs/wire-protocol.md): requests at QoS 0 on
// request_subscription() (shared with the servers of a group); replies on the
// request's MQTT 5 Response Topic with its Correlation Data when it has one,
// else on its reply_topic(), at QoS 0; a retained "online" on the
// node_status_topic(), turned "offline" by the Last Will or a clean stop;
// deployments on deploy_filters() (model_watcher.h); the sensor stream on
// kAlarmSeriesFilter (monitoring.h).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "core/bounded_queue.h"
#include "mqtt/client.h"
#include "mqtt/stream_subscriber.h"
#include "serve/contract_check.h"
#include "serve/message_router.h"
#include "serve/model_set.h"
#include "serve/model_watcher.h"
#include "serve/monitoring.h"
#include "serve/node_stats.h"
#include "serve/reply_publisher.h"
#include "serve/request_pipeline.h"
#include "serve/request_worker.h"
#include "serve/series_histories.h"
#include "serve/server_counts.h"
#include "serve/server_options.h"
#include "serve/serving_figures.h"
#include "serve/stats_publisher.h"

namespace edgeml::serve {

class MetricsEndpoint;

class Server {
 public:
  // Loads the models (a directory that cannot be read throws Error; files
  // that cannot be loaded are logged and skipped) and connects; throws Error
  // when the broker cannot be reached.
  explicit Server(ServerOptions options);
  ~Server();  // stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Publishes "offline", stops the threads and disconnects; idempotent.
  void stop();
  // Starts the MQTT client over when the broker keeps dropping it right after
  // each reconnect (mq::Client::recover_if_stuck()). Call it now and then from
  // the thread that owns the server.
  void recover_if_stuck() { client_->recover_if_stuck(); }

  ServerCounts counts() const { return counts_.snapshot(); }
  // Counts, queue and latency since start, as stats and /metrics give them.
  NodeStats stats() const;
  // Connected to the broker with at least one model loaded; else why not.
  bool healthy(std::string& why) const;
  // The port /metrics listens on, or -1.
  int metrics_port() const;
  std::shared_ptr<const ModelSet> models() const { return registry_.current(); }
  const OnlineAccuracy* accuracy() const { return monitoring_ ? &monitoring_->accuracy() : nullptr; }
  const DataQualityMonitor* quality() const { return monitoring_ ? &monitoring_->quality() : nullptr; }
  const SeriesHistories* histories() const { return histories_.get(); }
  const ContractMonitor* contract() const { return contract_ ? &contract_->monitor() : nullptr; }  // null: none

 private:
  void connect_client();
  void subscribe_to_sensors();
  void start_metrics();

  const ServerOptions options_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  ServerCounters counts_;
  std::atomic<bool> stopping_{false};
  ModelRegistry registry_;
  BoundedQueue<RequestJob> requests_;
  ServingFigures figures_;
  std::unique_ptr<Monitoring> monitoring_;     // null: off
  // The recent events of each series, for models that read a series' past;
  // they come with the sensor stream, so null when monitoring is off.
  std::unique_ptr<SeriesHistories> histories_;
  std::unique_ptr<ContractCheck> contract_;    // null: none
  std::unique_ptr<ReplyPublisher> replies_;
  std::unique_ptr<RequestPipeline> pipeline_;
  std::unique_ptr<ModelWatcher> watcher_;
  std::unique_ptr<MessageRouter> router_;
  std::unique_ptr<RequestWorker> worker_;
  std::unique_ptr<StatsPublisher> stats_publisher_;
  std::unique_ptr<mq::StreamSubscriber> sensors_;  // null: monitoring is off
  std::unique_ptr<MetricsEndpoint> metrics_;
  // Last, so that it goes first: no message arrives for the parts above once they go.
  std::unique_ptr<mq::Client> client_;
};

}  // namespace edgeml::serve
