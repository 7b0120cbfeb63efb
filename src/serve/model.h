// One served model: its graph planned in an interpreter, checked and warmed
// on a probe request when it loads, and run on requests from any thread.
//
// Each Model owns one Interpreter (which is not thread-safe) behind its own
// mutex, so any thread may call predict(); two threads wait for each other
// only on the same model, for one inference of a few microseconds. One
// interpreter per worker thread would avoid even that but multiply every
// model's memory.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <string>

#include "core/error.h"
#include "protocol/reply.h"
#include "protocol/request.h"
#include "runtime/graph.h"
#include "runtime/interpreter.h"
#include "serve/model_info.h"

namespace edgeml::serve {

// What one model may take as it loads.
struct ModelLimits {
  runtime::PlanBudget budget;  // refused when its plan costs more
  // Called with its plan's cost once planned, before the probe inference
  // runs; throws Error to refuse it (the node's budget). None: admitted.
  std::function<void(const runtime::PlanCost&)> admit;
  std::chrono::nanoseconds probe_limit = std::chrono::nanoseconds::max();  // see ModelBudgets
};

class Model {
 public:
  // Throws Error saying what does not fit: not one float32 input of
  // info.features' width and one float32 output of one value, a plan over
  // `limits` (before the probe runs), or a probe inference whose output is
  // not finite or that took longer than limits.probe_limit.
  // info.load_seconds becomes the time since `load_started`.
  Model(ModelInfo info, runtime::Graph graph, const ModelLimits& limits = {}, runtime::KernelOptions kernels = {},
        std::chrono::steady_clock::time_point load_started = std::chrono::steady_clock::now());
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const ModelInfo& info() const { return info_; }
  // Its entry's constant text in a reply, made once here.
  const AnswerText& answer_text() const { return answer_text_; }
  // Its arena and multiply-adds per inference, as planned.
  const runtime::PlanCost& cost() const { return interpreter_.cost(); }

  // Runs the model on the request's features, those of the past read from
  // `past` (the events of its series before its index, ascending). Allocates
  // nothing unless the past is too short or the output is not finite (the
  // status then says so); safe from any thread.
  Status predict(const Request& request, std::span<const PastEvent> past, float& output) const;

 private:
  void run_probe(std::chrono::nanoseconds limit);

  ModelInfo info_;
  AnswerText answer_text_;
  mutable std::mutex mutex_;
  mutable runtime::Interpreter interpreter_;
  std::span<float> input_;
  std::span<const float> output_;
};

// Content hash for a bare file's version: the first 12 hex digits of FNV-1a 64.
std::string content_version(std::span<const std::uint8_t> bytes);

}  // namespace edgeml::serve
