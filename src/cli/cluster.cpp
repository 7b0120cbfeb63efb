// edgeml cluster apply / status: give an edge cluster its applications, and
// see where their replicas run (docs/cluster.md).
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>

#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/common.h"
#include "cluster/cluster_status.h"
#include "cluster/signed_applications.h"
#include "core/error.h"
#include "core/strict_fields.h"
#include "protocol/topics.h"
#include "serve/deployment.h"

namespace edgeml::cli {

namespace {

namespace fs = std::filesystem;

struct ClusterArgs {
  mq::ClientOptions client;
  std::string cluster;
  fs::path file, models_dir, sign_key;
  double wait_s = 0;
  bool json = false;
};

ApplicationsDocument read_file(const fs::path& file) {
  try {
    return read_applications(read_commented_json_file(file, kMaxApplicationsBytes));
  } catch (const Error& e) {
    std::string what = e.what();
    throw Error(what.starts_with(file.string()) ? what : fmt::format("{}: {}", file.string(), what));
  }
}

// Every model the applications name, from the models directory: each
// version pinned to what the directory holds, checked where the file gave one.
std::map<std::string, serve::ModelPackage> pin_models(ApplicationsDocument& doc, const fs::path& dir) {
  std::map<std::string, serve::ModelPackage> found;
  for (serve::ModelPackage& p : serve::packages_from_directory(dir)) found[p.model] = std::move(p);
  for (std::size_t i = 0; i < doc.applications.size(); ++i)
    for (ModelRef& ref : doc.applications[i].models) {
      auto it = found.find(ref.name);
      if (it == found.end())
        throw Error(fmt::format("application {}: {} holds no model {}", doc.applications[i].name, dir.string(), ref.name));
      if (!ref.version.empty() && ref.version != it->second.version)
        throw Error(fmt::format("application {}: {} holds {} version {}, not the {} the file names",
                                doc.applications[i].name, dir.string(), ref.name, it->second.version, ref.version));
      ref.version = it->second.version;
    }
  return found;
}

// The document the cluster holds now, as retained on the broker; none when
// there is none (or it cannot be read: then nothing of it is cleaned up).
std::optional<ApplicationsDocument> current_applications(mq::Client& client, const std::string& cluster) {
  struct Held {  // shared with the handler, which outlives this call (our own publish comes back)
    std::mutex mutex;
    std::optional<ApplicationsDocument> document;
  };
  auto held = std::make_shared<Held>();
  client.set_message_handler([held, cluster](std::string_view, std::string_view payload) {
    cluster::SignedApplications read;
    if (!cluster::peek_applications(payload, cluster, read)) return;
    std::lock_guard lock(held->mutex);
    if (!held->document) held->document = std::move(read.document);
  });
  client.connect();
  client.subscribe(cluster_applications_topic(cluster), 1, std::chrono::seconds(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // a retained message follows the grant at once
  std::lock_guard lock(held->mutex);
  return held->document;
}

// What the new document no longer has: an application's retained packages
// are cleared once it is gone (its replicas stop), and a model an application
// keeps running without is removed from its replicas by a removal package.
void clean_up(const ApplicationsDocument& old, const ApplicationsDocument& doc, const std::optional<serve::SigningKey>& key,
              std::int64_t signed_at, std::vector<std::pair<std::string, std::string>>& messages) {
  for (const ApplicationSpec& was : old.applications) {
    auto now = std::find_if(doc.applications.begin(), doc.applications.end(),
                            [&](const ApplicationSpec& a) { return a.name == was.name; });
    for (const ModelRef& ref : was.models) {
      std::string topic = deploy_topic("group/" + cluster_group(doc.cluster, was.name), ref.name);
      if (now == doc.applications.end()) {
        messages.emplace_back(topic, "");
        continue;
      }
      bool kept = std::any_of(now->models.begin(), now->models.end(), [&](const ModelRef& m) { return m.name == ref.name; });
      if (kept) continue;
      serve::ModelPackage removal;
      removal.action = serve::ModelPackage::Action::remove;
      removal.model = ref.name;
      messages.emplace_back(topic, key ? serve::encode_signed_package(removal, *key, signed_at) : "");
    }
  }
}

void run_apply(ClusterArgs& a) {
  ApplicationsDocument doc = read_file(a.file);
  std::string cluster = a.cluster.empty() ? doc.cluster : a.cluster;
  if (cluster.empty()) throw Error(fmt::format("{} names no \"cluster\"; give --cluster", a.file.string()));
  doc.cluster = cluster;
  fs::path models = !a.models_dir.empty() ? a.models_dir
                    : !doc.models_dir.empty() ? a.file.parent_path() / doc.models_dir
                                              : throw Error(fmt::format("{} names no \"models_dir\"; give --models", a.file.string()));
  std::map<std::string, serve::ModelPackage> packages = pin_models(doc, models);

  std::optional<serve::SigningKey> key;
  if (!a.sign_key.empty()) key = serve::SigningKey::read(a.sign_key);
  else spdlog::warn("no --sign-key: unsigned, which only nodes with --allow-unsigned-deploy take");
  const std::int64_t signed_at = unix_ms_now();
  std::vector<std::pair<std::string, std::string>> messages;
  for (const ApplicationSpec& app : doc.applications)
    for (const ModelRef& ref : app.models) {
      const serve::ModelPackage& p = packages.at(ref.name);
      messages.emplace_back(deploy_topic("group/" + cluster_group(cluster, app.name), ref.name),
                            key ? serve::encode_signed_package(p, *key, signed_at) : serve::encode_package(p));
    }
  auto& conn = a.client.connection;
  if (conn.client_id.empty()) conn.client_id = fmt::format("edgeml-cluster-apply-{}", ::getpid());
  mq::Client client(a.client);
  if (std::optional<ApplicationsDocument> old = current_applications(client, cluster))
    clean_up(*old, doc, key, signed_at, messages);
  // The models first, so that a replica placed by the new file finds them.
  messages.emplace_back(cluster_applications_topic(cluster),
                        key ? cluster::encode_signed_applications(doc, cluster, *key, signed_at)
                            : cluster::encode_unsigned_applications(doc, cluster, signed_at));
  publish_retained(client, messages);
  client.disconnect();
  fmt::print("applied {} application(s) to cluster {} ({} package message(s){})\n", doc.applications.size(), cluster,
             messages.size() - 1, key ? ", signed by key " + key->id() : ", unsigned");
}

void run_status(ClusterArgs& a) {
  if (a.cluster.empty()) throw Error("give --cluster NAME");
  auto& conn = a.client.connection;
  if (conn.client_id.empty()) conn.client_id = fmt::format("edgeml-cluster-status-{}", ::getpid());
  cluster::ClusterStatus status(a.cluster);
  std::mutex mutex;
  mq::Client client(a.client);
  client.set_message_handler([&](std::string_view topic, std::string_view payload) {
    std::lock_guard lock(mutex);
    status.take(topic, payload);
  });
  for (const std::string& filter : status.topic_filters()) client.add_subscription(filter, 1);
  install_stop_handlers();
  client.connect();
  // Retained messages come at once; --wait asks for convergence on top.
  const auto start = std::chrono::steady_clock::now();
  const auto settle = std::chrono::milliseconds(500), wait = std::chrono::milliseconds(static_cast<long>(a.wait_s * 1000));
  while (!g_stop) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto elapsed = std::chrono::steady_clock::now() - start;
    std::lock_guard lock(mutex);
    if (elapsed >= settle && (status.converged() || elapsed >= wait)) break;
  }
  client.disconnect(std::chrono::seconds(1));
  std::lock_guard lock(mutex);
  if (status.empty()) throw Error(fmt::format("nothing of cluster {} on {}:{}", a.cluster, conn.host, conn.port));
  fmt::print("{}", a.json ? status.to_json().dump() + "\n" : status.table());
  if (a.wait_s > 0 && !status.converged())
    throw Error(fmt::format("cluster {} did not converge within {} s", a.cluster, a.wait_s));
}

}  // namespace

void add_cluster_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("cluster", "an edge cluster's applications and where they run (docs/cluster.md)");
  cmd->require_subcommand(1);

