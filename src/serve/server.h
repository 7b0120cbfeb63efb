// The inference server: answers prediction requests from MQTT with every
// model of a directory, and picks up changes to that directory by itself.
//
// Paho's receive thread only copies each request into a bounded queue; one
// worker parses it, runs the models and publishes the reply, so a slow reply
// never holds up the network thread, and a full queue makes the receive
// thread wait (up to a second) instead of growing. The worker takes what
// waits in the queue, up to kMaxBatch requests, and runs each model on all
// of them in a row; alone, a request is answered as soon as it comes.
// The directory is polled; a change loads the new models beside the old and
// swaps them in whole (ModelRegistry), so a request never waits on a load or
// sees a model missing. Loads (with their probe inferences, model_budget.h)
// run on the thread that watches the directory; the stats are published by a
// thread of their own, so that a slow load or deployment never delays them.
//
// Topics: requests on request/+/+/+ ($share/GROUP/request/+/+/+ with a group,
// so the servers of a group share the load); replies on the request's MQTT 5
// Response Topic with its Correlation Data when it has one, else on
// predict/{station}/{datapoint}/{alarm}, at QoS 0; a retained "online" on
// edgeml/nodes/{node}/status, turned "offline" by the Last Will or a clean stop.
// Deployments (deployment.h) arrive on edgeml/deploy/...; the thread that
// watches the directory installs them through the same load-and-swap path
// and reports each outcome on edgeml/nodes/{node}/deployments.
//
// Monitoring (unless turned off): the server also listens to the sensor
// stream, alarm/+/+/+, through the same queue, and scores the predictions it
// made against the events as they arrive (online_accuracy.h). An event does
// not wake the worker unless kMaxBatch jobs wait: it is scored with the
// next request or within the worker's 100 ms wait. An accuracy
// alert raised or cleared is logged and published on
// edgeml/nodes/{node}/alerts; the figures go out with the stats and /metrics.
// Every request is also inspected for data quality (core/data_quality.h,
// against the training statistics of DIR/manifest.json when it has them): a
// flagged or dropped one is reported on edgeml/dq/{series} (quality_report.h,
// at most once a second per series),
// and a dropped one is answered with an error reply giving the reasons
// instead of predictions.
//
// With a service contract (service_contract.h), each stats interval also
// judges its bounds (contract_monitor.h); each violation raised or cleared
// is logged and published on edgeml/contracts/{node}/violations. The
// contract file is read again when it changes; a wrong one is logged and
// the one before stays.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/bounded_queue.h"
#include "quality/data_quality.h"
#include "quality/quality_report.h"
#include "mqtt/client.h"
#include "serve/contract_monitor.h"
#include "serve/deploy_package.h"
#include "core/latency_summary.h"
#include "serve/model_set.h"
#include "serve/online_accuracy.h"
#include "protocol/reply.h"
#include "protocol/request.h"
#include "serve/server_counts.h"

