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
// std::shared_ptr<const ModelSet>. Snapshots may share a Model (a reload keeps
// an old one); any thread may run one (model.h).
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
#include "runtime/plan_cost.h"
#include "serve/model.h"
#include "serve/model_budget.h"
#include "serve/model_info.h"

namespace edgeml::serve {

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

}  // namespace edgeml::serve
