#include "serve/stats_publisher.h"

#include <spdlog/spdlog.h>

#include "core/error.h"

namespace edgeml::serve {

StatsPublisher::StatsPublisher(Sources sources, ContractCheck* contract, std::string node,
                               std::chrono::milliseconds interval, mq::Client& client)
    : sources_(std::move(sources)), contract_(contract), node_(std::move(node)), interval_(interval), client_(client) {}

StatsPublisher::~StatsPublisher() { stop(); }

void StatsPublisher::start() {
  thread_ = std::thread([this] { publish_every_interval(); });
}

void StatsPublisher::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void StatsPublisher::publish_every_interval() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    publish();
    lock.lock();
    wake_.wait_for(lock, interval_, [this] { return stopping_ || now_; });
    now_ = false;
  }
}

void StatsPublisher::publish_now() {
  {
    std::lock_guard lock(mutex_);
    now_ = true;
  }
  wake_.notify_all();
}

void StatsPublisher::publish() {
  NodeStats now = sources_.take();
  sources_.start_interval();
  const std::shared_ptr<const ModelSet> models = sources_.models();
  if (contract_) contract_->judge(now, *models);
  try {
    client_.publish(node_stats_topic(node_), node_stats_json(now, *models), 0, true);
  } catch (const Error& e) {
    spdlog::debug("stats not sent: {}", e.what());
  }
}

}  // namespace edgeml::serve