namespace edgeml::serve {

struct ServerOptions {
  mq::ConnectionOptions connection;
  std::filesystem::path models_dir;
  std::string node;   // this server's name in replies and status topics
  std::string group;  // empty: every request reaches this server
  // Replies go to a request's Response Topic only when it matches this filter
  // (and is a topic one may publish on): otherwise any client could make the
  // server publish where it likes.
  std::string response_filter = "#";
  std::size_t queue_capacity = 1024;
  // A request that waited longer than this in the queue is answered with an
  // error instead: its requester has likely given up (edgeml request waits
  // 5 s), and answering it would only delay the fresh ones. 0: no deadline.
  std::chrono::microseconds request_deadline{std::chrono::seconds(5)};
  std::chrono::milliseconds reload_poll{500};
  std::chrono::milliseconds stats_interval{5000};  // edgeml/nodes/{node}/stats (node_stats.h)
  // /metrics and /healthz over HTTP on metrics_host:metrics_port (0: a free
  // port; negative: none).
  std::string metrics_host = "127.0.0.1";
  int metrics_port = -1;
  // Answers every request with empty predictions, running no model: the same
  // path otherwise, as the baseline that bench/serve measures the server against.
  bool null_responder = false;
  // Score predictions against the sensor stream (and, off, subscribe to nothing more).
  bool monitoring = true;
  // The widest SIMD vectors the models' kernels may use (runtime's
  // KernelOptions; results are bitwise the same at any width). 128 by
  // default: wider arithmetic slowed the server's whole round trip more than
  // it sped the models (bench/README.md, bench_serve); 0 lets each kernel
  // pick the widest that pays.
  runtime::KernelOptions kernels{128};
  // What each model and all of them together may take (model_budget.h).
  ModelBudgets budgets;
  OnlineAccuracyOptions accuracy;
  std::filesystem::path quality_config;  // JSON (data_quality_config.h); empty: the defaults
  std::filesystem::path contract;        // JSON (service_contract.h); empty: none
  // Which deployment packages are taken (deploy_package.h): by default none,
  // as no key is trusted. A package signed before the one installed is
  // refused unless allow_downgrade.
  PackagePolicy deploy_policy;
  bool allow_downgrade = false;
};
struct NodeStats;
class MetricsEndpoint;

// The topic a server's status is kept on.
std::string node_status_topic(const std::string& node);
// Where its accuracy alerts go.
std::string node_alerts_topic(const std::string& node);
// Where its contract violations go.
std::string contract_violations_topic(const std::string& node);

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

  ServerCounts counts() const;
  // Counts, queue and latency since start, as stats and /metrics give them.
  NodeStats stats();
  // Connected to the broker with at least one model loaded; else why not.
  bool healthy(std::string& why) const;
  // The port /metrics listens on, or -1.
  int metrics_port() const;
  std::shared_ptr<const ModelSet> models() const { return registry_.current(); }
  const OnlineAccuracy& accuracy() const { return accuracy_; }
  const DataQualityMonitor* quality() const { return quality_.get(); }
  const ContractMonitor* contract() const { return contract_.get(); }  // null: none

 private:
  struct Job {
    std::string topic, payload, response_topic, correlation_data;
    std::chrono::steady_clock::time_point received;
  };
  struct Deployment {
    std::string topic, payload;
    std::size_t refused_size = 0;  // the payload's size when over the cap (and not copied)
  };
  struct InferenceTimes {
    LatencySummary all, interval;  // as latency_ and latency_interval_
  };
  // Requests the worker takes from the queue at once, when that many wait:
  // each model then runs on all of them in a row, while its weights are in
  // the cache (bench/README.md, bench_serve: the worker answers in batches).
  static constexpr std::size_t kMaxBatch = 16;
  // One request of a batch, from reading it to its reply.
  struct Answering {
    Request request;
    std::vector<Status> statuses;      // per model
    std::vector<ModelAnswer> answers;  // per model; views of the statuses' reasons
    std::vector<LatencySummary::Duration> inference;  // per model
  };
  // The worker's storage, reused from batch to batch.
  struct Scratch {
    std::vector<Job> jobs = std::vector<Job>(kMaxBatch);
    std::vector<Answering> answering = std::vector<Answering>(kMaxBatch);
    std::vector<std::size_t> ready;  // the jobs the models run on
    std::string reply;
    AlarmEvent event;
    std::vector<AccuracyAlert> alerts;
    // Per model of timed_set, in its order, where its times are kept. The set
    // is held so that its address cannot be reused by a later one.
    std::shared_ptr<const ModelSet> timed_set;
    std::vector<InferenceTimes*> times;
    QualityRecord quality_record;
    QualityVerdict verdict;
  };

