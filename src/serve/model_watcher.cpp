#include "serve/model_watcher.h"

#include <sys/stat.h>

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "core/bounded_json.h"
#include "core/error.h"
#include "protocol/topics.h"
#include "serve/deployment.h"
#include "serve/model_set_log.h"

namespace edgeml::serve {

namespace {

namespace fs = std::filesystem;

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

}  // namespace

ModelWatcher::ModelWatcher(const ServerOptions& options, ModelRegistry& registry, mq::Client& client,
                           ServerCounters& counts, Reloaded reloaded)
    : options_(options), registry_(registry), client_(client), counts_(counts), reloaded_(std::move(reloaded)) {}

ModelWatcher::~ModelWatcher() { stop(); }

void ModelWatcher::start() {
  thread_ = std::thread([this] { watch(); });
}

void ModelWatcher::stop() {
  stopping_ = true;
  deployments_.close();
  if (thread_.joinable()) thread_.join();
}

void ModelWatcher::watch() {
  std::uint64_t seen = directory_signature(options_.models_dir);
  DeploymentJob job;
  while (!stopping_) {
    if (deployments_.pop(job, options_.reload_poll)) {
      deploy(job);  // reloads itself when it changes the directory
      seen = directory_signature(options_.models_dir);
    }
    std::uint64_t now = directory_signature(options_.models_dir);
    if (now == seen || stopping_) continue;
    seen = now;
    reload("the model directory changed");
  }
}

void ModelWatcher::reload(const char* why) {
  try {
    spdlog::info("reloading {}: {}", options_.models_dir.string(), why);
    const auto started = std::chrono::steady_clock::now();
    log_model_set(*registry_.reload(options_.models_dir), options_.models_dir);
    reloaded_(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    ++counts_.reloads;
  } catch (const Error& e) {
    spdlog::error("reloading {}: {}; the models loaded before keep serving", options_.models_dir.string(), e.what());
  }
}

void ModelWatcher::deploy(const DeploymentJob& d) {
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
    if (std::int64_t last = last_signed_at(model, options_.models_dir);
        package.signed_at_ms < last && !package.signer.empty() && !options_.allow_downgrade)
      throw Error(fmt::format("signed at {} ms, before the package installed (signed at {} ms): a replayed older "
                              "package (edgeml serve --allow-downgrade takes it)",
                              package.signed_at_ms, last));
    apply(package);
  } catch (const std::exception& e) {  // Error, and filesystem or JSON errors
    spdlog::error("deployment of {} refused: {}", model, e.what());
    report(model, "", "refused", e.what());
  }
}

void ModelWatcher::apply(const ModelPackage& package) {
  const std::string& model = package.model;
  auto remember_signature = [&] {
    if (!package.signer.empty()) record_signed_at(package, options_.models_dir);
  };
  if (package.action == ModelPackage::Action::remove) {
    bool removed = remove_model(model, options_.models_dir);
    remember_signature();
    if (removed) reload("a model was undeployed");
    report(model, "", removed ? "removed" : "absent", "");
    return;
  }
  if (const Model* current = registry_.current()->find(model); current && current->info().version == package.version) {
    remember_signature();
    report(model, package.version, "unchanged", "this version is already serving");
    return;
  }
  install_package(package, options_.models_dir, options_.budgets, registry_.current()->cost(model));
  remember_signature();
  reload("a model was deployed");
  std::shared_ptr<const ModelSet> now = registry_.current();
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
  report(model, package.version, "installed", "");
}

void ModelWatcher::report(const std::string& model, const std::string& version, const std::string& result,
                          const std::string& reason) {
  nlohmann::json report = {{"node", options_.node}, {"model", model}, {"result", result}};
  if (!version.empty()) report["version"] = version;
  if (!reason.empty()) report["reason"] = reason;
  try {
    client_.publish(node_deployments_topic(options_.node), dump_json_replacing(report), 1);
  } catch (const Error& e) {
    spdlog::warn("deployment report not sent: {}", e.what());
  }
}

}  // namespace edgeml::serve
