// The thread that answers requests: it takes what waits in the request queue
// (up to a batch; alone, a request is answered as soon as it comes), runs it
// through the request pipeline, and then, outcome by outcome in the order
// the requests came: counts it, tells the monitoring, publishes the reply
// (once), and records its latency.
#pragma once

#include <atomic>
#include <thread>
#include <vector>

#include "core/bounded_queue.h"
#include "serve/jobs.h"
#include "serve/reply_publisher.h"
#include "serve/request_pipeline.h"
#include "serve/server_counts.h"
#include "serve/serving_figures.h"

namespace edgeml::serve {

class Monitoring;

class RequestWorker {
 public:
  // `monitoring`: null when off.
  RequestWorker(BoundedQueue<RequestJob>& queue, RequestPipeline& pipeline, ReplyPublisher& replies,
                Monitoring* monitoring, ServingFigures& figures, ServerCounters& counts);
  ~RequestWorker();  // stop()

  void start();
  // Answers what is queued, once the queue is closed, then ends.
  void stop();

 private:
  void answer_until_closed();
  void conclude(const RequestJob& job, RequestOutcome& outcome);
  void count(const RequestOutcome& outcome);

  BoundedQueue<RequestJob>& queue_;
  RequestPipeline& pipeline_;
  ReplyPublisher& replies_;
  Monitoring* const monitoring_;
  ServingFigures& figures_;
  ServerCounters& counts_;
  std::vector<RequestJob> jobs_;
  std::vector<RequestOutcome> outcomes_;
  std::thread thread_;
};

}  // namespace edgeml::serve