  void on_message(const mq::Message& message);
  void work();
  void keep_models();
  // Publishes the stats every stats_interval until stopped.
  void report_stats();
  void publish_stats();
  void reload(const char* why);
  void deploy(const Deployment& deployment);
  // Applies a package that passed decode_package; throws Error with the reason it cannot.
  void apply_package(const ModelPackage& package);
  void report_deployment(const std::string& model, const std::string& version, const std::string& result,
                         const std::string& reason);
  // Copies the message into the queue; wakes the worker once `wake_at` jobs wait.
  bool enqueue(const mq::Message& message, std::size_t wake_at = 1);
  void refuse_overloaded(const mq::Message& message);
  // The jobs [0, count) of scratch.jobs, requests and events.
  void handle_batch(std::size_t count, Scratch& scratch);
  // Reads a request; false when it has been answered with an error reply.
  bool prepare(const Job& job, Answering& answering, Scratch& scratch);
  void run_models(const std::shared_ptr<const ModelSet>& set, Scratch& scratch);
  void send_answer(const Job& job, Answering& answering, Scratch& scratch);
  // Points scratch.times at the timings of each model of `set`.
  void find_times(const std::shared_ptr<const ModelSet>& set, Scratch& scratch);
  void score(const Job& job, Scratch& scratch);
  // Inspects a request (read or not) and reports findings; false when it is
  // to be answered with an error reply instead of predictions.
  bool inspect_request(const Job& job, const Status& parsed, const Request& request, Scratch& scratch);
  void refresh_quality_reference();
  void publish_alert(const AccuracyAlert& alert);
  // The contract file, checked against what this server measures.
  ServiceContract read_contract() const;
  // Reads the contract again if its file changed, then judges it on `now`.
  void judge_contract(NodeStats& now);
  void publish_violation(const ContractChange& change);
  // To the request's Response Topic, or to `topic_when_none` made on demand.
  template <typename MakeTopic>
  void publish_reply(const Job& job, const std::string& reply, MakeTopic topic_when_none);

  ServerOptions options_;
  ModelRegistry registry_;
  BoundedQueue<Job> queue_;
  BoundedQueue<Deployment> deployments_{16};
  std::unique_ptr<mq::Client> client_;
  std::unique_ptr<MetricsEndpoint> metrics_;
  std::atomic<bool> stopping_{false};
  std::thread worker_, watcher_, reporter_;
  std::mutex stop_mutex_;  // with stop_wake_: wakes the reporter when stopping
  std::condition_variable stop_wake_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::mutex latency_mutex_;  // the worker records, the reporter and the watcher read
  // The worker records into the interval's summaries only, which the stats
  // fold into those since the start: one record per figure and request.
  LatencySummary latency_, latency_interval_;  // since the start, up to the interval; since the last stats
  std::map<std::string, InferenceTimes, std::less<>> inference_;  // by model name; entries stay
  double last_reload_seconds_ = 0;  // the last load of the directory, beside the serving set; under latency_mutex_
  OnlineAccuracy accuracy_;
  std::unique_ptr<DataQualityMonitor> quality_;  // null: monitoring is off
  std::string quality_reference_;                // the statistics it has, as JSON; the watcher's
  QualityReportGate report_gate_;                // the worker's
  std::atomic<std::int64_t> last_event_ns_{-1};  // steady clock; none yet
  std::unique_ptr<ContractMonitor> contract_;    // null: none
  std::filesystem::file_time_type contract_written_;
  std::unique_ptr<NodeStats> contract_interval_start_;  // the reporter's, as is contract_written_
  struct AtomicCounts {
    std::atomic<std::uint64_t> requests{0}, replies{0}, errors{0}, overloaded{0}, reloads{0}, deployments{0};
    std::atomic<std::uint64_t> replies_refused{0};  // Response Topic outside --response-filter
    std::atomic<std::uint64_t> events{0}, events_unreadable{0}, events_dropped{0}, accuracy_alerts{0};
    std::atomic<std::uint64_t> quality_dropped{0}, timed_out{0};
  } counts_;
};

}  // namespace edgeml::serve
