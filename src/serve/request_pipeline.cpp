#include "serve/request_pipeline.h"

#include <algorithm>

#include <fmt/format.h>

namespace edgeml::serve {

RequestPipeline::RequestPipeline(Settings settings, const ModelRegistry& registry, DataQualityMonitor* quality,
                                 const SeriesHistories* histories)
    : settings_(std::move(settings)), registry_(registry), quality_(quality), histories_(histories) {
  ready_.reserve(kMaxBatch);
}

void RequestPipeline::answer(std::span<const RequestJob> jobs, std::span<RequestOutcome> outcomes) {
  ready_.clear();
  for (std::size_t i = 0; i < jobs.size(); ++i)
    if (read(jobs[i], outcomes[i])) ready_.push_back(&outcomes[i]);
  set_ = ready_.empty() ? nullptr : registry_.current();
  if (set_) predict();
  for (RequestOutcome* out : ready_) write_prediction_reply(out->request, out->answers, settings_.node, out->reply);
}

bool RequestPipeline::read(const RequestJob& job, RequestOutcome& out) {
  out.quality_checked = false;
  if (const auto waited = std::chrono::steady_clock::now() - job.received;
      settings_.deadline.count() > 0 && waited > settings_.deadline) {
    refuse(job, out, RequestOutcome::Result::timed_out,
           fmt::format("timed out: waited {:.1f} ms in the queue, past the server's deadline of {:.1f} ms; ask again",
                       std::chrono::duration<double, std::milli>(waited).count(),
                       std::chrono::duration<double, std::milli>(settings_.deadline).count()));
    return false;
  }
  const Status parsed = parse_request(job.topic, job.payload, out.request);
  if (quality_) check_quality(job, parsed, out);
  if (!parsed) {
    refuse(job, out, RequestOutcome::Result::unreadable, parsed.reason());
    return false;
  }
  if (out.quality_checked && out.verdict.action == QualityAction::drop) {
    refuse(job, out, RequestOutcome::Result::refused_by_quality,
           "refused by data-quality checks: " + out.verdict.reasons());
    return false;
  }
  out.result = RequestOutcome::Result::answered;
  return true;
}

// An unreadable request is inspected too, as a schema error of its series.
void RequestPipeline::check_quality(const RequestJob& job, const Status& parsed, RequestOutcome& out) {
  QualityRecord& record = out.quality_record;
  record.source = RecordSource::prediction_request;
  if (parsed) {
    const Request& request = out.request;
    record.series.station.assign(request.series.station);
    record.series.datapoint.assign(request.series.datapoint);
    record.series.alarm.assign(request.series.alarm);
    record.schema_error.clear();
    record.index = request.index;
    record.value = request.value;
    record.threshold = request.threshold;
  } else {
    if (!parse_series_topic(job.topic, record.series)) record.series = {};
    record.schema_error.assign(parsed.reason());
    record.index = record.value = record.threshold = std::nullopt;
  }
  record.event_time = std::nullopt;
  quality_->inspect(record, out.verdict);
  out.quality_checked = true;
}

// Model by model, each on every ready request.
void RequestPipeline::predict() {
  for (RequestOutcome* out : ready_) {
    out->statuses.clear();
    out->answers.clear();
    out->inference.clear();
    out->statuses.reserve(set_->models().size());  // up front: answers keep views of the statuses' reasons
  }
  if (settings_.null_responder) return;  // the baseline: everything but the models
  const bool past_read = histories_ && std::any_of(set_->models().begin(), set_->models().end(),
                                                   [](const auto& m) { return m->info().past_needed > 0; });
  for (RequestOutcome* out : ready_)
    out->past = past_read ? histories_->past(out->request.series, out->request.index, out->past_buffer)
                          : std::span<const PastEvent>();
  for (const auto& model : set_->models()) {
    const ModelInfo& info = model->info();
    auto started = std::chrono::steady_clock::now();
    for (RequestOutcome* out : ready_) {
      if (info.series && *info.series != out->request.series) {  // another series' model
        out->inference.push_back(kNotRun);
        continue;
      }
      float output = 0;
      const Status& status = out->statuses.emplace_back(model->predict(out->request, out->past, output));
      const auto done = std::chrono::steady_clock::now();
      out->inference.push_back(done - started);
      started = done;
      out->answers.push_back({info.name, info.version, &info.label, output, status ? "" : status.reason(),
                              info.test_mae, &model->answer_text()});
    }
  }
}

void RequestPipeline::refuse(const RequestJob& job, RequestOutcome& out, RequestOutcome::Result result,
                             std::string_view reason) {
  out.result = result;
  out.reply = error_reply(reason, job.topic, job.payload, settings_.node);
}

}  // namespace edgeml::serve
