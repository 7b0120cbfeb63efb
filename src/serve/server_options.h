// What an edge server is told when it starts (edgeml serve's options).
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "mqtt/connection.h"
#include "protocol/topics.h"
#include "runtime/kernels/kernel.h"
#include "serve/deploy_package.h"
#include "serve/model_budget.h"
#include "serve/online_accuracy.h"

namespace edgeml::serve {

struct ServerOptions {
  mq::ConnectionOptions connection;
  std::chrono::milliseconds connect_timeout{30000};  // of the first connection, retried with backoff
  std::filesystem::path models_dir;
  std::string node;   // this server's name in replies and status topics
  std::string group;  // empty: every request reaches this server
  // Requests on topics this filter matches are answered (under request/; a
  // cluster's application may take a part of them, such as one station's).
  std::string request_filter{kRequestFilter};
  // Requests on topics these filters match are left to other servers.
  std::vector<std::string> request_excludes;
  // A cluster's replica: a request that finds the queue full is published
  // under this prefix (its topic after it) for the group's other replicas,
  // which subscribe to it; only one handed over already is refused as
  // overloaded. Empty: none.
  std::string handoff_prefix;
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
  std::chrono::milliseconds stats_interval{5000};  // between stats messages (node_stats.h)
  // /metrics and /healthz over HTTP on metrics_host:metrics_port (0: a free
  // port; negative: none).
  std::string metrics_host = "127.0.0.1";
  int metrics_port = -1;
  // Answers every request with empty predictions, running no model: the same
  // path otherwise, as the baseline that bench/serve measures the server against.
  bool null_responder = false;
  // Score predictions against the sensor stream and inspect each request's
  // data quality; off, the server subscribes to nothing more than requests.
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

}  // namespace edgeml::serve
