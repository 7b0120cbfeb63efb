// edgeml serve: answer prediction requests over MQTT with every model of a
// directory, reloading it when it changes.
#include <chrono>
#include <filesystem>
#include <memory>
#include <thread>

#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/common.h"
#include "cli/layered_options.h"
#include "cli/service_manager.h"
#include "cluster/cluster_node.h"
#include "cluster/node_resources.h"
#include "core/logging.h"
#include "core/error.h"
#include "protocol/topics.h"
#include "serve/server.h"

namespace edgeml::cli {

namespace {

struct ServeArgs {
  mq::ClientOptions client;
  serve::ServerOptions server;
  int reload_poll_ms = 500;
  double deadline_ms = 5000;
  double stats_interval_s = 5;
  std::string metrics_port_file;
  bool no_monitoring = false;
  std::vector<std::filesystem::path> deploy_keys;
  double model_macs = 50e6, node_macs = 200e6;  // multiply-adds per inference (budgets; "5e7" is taken)
  double probe_timeout_s = 2;
  // --cluster: this process is a node of that cluster (cluster/cluster_node.h)
  // and its replicas are `edgeml serve` children given --replica-of.
  std::string cluster, labels, capacity, replica_of, replica_requests;
  std::vector<std::string> replica_excludes;
};

ServeArgs parse_serve_again();

// A cluster node's replica of one application: named after the node and the
// application, sharing the application's requests with its other replicas,
// with models of its own under the node's --models.
void make_replica(ServeArgs& args) {
  if (args.cluster.empty()) throw Error("--replica-of is for the replicas a node of a --cluster starts");
  args.server.node = cluster_replica_node(args.server.node, args.replica_of);
  args.server.group = cluster_group(args.cluster, args.replica_of);
  args.server.request_filter = args.replica_requests.empty() ? std::string(kRequestFilter) : args.replica_requests;
  args.server.request_excludes = args.replica_excludes;
  args.server.handoff_prefix = cluster_handoff_prefix(args.cluster, args.replica_of);
  args.server.models_dir /= args.replica_of;
  std::filesystem::create_directories(args.server.models_dir);
  args.client.connection.client_id.clear();  // each replica is a client of its own
  if (args.server.metrics_port > 0) args.server.metrics_port = 0;
  args.metrics_port_file.clear();
}

serve::ServerOptions server_options(ServeArgs& args) {
  if (args.server.node.empty()) args.server.node = host_name();
  if (!args.replica_of.empty()) make_replica(args);
  args.server.connection = args.client.connection;
  args.server.connect_timeout = args.client.connect_timeout;
  args.server.reload_poll = std::chrono::milliseconds(args.reload_poll_ms);
  args.server.request_deadline = std::chrono::microseconds(static_cast<long>(args.deadline_ms * 1000));
  args.server.stats_interval = std::chrono::milliseconds(static_cast<long>(args.stats_interval_s * 1000));
  args.server.budgets.per_model.multiply_adds = static_cast<std::uint64_t>(args.model_macs);
  args.server.budgets.node.multiply_adds = static_cast<std::uint64_t>(args.node_macs);
  args.server.budgets.probe_limit = std::chrono::milliseconds(static_cast<long>(args.probe_timeout_s * 1000));
  args.server.monitoring = !args.no_monitoring;
  args.server.deploy_policy.keys.clear();
  for (const auto& key : args.deploy_keys) args.server.deploy_policy.keys.push_back(serve::TrustedKey::read(key));
  if (args.server.deploy_policy.keys.empty() && !args.server.deploy_policy.allow_unsigned)
    spdlog::info("no --deploy-key: this node refuses every deployment (--allow-unsigned-deploy takes unsigned ones)");
  return args.server;
}

std::unique_ptr<serve::Server> start_server(ServeArgs& args) {
  auto server = std::make_unique<serve::Server>(server_options(args));
  if (!args.metrics_port_file.empty()) write_port_file(args.metrics_port_file, server->metrics_port());
  notify_ready(fmt::format("serving {} as node {}", args.server.models_dir.string(), args.server.node));
  return server;
}

// SIGHUP: the command line is parsed again with the environment and the
// config file as they are now, and the server restarts with the result
// (models, contract and quality settings are read anew; the counters start
// again). A configuration that does not parse, or a server that does not
// start with it, leaves the previous one serving.
void reload(std::unique_ptr<serve::Server>& server, ServeArgs& args) {
  notify_reloading();
  ServeArgs fresh;
  try {
    fresh = parse_serve_again();
  } catch (const std::exception& e) {
    spdlog::error("reload: {}; still serving with the previous configuration", e.what());
    notify_ready("serving; the last reload failed");
    return;
  }
  server->stop();
  server.reset();
  try {
    server = start_server(fresh);
    args = std::move(fresh);
    spdlog::info("reloaded the configuration");
  } catch (const std::exception& e) {
    spdlog::error("reload: {}; serving with the previous configuration again", e.what());
    server = start_server(args);
  }
}

void print_counts(serve::Server& server) {
  serve::ServerCounts n = server.counts();
  fmt::print("served {} request(s): {} answered, {} error replies, {} refused as overload, {} past the deadline; "
             "{} model reload(s)\n",
             n.requests, n.replies, n.errors, n.overloaded, n.timed_out, n.reloads);
  if (n.replies_refused > 0)
    fmt::print("{} reply(s) not sent: their Response Topic was outside --response-filter or had wildcards\n",
               n.replies_refused);
  if (const serve::OnlineAccuracy* accuracy = server.accuracy()) {
    serve::OnlineAccuracyCounts a = accuracy->counts();
    fmt::print("scored {} answered request(s) against {} sensor event(s); {} accuracy alert(s)\n", a.scored, n.events,
               n.accuracy_alerts);
  }
  if (const serve::ContractMonitor* contract = server.contract()) {
    serve::ContractSnapshot c = contract->snapshot();
    std::size_t active = 0;
    for (const serve::ContractState& st : c.states) active += st.violated ? 1 : 0;
    fmt::print("service contract {}: {} violation(s) raised, {} still standing\n", c.name, c.violations, active);
  }
}

// `edgeml serve --cluster NAME`: a node of the cluster. Its replicas run this
// same command line, each with --replica-of APP added.
void run_cluster_node(ServeArgs& args) {
  cluster::ClusterNodeOptions o;
  o.client = args.client;
  o.cluster = args.cluster;
  o.node = args.server.node.empty() ? host_name() : args.server.node;
  o.labels = cluster::parse_labels(args.labels);
  o.capacity = cluster::parse_capacity(args.capacity, cluster::measured_resources());
  o.interval = std::chrono::milliseconds(static_cast<long>(args.stats_interval_s * 1000));
  server_options(args);  // reads the deployment keys
  o.policy = args.server.deploy_policy;
  o.serve_command = {std::filesystem::read_symlink("/proc/self/exe").string()};
  o.serve_command.insert(o.serve_command.end(), g_arguments.begin(), g_arguments.end());
  cluster::ClusterNode node(std::move(o));
  notify_ready(fmt::format("node {} of cluster {}", args.server.node, args.cluster));
  install_reload_handler();  // SIGHUP would otherwise end the node
  while (!g_stop) {
    if (g_reload.exchange(false))
      spdlog::warn("a cluster node does not reload its configuration; restart it (its replicas move meanwhile)");
    node.step();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  notify_stopping();
  node.leave();
}

void run_serve(ServeArgs& args) {
  install_stop_handlers();
  if (!args.cluster.empty() && args.replica_of.empty()) return run_cluster_node(args);
  install_reload_handler();
  std::unique_ptr<serve::Server> server = start_server(args);
  while (!g_stop) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    server->recover_if_stuck();
    if (g_reload.exchange(false)) reload(server, args);
  }
  notify_stopping();
  server->stop();
  print_counts(*server);
}

// Defaults for a Raspberry-Pi-class node: see serve/model_budget.h.
void add_budget_options(CLI::App& cmd, ServeArgs& args) {
  serve::ModelBudgets& budgets = args.server.budgets;
  cmd.add_option("--model-arena-budget", budgets.per_model.arena_bytes,
                 "most memory one model's tensors may take (default 64MiB: some 16M floats of weights "
                 "and activations; the tutorial's models take a few KiB)")
      ->transform(CLI::AsSizeValue(true));
  cmd.add_option("--node-arena-budget", budgets.node.arena_bytes,
                 "most memory all the models' tensors may take together (default 256MiB, a quarter of a 1 GiB "
                 "Raspberry Pi); a model that would take the node over is refused, an older version keeps serving")
      ->transform(CLI::AsSizeValue(true));
  cmd.add_option("--model-mac-budget", args.model_macs,
                 "most multiply-adds one inference of one model may take (default 5e7: some 50 ms "
                 "on one core of a Raspberry Pi 4; the tutorial's models take a few hundred)")
      ->check(CLI::Range(1.0, 1e18));
  cmd.add_option("--node-mac-budget", args.node_macs,
                 "most multiply-adds one inference of every model together may take (default 2e8: a request "
                 "answered by all of them in some 200 ms)")
      ->check(CLI::Range(1.0, 1e18));
  cmd.add_option("--probe-timeout", args.probe_timeout_s,
                 "seconds a model's probe inference may take as it loads, or it is refused (judged when the "
                 "probe ends; the multiply-add budget bounds how long it runs)")
      ->check(CLI::Range(0.001, 3600.0))
      ->capture_default_str();
}

void add_serve_options(CLI::App* cmd, ServeArgs* args) {
  add_connection_options(*cmd, args->client);
  cmd->add_option("--models", args->server.models_dir, "directory of .tflite/.onnx files (and manifest.json)")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--node", args->server.node, fmt::format("this server's name in replies and on {} (default: the host name)",
                                                           node_status_topic("NODE")));
  cmd->add_option("--group", args->server.group, "share requests with the other servers of this group ($share)");
  cmd->add_option("--queue", args->server.queue_capacity, "requests held between receiving and answering")
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
  cmd->add_option("--deadline-ms", args->deadline_ms,
                  "a request that waited longer in the queue is answered with an error instead (0: no deadline)")
      ->check(CLI::Range(0.0, 3600000.0))
      ->capture_default_str();
  cmd->add_option("--reload-poll-ms", args->reload_poll_ms, "how often the model directory is checked for changes")
      ->check(CLI::Range(10, 600000))
      ->capture_default_str();
  cmd->add_option("--metrics-port", args->server.metrics_port,
                  "serve /metrics (Prometheus) and /healthz over HTTP on this port (0: a free one)")
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--metrics-host", args->server.metrics_host, "address for --metrics-port")->capture_default_str();
  cmd->add_option("--metrics-port-file", args->metrics_port_file, "write the metrics port to this file");
  cmd->add_option("--stats-interval", args->stats_interval_s, fmt::format("seconds between {} messages", node_stats_topic("NODE")))
      ->check(CLI::Range(0.1, 3600.0))
      ->capture_default_str();
  cmd->add_option("--max-vector-bits", args->server.kernels.max_vector_bits,
                  "widest SIMD vectors the models' kernels may use: 128, 256, 512, or 0 for the CPU's widest "
                  "(the results are the same; 128 kept the round trip shortest, see server.h)")
      ->check(CLI::IsMember({0u, 128u, 256u, 512u}))
      ->capture_default_str();
  cmd->add_flag("--null-responder", args->server.null_responder,
                "answer every request with empty predictions without running a model (a baseline for benchmarks)");
  auto* no_monitoring =
      cmd->add_flag("--no-monitoring", args->no_monitoring, fmt::format("do not listen to {} to score predictions", kAlarmSeriesFilter));
  cmd->add_option("--accuracy-window", args->server.accuracy.window,
                  "scored predictions in each model's rolling online MAE")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str()
      ->excludes(no_monitoring);
  cmd->add_option("--accuracy-alert", args->server.accuracy.alert_multiple,
                  "alert when a model's rolling online MAE exceeds this multiple of its test MAE")
      ->check(CLI::PositiveNumber)
      ->capture_default_str()
      ->excludes(no_monitoring);
  cmd->add_option("--quality-config", args->server.quality_config,
                  "data-quality checks and policies of requests (JSON); default: every check, range and drift "
                  "against the training statistics in MODELS/manifest.json")
      ->check(CLI::ExistingFile)
      ->excludes(no_monitoring);
  cmd->add_option("--contract", args->server.contract,
                  fmt::format("service contract (JSON): bounds on latency, error rate, data-quality pass share, freshness "
                              "and online MAE; violations go to {} (read again when it changes)",
                              contract_violations_topic("NODE")))
      ->check(CLI::ExistingFile);
  cmd->add_option("--remember", args->server.accuracy.remembered,
                  "answered requests remembered until their event arrives (the oldest are forgotten)")
      ->check(CLI::Range(1, 10000000))
      ->capture_default_str()
      ->excludes(no_monitoring);
  cmd->add_option("--deploy-key", args->deploy_keys,
                  "take deployments signed by this Ed25519 public key (edgeml keys new; repeatable)")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--allow-unsigned-deploy", args->server.deploy_policy.allow_unsigned,
                "also take unsigned deployment packages and bare empty undeploy messages (any client of the "
                "broker may then change this node's models)");
  cmd->add_option("--response-filter", args->server.response_filter,
                  fmt::format("reply on a request's MQTT 5 Response Topic only when it matches this filter "
                              "(e.g. {}); others get no reply",
                              kAllResponsesFilter))
      ->capture_default_str();
  cmd->add_flag("--allow-downgrade", args->server.allow_downgrade,
                "take a signed package signed before the one installed (a replay of an older version)");
  cmd->add_option("--max-package-bytes", args->server.deploy_policy.max_bytes,
                  "largest deployment package taken; larger ones are refused before they are read")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 31))
      ->capture_default_str();
  add_budget_options(*cmd, *args);
  cmd->add_option("--cluster", args->cluster,
                  "join this edge cluster: serve the applications its placement gives this node (docs/cluster.md)");
  cmd->add_option("--labels", args->labels, "with --cluster: this node's labels, k=v,... (arch is measured when not given)");
  cmd->add_option("--capacity", args->capacity,
                  "with --cluster: what replicas may take here, cores=N,memory=SIZE (measured when not given)");
  cmd->add_option("--replica-of", args->replica_of)->group("");  // set by a cluster node for its replicas
  cmd->add_option("--replica-requests", args->replica_requests)->group("");
  cmd->add_option("--replica-excludes", args->replica_excludes)->group("");
}

ServeArgs parse_serve_again() {
  CLI::App app{"edgeml"};
  std::string log_level = "info";
  app.add_option("--log-level", log_level)->envname("EDGEML_LOG_LEVEL");
  ServeArgs fresh;
  add_serve_options(app.add_subcommand("serve"), &fresh);
  add_layered_options(app);
  std::vector<std::string> reversed(g_arguments.rbegin(), g_arguments.rend());  // CLI11 takes them last first
  app.parse(reversed);
  setup_logging(log_level);
  return fresh;
}

}  // namespace

void add_serve_command(CLI::App& app) {
  auto args = std::make_shared<ServeArgs>();
  auto* cmd = app.add_subcommand("serve", "answer prediction requests over MQTT with every model in a directory");
  add_serve_options(cmd, args.get());
  cmd->callback([args] { run_serve(*args); });
}

}  // namespace edgeml::cli
