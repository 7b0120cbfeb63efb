#include "serve/model_set.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "runtime/model_file.h"
#include "serve/manifest.h"

namespace edgeml::serve {

namespace fs = std::filesystem;

namespace {

// A model to load from the first of `files` that works.
struct Candidate {
  ModelInfo info;  // for a bare file: the name only, the rest comes from the file
  std::vector<fs::path> files;
};

// A bare file's inputs, told by the width of its one input.
std::vector<Feature> features_by_width(const runtime::Graph& g) {
  if (g.inputs.size() != 1) throw Error(fmt::format("it has {} inputs; a model takes one", g.inputs.size()));
  std::size_t width = g.tensors[static_cast<std::size_t>(g.inputs[0])].element_count();
  if (width == 1) return {Feature::index()};
  if (width == 3) return {Feature::index(), Feature::value(), Feature::threshold()};
  throw Error(fmt::format("its input takes {} values; a model file without a manifest entry takes 1 (index) "
                          "or 3 (index, value, valueThreshold)", width));
}

std::shared_ptr<const Model> load_candidate(const Candidate& c, std::vector<RejectedFile>& rejected,
                                           runtime::KernelOptions kernels, const ModelLimits& limits) {
  for (const fs::path& file : c.files) {
    try {
      const auto started = std::chrono::steady_clock::now();
      std::vector<std::uint8_t> bytes = runtime::read_model_bytes(file, kMaxServedModelBytes);
      runtime::Graph graph = runtime::read_model(bytes, file.filename().string());
      ModelInfo info = c.info;
      info.file = file;
      if (!info.from_manifest) {
        info.features = features_by_width(graph);
        info.version = content_version(bytes);
      }
      return std::make_shared<const Model>(std::move(info), std::move(graph), limits, kernels, started);
    } catch (const std::exception& e) {  // Error, or anything else a hostile file might cause
      rejected.push_back({file, e.what(), c.info.name});
    }
  }
  return nullptr;
}

bool is_model_file(const fs::path& path) { return path.extension() == ".tflite" || path.extension() == ".onnx"; }

// A deployed version's file (NAME@VERSION.ext) that the manifest does not list
// is one an install is writing or a crash left, before or after the manifest's
// rename: never a model of its own ('@' is not allowed in a model's name).
bool is_unlisted_version_file(const fs::path& path) { return path.stem().string().find('@') != std::string::npos; }

// Model files the manifest does not list, grouped by stem (NAME.tflite first).
std::vector<Candidate> bare_candidates(const fs::path& dir, const std::vector<std::string>& listed) {
  std::map<std::string, Candidate> by_stem;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& path = it->path();
    std::string file_name = path.filename().string();
    std::error_code entry_ec;  // a broken link is skipped, not the end of the listing
    if (!is_model_file(path) || !it->is_regular_file(entry_ec) ||
        std::find(listed.begin(), listed.end(), file_name) != listed.end() || is_unlisted_version_file(path))
      continue;
    Candidate& c = by_stem[path.stem().string()];
    c.info.name = path.stem().string();
    c.files.push_back(path);
  }
  if (ec) throw Error(fmt::format("cannot list model directory '{}': {}", dir.string(), ec.message()));
  std::vector<Candidate> out;
  for (auto& [stem, c] : by_stem) {
    std::sort(c.files.begin(), c.files.end(),
              [](const fs::path& a, const fs::path& b) { return a.extension() == ".tflite" && b.extension() != ".tflite"; });
    out.push_back(std::move(c));
  }
  return out;
}

// What a directory offers: models to load, each with a unique name, and what
// was wrong before any file was opened.
struct DirectoryPlan {
  std::vector<Candidate> candidates;
  std::vector<RejectedFile> rejected;
  bool manifest_broken = false;  // manifest.json is there but unusable as a whole
};

// The manifest's models; gives the file names it lists.
std::vector<std::string> plan_manifest_models(const fs::path& dir, DirectoryPlan& plan) {
  fs::path path = dir / kManifestFileName;
  std::error_code ec;
  if (!fs::exists(path, ec)) return {};
  Manifest manifest;
  try {
    manifest = read_manifest(path);
  } catch (const Error& e) {
    plan.rejected.push_back({path, e.what(), ""});
    plan.manifest_broken = true;
    return {};
  }
  plan.rejected = std::move(manifest.bad_entries);
  std::set<std::string> names;
  for (ManifestModel& m : manifest.models) {
    if (!names.insert(m.info.name).second) {
      plan.rejected.push_back({path, fmt::format("model '{}' is listed twice", m.info.name), ""});
      continue;
    }
    Candidate& c = plan.candidates.emplace_back(Candidate{std::move(m.info), {}});
    for (const std::string& file : m.files) c.files.push_back(dir / file);
  }
  return std::move(manifest.listed_files);
}

// With manifest.json broken, a model it listed keeps its previous version
// (ModelSet::keep_from) rather than load its files bare: they are not tried.
void skip_guessed(DirectoryPlan& plan, const ModelSet& previous) {
  if (!plan.manifest_broken) return;
  std::erase_if(plan.candidates, [&](const Candidate& c) {
    const Model* old = previous.find(c.info.name);
    return old && old->info().from_manifest;
  });
}

// The candidates in the order the node budget is charged: those the previous
// set served, then the new ones, each by name.
std::vector<const Candidate*> charging_order(const DirectoryPlan& plan, const ModelSet* previous) {
  std::vector<const Candidate*> order;
  for (const Candidate& c : plan.candidates) order.push_back(&c);
  auto served = [&](const Candidate* c) { return previous && previous->find(c->info.name); };
  std::sort(order.begin(), order.end(), [&](const Candidate* a, const Candidate* b) {
    bool a_served = served(a), b_served = served(b);
    return a_served != b_served ? a_served : a->info.name < b->info.name;
  });
  return order;
}

// Reserves the room of each previous model that may be kept: one whose files
// are tried again, whose manifest entry is rejected, or that a broken manifest
// listed. The others are gone from the directory and dropped.
NodeLedger node_ledger(const runtime::PlanBudget& node, const DirectoryPlan& plan,
                       const std::vector<RejectedFile>& rejected, const ModelSet* previous) {
  NodeLedger ledger(node);
  if (!previous) return ledger;
  std::set<std::string> may_keep;
  for (const Candidate& c : plan.candidates) may_keep.insert(c.info.name);
  for (const RejectedFile& r : rejected) may_keep.insert(r.model);
  for (const auto& model : previous->models()) {
    const ModelInfo& info = model->info();
    if (may_keep.contains(info.name) || (plan.manifest_broken && info.from_manifest))
      ledger.reserve(info.name, model->cost());
  }
  return ledger;
}

DirectoryPlan plan_directory(const fs::path& dir) {
  DirectoryPlan plan;
  std::vector<std::string> listed = plan_manifest_models(dir, plan);
  std::set<std::string> names;  // manifest names are taken even when their entries or files are bad
  for (const Candidate& c : plan.candidates) names.insert(c.info.name);
  for (const RejectedFile& r : plan.rejected) names.insert(r.model);
  for (Candidate& c : bare_candidates(dir, listed)) {
    if (names.insert(c.info.name).second) {
      plan.candidates.push_back(std::move(c));
    } else {
      for (const fs::path& file : c.files)
        plan.rejected.push_back({file, fmt::format("a model named '{}' is already in the directory", c.info.name), ""});
    }
  }
  return plan;
}

}  // namespace

