// Every model of a directory, loaded, checked and warmed, as one immutable
// snapshot, and a registry that swaps snapshots when the directory changes.
//
// A directory holds model files (.tflite, .onnx) and optionally the
// manifest.json `edgeml train` writes. A model listed in the manifest is loaded
// from its .tflite file, else its .onnx file, with the manifest's name,
// version, inputs, test MAE and label. Any other model file is loaded bare:
// named by its file stem (NAME.tflite before NAME.onnx), versioned by a hash
// of its bytes, its inputs told by the input width (1: index; 3: index,
// value, valueThreshold), with the tutorial's label. A file that cannot be read,
// does not fit, is over a budget (model_budget.h), or whose probe inference is
// not finite or too slow is listed in rejected() with the reason, and the
// others load. A manifest.json that cannot be read at all is rejected too, and
// the files load bare.
//
// The node budget is charged in a fixed order: the models the previous set
// served first, then the new ones, each group by name; each model that served
// before keeps its old version's room until its new files are tried (NodeLedger).
//
// Concurrency: a ModelSet never changes once built and is shared as
// std::shared_ptr<const ModelSet>. Each Model owns one Interpreter (which is not
// thread-safe) behind its own mutex, so any thread may call predict(); two
// threads wait for each other only on the same model, for one inference of a
// few microseconds. One interpreter per worker thread would avoid even that
// but multiply every model's memory and tie snapshots to the thread count.
// Snapshots may share a Model (a reload keeps an old one), which the mutex
// also covers.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "runtime/graph.h"
#include "runtime/interpreter.h"
#include "serve/model_budget.h"
#include "serve/model_info.h"
#include "protocol/reply.h"
#include "protocol/request.h"

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

  // Runs the model on the request's features. Allocates nothing unless the
  // output is not finite (then the status says so); safe from any thread.
  Status predict(const Request& request, float& output) const;

 private:
  void run_probe(std::chrono::nanoseconds limit);

  ModelInfo info_;
  AnswerText answer_text_;
  mutable std::mutex mutex_;
  mutable runtime::Interpreter interpreter_;
  std::span<float> input_;
  std::span<const float> output_;
};

class ModelSet {
 public:
  ModelSet() = default;

  // Loads `dir`. A model whose files are rejected keeps its version in
  // `previous` (if it has one), logged with the reason, and so does every
  // model `previous` had from a manifest when manifest.json cannot be read; a
  // model whose files are gone is dropped. Throws Error only when `dir` is not
  // a readable directory. Every model's interpreter is built with `kernels`;
  // models over `budgets` are rejected with the figures.
  static ModelSet load(const std::filesystem::path& dir, const ModelSet* previous = nullptr,
                       runtime::KernelOptions kernels = {}, const ModelBudgets& budgets = {});

  // Sorted by name; names are unique.
  const std::vector<std::shared_ptr<const Model>>& models() const { return models_; }
  const Model* find(std::string_view name) const;
  const std::vector<RejectedFile>& rejected() const { return rejected_; }
  // Models whose new files were rejected, kept from the previous set.
  const std::vector<std::string>& kept() const { return kept_; }
  // What its models take together, but for the one named `except`.
  runtime::PlanCost cost(std::string_view except = {}) const;

 private:
  // Adds `model`, replacing one of the same name.
  void insert(std::shared_ptr<const Model> model);
  void keep_from(const ModelSet& previous, bool manifest_broken);

  std::vector<std::shared_ptr<const Model>> models_;
  std::vector<RejectedFile> rejected_;
  std::vector<std::string> kept_;
};

// The current ModelSet. Readers take a snapshot (a shared_ptr copy) and use
// it as long as they like; reload() builds the next set beside it and swaps it
// in whole, so no reader sees a half-loaded set.
//
// The pointer is guarded by a mutex held only to copy or replace it.
// libstdc++ 12's std::atomic<std::shared_ptr> is no faster (it spins on a lock
// bit) and its load() releases that lock with relaxed order, which
// ThreadSanitizer reports as a race with a concurrent store().
class ModelRegistry {
 public:
  explicit ModelRegistry(runtime::KernelOptions kernels = {}, ModelBudgets budgets = {});

  std::shared_ptr<const ModelSet> current() const;

  // Loads `dir` with the current set as ModelSet::load's `previous`, swaps it
  // in and returns it. Reloads run one at a time. Throws Error (and keeps the
  // current set) when `dir` is not a readable directory.
  std::shared_ptr<const ModelSet> reload(const std::filesystem::path& dir);

 private:
  runtime::KernelOptions kernels_;
  ModelBudgets budgets_;
  mutable std::mutex current_mutex_;
  std::shared_ptr<const ModelSet> current_;
  std::mutex reload_mutex_;  // one reload at a time
};

// Content hash for a bare file's version: the first 12 hex digits of FNV-1a 64.
std::string content_version(std::span<const std::uint8_t> bytes);

}  // namespace edgeml::serve
