// The worker: answers requests in batches of what the queue holds, and scores
// sensor events in their place among them.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/error.h"
#include "protocol/topic_filter.h"
#include "serve/server.h"

namespace edgeml::serve {

namespace {

using namespace std::chrono_literals;

// Replies go out at QoS 0, as the tutorial's did: a reply is worth nothing
// late, and a requester that misses one asks again. QoS 1 replies over
// MQTT 5 also stall in Paho C 1.3.12 once the broker's Receive Maximum (20 in
// mosquitto) of them wait for acknowledgement under load.
constexpr int kReplyQos = 0;

// How long the worker waits for a job before checking whether to stop; also
// the longest an event waits to be scored when no request comes to wake it.
constexpr auto kWorkerWait = 100ms;

// predict/... for request/...: where an answer goes without a Response Topic.
std::string answer_topic_for(std::string_view request_topic) {
  constexpr std::string_view prefix = "request/";
  if (request_topic.substr(0, prefix.size()) == prefix)
    return fmt::format("{}/{}", kReplyPrefix, request_topic.substr(prefix.size()));
  return fmt::format("{}/errors", kReplyPrefix);
}

bool is_event(const std::string& topic) { return topic.starts_with(kAlarmPrefix); }

}  // namespace

template <typename MakeTopic>
void Server::publish_reply(const Job& job, const std::string& reply, MakeTopic topic_when_none) {
  try {
    if (!job.response_topic.empty()) {
      if (is_publishable_topic(job.response_topic) && topic_matches(options_.response_filter, job.response_topic)) {
        client_->publish(job.response_topic, reply, kReplyQos, false, job.correlation_data);
        return;
      }
      // One read of the count: refusals come from Paho's thread (overload) and the worker's.
      const std::uint64_t refused = ++counts_.replies_refused;
      if (refused == 1 || refused % 1000 == 0)
        spdlog::warn("{} reply(s) not sent: the Response Topic '{}' is not under --response-filter '{}' or has "
                     "wildcards", refused, job.response_topic.substr(0, 128), options_.response_filter);
    } else
      client_->publish(topic_when_none(), reply, kReplyQos, false, job.correlation_data);
  } catch (const Error& e) {
    spdlog::warn("reply not sent: {}", e.what());
  }
}

// Paho's thread, when the queue stayed full.
void Server::refuse_overloaded(const mq::Message& m) {
  Job refused{std::string(m.topic), {}, m.response_topic, m.correlation_data, std::chrono::steady_clock::now()};
  publish_reply(refused, error_reply("server overloaded: try again later", m.topic, m.payload, options_.node),
                [&] { return answer_topic_for(m.topic); });
}

void Server::work() {
  Scratch scratch;
  std::vector<Job>& jobs = scratch.jobs;
  while (true) {
    if (!queue_.pop(jobs[0], kWorkerWait)) {
      if (stopping_) return;
      continue;
    }
    std::size_t count = 1;
    while (count < jobs.size() && queue_.pop(jobs[count], 0ms)) ++count;
    handle_batch(count, scratch);
  }
}

// The models run on every request of the batch first; then replies and
// events go in the order they came, so each event still finds every request
// that came before it remembered, and none that came after.
void Server::handle_batch(std::size_t count, Scratch& scratch) {
  scratch.ready.clear();
  for (std::size_t i = 0; i < count; ++i)
    if (!is_event(scratch.jobs[i].topic) && prepare(scratch.jobs[i], scratch.answering[i], scratch))
      scratch.ready.push_back(i);
  // Held until the replies are sent: the answers view its models' names and versions.
  const std::shared_ptr<const ModelSet> set = scratch.ready.empty() ? nullptr : registry_.current();
  if (set) run_models(set, scratch);
  std::size_t next_ready = 0;
  for (std::size_t i = 0; i < count; ++i) {
    if (is_event(scratch.jobs[i].topic)) {
      score(scratch.jobs[i], scratch);
    } else if (next_ready < scratch.ready.size() && scratch.ready[next_ready] == i) {
      send_answer(scratch.jobs[i], scratch.answering[i], scratch);
      ++next_ready;
    }
  }
}

bool Server::prepare(const Job& job, Answering& answering, Scratch& scratch) {
  if (const auto waited = std::chrono::steady_clock::now() - job.received;
      options_.request_deadline.count() > 0 && waited > options_.request_deadline) {
    ++counts_.timed_out;
    publish_reply(job,
                  error_reply(fmt::format("timed out: waited {:.1f} ms in the queue, past the server's deadline of "
                                          "{:.1f} ms; ask again",
                                          std::chrono::duration<double, std::milli>(waited).count(),
                                          std::chrono::duration<double, std::milli>(options_.request_deadline).count()),
                              job.topic, job.payload, options_.node),
                  [&] { return answer_topic_for(job.topic); });
    return false;
  }
  Request& request = answering.request;
  Status parsed = parse_request(job.topic, job.payload, request);
  if (quality_ && !inspect_request(job, parsed, request, scratch)) {
    ++counts_.quality_dropped;
    publish_reply(job,
                  error_reply("refused by data-quality checks: " + scratch.verdict.reasons(), job.topic, job.payload,
                              options_.node),
                  [&] { return reply_topic(request.series); });
    return false;
  }
  if (!parsed) {
    ++counts_.errors;
    publish_reply(job, error_reply(parsed.reason(), job.topic, job.payload, options_.node),
                  [&] { return answer_topic_for(job.topic); });
    return false;
  }
  return true;
}

// Model by model, each on every ready request.
void Server::run_models(const std::shared_ptr<const ModelSet>& set, Scratch& scratch) {
  for (std::size_t i : scratch.ready) {
    Answering& a = scratch.answering[i];
    a.statuses.clear();
    a.answers.clear();
    a.inference.clear();
    a.statuses.reserve(set->models().size());  // up front: answers keep views of the statuses' reasons
  }
  if (options_.null_responder) return;  // the baseline: everything but the models
  if (scratch.timed_set != set) find_times(set, scratch);
  for (const auto& model : set->models()) {
    const ModelInfo& info = model->info();
    auto started = std::chrono::steady_clock::now();
    for (std::size_t i : scratch.ready) {
      Answering& a = scratch.answering[i];
      float output = 0;
      const Status& status = a.statuses.emplace_back(model->predict(a.request, output));
      const auto done = std::chrono::steady_clock::now();
      a.inference.push_back(done - started);
      started = done;
      a.answers.push_back({info.name, info.version, &info.label, output, status ? "" : status.reason(), info.test_mae,
                           &model->answer_text()});
    }
  }
}

void Server::send_answer(const Job& job, Answering& a, Scratch& scratch) {
  write_prediction_reply(a.request, a.answers, options_.node, scratch.reply);
  ++counts_.replies;
  publish_reply(job, scratch.reply, [&] { return reply_topic(a.request.series); });
  auto latency = std::chrono::steady_clock::now() - job.received;
  {
    std::lock_guard lock(latency_mutex_);
    latency_interval_.record(latency);
    for (std::size_t m = 0; m < a.inference.size(); ++m) scratch.times[m]->interval.record(a.inference[m]);
  }
  if (options_.monitoring && !a.answers.empty()) accuracy_.remember(a.request.series, a.request.index, a.answers);
}

void Server::find_times(const std::shared_ptr<const ModelSet>& set, Scratch& scratch) {
  scratch.times.clear();
  std::lock_guard lock(latency_mutex_);
  for (const auto& model : set->models()) {
    auto it = inference_.find(model->info().name);
    if (it == inference_.end()) it = inference_.emplace(model->info().name, InferenceTimes{}).first;
    scratch.times.push_back(&it->second);
  }
  scratch.timed_set = set;
}

}  // namespace edgeml::serve
