// Keeps a server's models current, on a thread of its own so that a slow
// load never holds up a reply: installs each deployment package as it comes
// (deployment.h: checked against the node's trust policy, written beside the
// serving files, and reported on the node_deployments_topic()), and
// reloads when the model directory changes under it. Every load happens
// beside the serving set and is swapped in whole (ModelRegistry), so a
// request never waits on a load or sees a model missing.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include "core/bounded_queue.h"
#include "mqtt/client.h"
#include "serve/deploy_package.h"
#include "serve/jobs.h"
#include "serve/model_set.h"
#include "serve/server_counts.h"
#include "serve/server_options.h"

namespace edgeml::serve {

class ModelWatcher {
 public:
  // Called after each reload with how long it took.
  using Reloaded = std::function<void(double seconds)>;

  ModelWatcher(const ServerOptions& options, ModelRegistry& registry, mq::Client& client, ServerCounters& counts,
               Reloaded reloaded);
  ~ModelWatcher();  // stop()

  // Where the router puts deployment packages.
  BoundedQueue<DeploymentJob>& deployments() { return deployments_; }
  void start();
  // Ends the thread after the deployment or load under way.
  void stop();

 private:
  void watch();
  void reload(const char* why);
  void deploy(const DeploymentJob& job);
  // Applies a package that passed decode_package; throws Error with the reason it cannot.
  void apply(const ModelPackage& package);
  void report(const std::string& model, const std::string& version, const std::string& result,
              const std::string& reason);

  const ServerOptions& options_;
  ModelRegistry& registry_;
  mq::Client& client_;
  ServerCounters& counts_;
  Reloaded reloaded_;
  BoundedQueue<DeploymentJob> deployments_{16};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace edgeml::serve
