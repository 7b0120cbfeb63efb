// The typed jobs the message router makes of what arrives, one kind per
// consumer: requests for the request worker, deployments for the model watcher.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace edgeml::serve {

// A prediction request as it came, waiting for the request worker.
struct RequestJob {
  std::string topic, payload;
  // MQTT 5 request/response: where to answer and what to return; empty: none.
  std::string response_topic, correlation_data;
  std::chrono::steady_clock::time_point received;
};

// A deployment package as it came, waiting for the model watcher.
struct DeploymentJob {
  std::string topic, payload;
  std::size_t refused_size = 0;  // the payload's size when over the cap (and then not copied)
};

}  // namespace edgeml::serve
