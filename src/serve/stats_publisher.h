// Publishes a server's stats (node_stats.h) every interval, retained, on a
// thread of its own so that a slow load or deployment never delays them;
// judges the service contract on each before it goes.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "mqtt/client.h"
#include "serve/contract_check.h"
#include "serve/node_stats.h"

namespace edgeml::serve {

class StatsPublisher {
 public:
  struct Sources {
    std::function<NodeStats()> take;           // the stats as they are now
    std::function<void()> start_interval;      // after each take: a new interval begins
    std::function<std::shared_ptr<const ModelSet>()> models;  // served now
  };
  // `contract`: judged on every interval; null: none.
  StatsPublisher(Sources sources, ContractCheck* contract, std::string node, std::chrono::milliseconds interval,
                 mq::Client& client);
  ~StatsPublisher();  // stop()

  void start();
  void stop();
  // Publishes at once instead of at the end of the interval (which starts
  // anew): after a reload, so that whoever waits for the models (a cluster
  // node, for its replica) learns of them now.
  void publish_now();

 private:
  void publish_every_interval();
  void publish();

  const Sources sources_;
  ContractCheck* const contract_;
  const std::string node_;
  const std::chrono::milliseconds interval_;
  mq::Client& client_;
  std::mutex mutex_;  // with wake_: stop() and publish_now() wake the thread
  std::condition_variable wake_;
  bool stopping_ = false;
  bool now_ = false;
  std::thread thread_;
};

}  // namespace edgeml::serve
