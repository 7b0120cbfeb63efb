#include "figures.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace edgeml::bench {

namespace {

double number_field(const nlohmann::json& model, const char* field, const std::string& where) {
  auto it = model.find(field);
  if (it == model.end()) throw Error(fmt::format("{}: no \"{}\"", where, field));
  if (!it->is_number()) throw Error(fmt::format("{}: \"{}\" is not a number: {}", where, field, it->dump()));
  double value = it->get<double>();
  if (!std::isfinite(value) || value < 0)
    throw Error(fmt::format("{}: \"{}\" must be a finite number >= 0, not {}", where, field, value));
  return value;
}

ModelFigures parse_model(const nlohmann::json& model, const std::string& where) {
  if (!model.is_object()) throw Error(fmt::format("{} is not an object", where));
  auto name = model.find("name");
  if (name == model.end() || !name->is_string() || name->get<std::string>().empty())
    throw Error(fmt::format("{}: no \"name\" string", where));
  std::string named = fmt::format("{} ({})", where, name->get<std::string>());
  ModelFigures figures;
  figures.name = name->get<std::string>();
  figures.test_mae = number_field(model, "test_mae", named);
  figures.val_mae = number_field(model, "val_mae", named);
  figures.train_mae = number_field(model, "train_mae", named);
  figures.training_seconds = number_field(model, "training_seconds", named);
  return figures;
}

}  // namespace

std::vector<ModelFigures> parse_model_figures(const std::string& json_text, const std::string& source) {
  nlohmann::json document = nlohmann::json::parse(json_text, nullptr, false);
  if (document.is_discarded()) throw Error(fmt::format("{} is not valid JSON", source));
  if (!document.is_object()) throw Error(fmt::format("{}: the top level is not an object", source));
  auto models = document.find("models");
  if (models == document.end() || !models->is_array() || models->empty())
    throw Error(fmt::format("{}: no \"models\" array with at least one model", source));
  std::vector<ModelFigures> figures;
  for (std::size_t i = 0; i < models->size(); ++i) {
    figures.push_back(parse_model((*models)[i], fmt::format("{}: models[{}]", source, i)));
    if (find_model({figures.begin(), figures.end() - 1}, figures.back().name))
      throw Error(fmt::format("{}: model \"{}\" appears twice", source, figures.back().name));
  }
  return figures;
}

std::vector<ModelFigures> read_model_figures(const std::filesystem::path& json_file) {
  // Both writers' files are well under a megabyte (histories and test rows of four models).
  constexpr std::uintmax_t kLargest = 64u << 20;
  std::error_code error;
  std::uintmax_t size = std::filesystem::file_size(json_file, error);
  if (error) throw Error(fmt::format("cannot read {}: {}", json_file.string(), error.message()));
  if (size > kLargest) throw Error(fmt::format("{} is {} bytes, more than figures take", json_file.string(), size));
  std::ifstream in(json_file, std::ios::binary);
  if (!in) throw Error(fmt::format("cannot open {}", json_file.string()));
  std::ostringstream text;
  text << in.rdbuf();
  return parse_model_figures(text.str(), json_file.string());
}

std::vector<SeedSummary> summarize_runs(const std::vector<std::vector<ModelFigures>>& runs,
                                        double (*reference_test_mae)(const std::string& name)) {
  std::vector<SeedSummary> summaries;
  if (runs.empty()) return summaries;
  for (const ModelFigures& first : runs.front()) {
    SeedSummary s;
    s.mean.name = first.name;
    double reference = reference_test_mae(first.name);
    double squares = 0;
    s.min_test_mae = first.test_mae, s.max_test_mae = first.test_mae;
    for (std::size_t run = 0; run < runs.size(); ++run) {
      auto m = find_model(runs[run], first.name);
      if (!m) throw Error(fmt::format("run {} has no figures for {}", run + 1, first.name));
      squares += m->test_mae * m->test_mae;
      s.min_test_mae = std::min(s.min_test_mae, m->test_mae), s.max_test_mae = std::max(s.max_test_mae, m->test_mae);
      s.mean.test_mae += m->test_mae, s.mean.val_mae += m->val_mae, s.mean.train_mae += m->train_mae;
      s.mean.training_seconds += m->training_seconds;
      s.reached += m->test_mae <= reference ? 1 : 0;
    }
    s.runs = static_cast<int>(runs.size());
    double n = static_cast<double>(runs.size());
    s.mean.test_mae /= n, s.mean.val_mae /= n, s.mean.train_mae /= n, s.mean.training_seconds /= n;
    s.sd_test_mae = std::sqrt(std::max(0.0, squares / n - s.mean.test_mae * s.mean.test_mae));
    summaries.push_back(s);
  }
  return summaries;
}

std::optional<ModelFigures> find_model(const std::vector<ModelFigures>& models, const std::string& name) {
  for (const auto& model : models)
    if (model.name == name) return model;
  return std::nullopt;
}

}  // namespace edgeml::bench