  auto a = std::make_shared<ClusterArgs>();
  auto* apply = cmd->add_subcommand("apply", "publish an application file (signed, retained) and its models' packages");
  add_connection_options(*apply, a->client);
  apply->add_option("file", a->file, "the application file (JSON; docs/cluster.md)")->required()->check(CLI::ExistingFile);
  apply->add_option("--cluster", a->cluster, "the cluster (default: the file's \"cluster\")");
  apply->add_option("--models", a->models_dir, "where the models are (default: the file's \"models_dir\")")
      ->check(CLI::ExistingDirectory);
  apply->add_option("--sign-key", a->sign_key, "sign with this Ed25519 private key (edgeml keys new)")
      ->check(CLI::ExistingFile);
  apply->callback([a] { run_apply(*a); });

  auto b = std::make_shared<ClusterArgs>();
  b->client.connect_timeout = std::chrono::seconds(5);
  auto* status = cmd->add_subcommand("status", "the applications, replicas wanted and serving, and the nodes");
  add_connection_options(*status, b->client);
  status->add_option("--cluster", b->cluster, "the cluster")->required();
  status->add_flag("--json", b->json, "one JSON object instead of tables");
  status->add_option("--wait", b->wait_s, "wait up to this many seconds for the cluster to converge (exit 1 if not)")
      ->check(CLI::Range(0.0, 3600.0));
  status->callback([b] { run_status(*b); });
}

}  // namespace edgeml::cli
