#include "serve/model_set_log.h"

#include <spdlog/spdlog.h>

namespace edgeml::serve {

void log_model_set(const ModelSet& set, const std::filesystem::path& dir) {
  for (const auto& model : set.models())
    spdlog::info("model {} version {} from {}", model->info().name, model->info().version,
                 model->info().file.filename().string());
  for (const RejectedFile& rejected : set.rejected())
    spdlog::warn("{}: not loaded: {}", rejected.file.string(), rejected.reason);
  for (const std::string& kept : set.kept()) spdlog::warn("model {}: keeping the version loaded before", kept);
  if (set.models().empty()) spdlog::warn("no model could be loaded from {}; requests get empty predictions", dir.string());
}

}  // namespace edgeml::serve
