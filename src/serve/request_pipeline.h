// A request's way from its bytes to its reply, in four steps over a batch:
// parse (the wire format) -> check (deadline, data quality) -> predict (every
// model of the serving set on every request still standing) -> format (the
// reply or the error reply). It publishes nothing and keeps no score: the
// request worker sends each outcome's reply, and the monitoring and the
// serving figures learn from the outcomes.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/latency_summary.h"
#include "protocol/reply.h"
#include "protocol/request.h"
#include "quality/data_quality.h"
#include "serve/jobs.h"
#include "serve/model_set.h"
#include "serve/series_histories.h"

namespace edgeml::serve {

// What became of one request; reused from batch to batch.
// The inference time of a model that did not run on a request.
inline constexpr LatencySummary::Duration kNotRun{-1};

struct RequestOutcome {
  enum class Result { answered, timed_out, unreadable, refused_by_quality };
  Result result = Result::answered;
  Request request;  // valid unless unreadable or timed_out
  // Per model of the set that answered, in its order.
  std::vector<Status> statuses;
  std::vector<ModelAnswer> answers;  // views of the statuses' reasons and the set's names
  std::vector<LatencySummary::Duration> inference;  // per model of the set; kNotRun for another series' model
  std::string reply;  // the text to publish
  // The data-quality check's input and verdict, when it ran.
  bool quality_checked = false;
  QualityRecord quality_record;
  QualityVerdict verdict;
  // The past of the request's series, when a model reads it: a view of the buffer.
  PastBuffer past_buffer;
  std::span<const PastEvent> past;

  bool was_read() const { return result == Result::answered || result == Result::refused_by_quality; }
};

class RequestPipeline {
 public:
  // Requests answered together when that many wait: each model then runs on
  // all of them in a row, while its weights are in the cache (bench/README.md,
  // bench_serve: the worker answers in batches).
  static constexpr std::size_t kMaxBatch = 16;

  struct Settings {
    std::string node;
    std::chrono::microseconds deadline{0};  // 0: none
    bool null_responder = false;            // run no model
  };
  // `quality`: the data-quality check; null: none.
  // `histories`: where the past of a request's series comes from; null: none.
  RequestPipeline(Settings settings, const ModelRegistry& registry, DataQualityMonitor* quality,
                  const SeriesHistories* histories = nullptr);

  // outcomes[i] becomes what jobs[i] gets; outcomes.size() >= jobs.size().
  void answer(std::span<const RequestJob> jobs, std::span<RequestOutcome> outcomes);
  // The set the last batch ran on; held so the outcomes' views stay valid.
  const std::shared_ptr<const ModelSet>& models_used() const { return set_; }

 private:
  bool read(const RequestJob& job, RequestOutcome& out);  // parse and check; false: an error reply is made
  void check_quality(const RequestJob& job, const Status& parsed, RequestOutcome& out);
  void predict();
  void refuse(const RequestJob& job, RequestOutcome& out, RequestOutcome::Result result, std::string_view reason);

  const Settings settings_;
  const ModelRegistry& registry_;
  DataQualityMonitor* const quality_;
  const SeriesHistories* const histories_;
  std::shared_ptr<const ModelSet> set_;
  std::vector<RequestOutcome*> ready_;  // read and checked: the models run on these
};

}  // namespace edgeml::serve
