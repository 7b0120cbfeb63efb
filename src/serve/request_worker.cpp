#include "serve/request_worker.h"

#include <chrono>

#include "serve/monitoring.h"

namespace edgeml::serve {

namespace {

using namespace std::chrono_literals;

// How long the worker waits for a request before checking whether to stop.
constexpr auto kWorkerWait = 100ms;

}  // namespace

RequestWorker::RequestWorker(BoundedQueue<RequestJob>& queue, RequestPipeline& pipeline, ReplyPublisher& replies,
                             Monitoring* monitoring, ServingFigures& figures, ServerCounters& counts)
    : queue_(queue),
      pipeline_(pipeline),
      replies_(replies),
      monitoring_(monitoring),
      figures_(figures),
      counts_(counts),
      jobs_(RequestPipeline::kMaxBatch),
      outcomes_(RequestPipeline::kMaxBatch) {}

RequestWorker::~RequestWorker() { stop(); }

void RequestWorker::start() {
  thread_ = std::thread([this] { answer_until_closed(); });
}

void RequestWorker::stop() {
  queue_.close();
  if (thread_.joinable()) thread_.join();
}

void RequestWorker::answer_until_closed() {
  while (true) {
    if (!queue_.pop(jobs_[0], kWorkerWait)) {
      if (queue_.closed()) return;
      continue;
    }
    std::size_t count = 1;
    while (count < jobs_.size() && queue_.pop(jobs_[count], 0ms)) ++count;
    pipeline_.answer(std::span(jobs_).first(count), outcomes_);
    for (std::size_t i = 0; i < count; ++i) conclude(jobs_[i], outcomes_[i]);
  }
}

void RequestWorker::conclude(const RequestJob& job, RequestOutcome& outcome) {
  count(outcome);
  if (monitoring_) monitoring_->record(outcome);
  replies_.publish(job, outcome.reply, outcome.was_read() ? &outcome.request.series : nullptr);
  if (outcome.result == RequestOutcome::Result::answered)
    figures_.record(pipeline_.models_used(), std::chrono::steady_clock::now() - job.received, outcome.inference);
}

void RequestWorker::count(const RequestOutcome& outcome) {
  switch (outcome.result) {
    case RequestOutcome::Result::answered: ++counts_.replies; return;
    case RequestOutcome::Result::timed_out: ++counts_.timed_out; return;
    case RequestOutcome::Result::unreadable: ++counts_.errors; return;
    case RequestOutcome::Result::refused_by_quality: ++counts_.quality_dropped; return;
  }
}

}  // namespace edgeml::serve