ModelSet ModelSet::load(const fs::path& dir, const ModelSet* previous, runtime::KernelOptions kernels,
                        const ModelBudgets& budgets) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw Error(fmt::format("model directory '{}' is not a directory", dir.string()));
  DirectoryPlan plan = plan_directory(dir);
  if (previous) skip_guessed(plan, *previous);
  ModelSet set;
  set.rejected_ = std::move(plan.rejected);
  NodeLedger ledger = node_ledger(budgets.node, plan, set.rejected_, previous);
  for (const Candidate* c : charging_order(plan, previous)) {
    const std::string& name = c->info.name;
    ModelLimits limits{budgets.per_model, [&](const runtime::PlanCost& cost) { ledger.check(name, cost); },
                       budgets.probe_limit};
    auto model = load_candidate(*c, set.rejected_, kernels, limits);
    const Model* old = previous ? previous->find(name) : nullptr;  // kept by keep_from when `model` failed
    ledger.charge(name, model ? model->cost() : old ? old->cost() : runtime::PlanCost{});
    if (model) set.insert(std::move(model));
  }
  for (const RejectedFile& r : set.rejected_) spdlog::warn("model file '{}' rejected: {}", r.file.string(), r.reason);
  if (previous) set.keep_from(*previous, plan.manifest_broken);
  return set;
}

void ModelSet::insert(std::shared_ptr<const Model> model) {
  auto at = std::lower_bound(models_.begin(), models_.end(), model->info().name,
                             [](const auto& m, const std::string& name) { return m->info().name < name; });
  if (at != models_.end() && (*at)->info().name == model->info().name) {
    *at = std::move(model);
  } else {
    models_.insert(at, std::move(model));
  }
}

// A model whose new files were rejected keeps its previous version; when the
// manifest itself is broken, so does every model it listed (its files would
// otherwise load bare, with guessed inputs, version and label).
void ModelSet::keep_from(const ModelSet& previous, bool manifest_broken) {
  std::set<std::string> failed;
  for (const RejectedFile& r : rejected_)
    if (!r.model.empty()) failed.insert(r.model);
  for (const std::shared_ptr<const Model>& old : previous.models_) {
    const ModelInfo& info = old->info();
    const Model* now = find(info.name);
    bool lost = failed.contains(info.name) && now == nullptr;
    bool guessed = manifest_broken && info.from_manifest && (now == nullptr || !now->info().from_manifest);
    if (!lost && !guessed) continue;
    spdlog::warn("keeping model '{}' version {} from '{}': its new files were rejected", info.name, info.version,
                 info.file.string());
    kept_.push_back(info.name);
    insert(old);
  }
}

runtime::PlanCost ModelSet::cost(std::string_view except) const {
  runtime::PlanCost total;
  for (const auto& model : models_)
    if (model->info().name != except) total = total + model->cost();
  return total;
}

const Model* ModelSet::find(std::string_view name) const {
  auto at = std::lower_bound(models_.begin(), models_.end(), name,
                             [](const auto& m, std::string_view n) { return m->info().name < n; });
  return at != models_.end() && (*at)->info().name == name ? at->get() : nullptr;
}

ModelRegistry::ModelRegistry(runtime::KernelOptions kernels, ModelBudgets budgets)
    : kernels_(kernels), budgets_(std::move(budgets)), current_(std::make_shared<const ModelSet>()) {
  runtime::check_kernel_options(kernels_);
}

std::shared_ptr<const ModelSet> ModelRegistry::current() const {
  std::lock_guard lock(current_mutex_);
  return current_;
}

std::shared_ptr<const ModelSet> ModelRegistry::reload(const fs::path& dir) {
  std::lock_guard reloading(reload_mutex_);
  std::shared_ptr<const ModelSet> previous = current();
  auto next = std::make_shared<const ModelSet>(ModelSet::load(dir, previous.get(), kernels_, budgets_));
  std::lock_guard lock(current_mutex_);
  current_ = next;  // `previous` outlives the lock: a set no reader holds is freed outside it
  return next;
}

}  // namespace edgeml::serve
