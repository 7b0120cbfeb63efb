#include "serve/deployment.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "core/file_text.h"
#include "core/temp_dir.h"
#include "protocol/manifest.h"
#include "serve/model_set.h"

namespace edgeml::serve {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string read_bytes(const fs::path& path) {
  std::error_code ec;
  std::uintmax_t size = fs::file_size(path, ec);
  if (ec) throw Error(fmt::format("cannot read '{}': {}", path.string(), ec.message()));
  if (size > kMaxServedModelBytes) throw Error(fmt::format("'{}' is {} bytes, more than a model may have", path.string(), size));
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (!in) throw Error(fmt::format("cannot read '{}'", path.string()));
  return bytes.str();
}

// Writes through a hidden temporary and a rename: readers see all or nothing.
void write_atomically(const fs::path& path, std::string_view bytes) {
  fs::path partial = path.parent_path() / ("." + path.filename().string() + ".partial");
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out.flush()) throw Error(fmt::format("cannot write '{}'", partial.string()));
  }
  std::error_code ec;
  fs::rename(partial, path, ec);
  if (ec) throw Error(fmt::format("cannot rename '{}' to '{}': {}", partial.string(), path.string(), ec.message()));
}

// The model's files in a models directory: NAME.ext (bare) and NAME@VERSION.ext (deployed).
bool belongs_to(const std::string& file, const std::string& model) {
  fs::path p(file);
  if (p.extension() != ".tflite" && p.extension() != ".onnx") return false;
  std::string stem = p.stem().string();
  return stem == model || stem.rfind(model + "@", 0) == 0;
}

json read_manifest_json(const fs::path& dir) {
  fs::path path = dir / kManifestFileName;
  if (!fs::exists(path)) return empty_manifest();
  json manifest;
  try {
    manifest = read_manifest_file(dir);
  } catch (const Error&) {
  }
  if (!manifest.is_object() || !manifest["models"].is_array())
    throw Error(fmt::format("'{}' cannot be read as a manifest; not changing it", path.string()));
  return manifest;
}

constexpr const char* kRecordFile = "deployments.json";

// {"models": {MODEL: {"signed_at", "signer", "version"}}}. One that cannot be
// read throws: taken as empty, it would let any older package in.
json read_record(const fs::path& dir) {
  if (!fs::exists(dir / kRecordFile)) return {{"models", json::object()}};
  json record = read_json_file(dir / kRecordFile, 1u << 20);
  if (!record.is_object() || !record["models"].is_object())
    throw Error(fmt::format("'{}' is not a deployment record; not deploying", (dir / kRecordFile).string()));
  return record;
}

// Drops `model`'s entry; true when there was one.
bool drop_entry(json& manifest, const std::string& model) {
  json& models = manifest["models"];
  auto old_size = models.size();
  for (auto it = models.begin(); it != models.end();)
    it = it->is_object() && it->value("name", "") == model ? models.erase(it) : it + 1;
  return models.size() != old_size;
}

// Removes `model`'s files that `manifest` does not list (and that are not `keep`).
bool remove_unlisted_files(const fs::path& dir, const std::string& model, const json& manifest,
                           const std::set<std::string>& keep) {
  std::vector<std::string> names = manifest_listed_files(manifest);
  std::set<std::string> listed(names.begin(), names.end());
  bool removed = false;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (belongs_to(name, model) && !listed.count(name) && !keep.count(name)) {
      std::error_code rm;
      removed = fs::remove(it->path(), rm) || removed;
    }
  }
  return removed;
}

// Loads the package alone from a scratch directory; throws why it cannot serve.
void validate(const ModelPackage& p, const ModelBudgets& budgets, const runtime::PlanCost& others) {
  fs::path scratch = make_unique_dir(fs::temp_directory_path(), "edgeml-deploy");
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{scratch};
  for (const auto& [name, bytes] : p.files) write_atomically(scratch / name, bytes);
  if (!p.entry.is_null()) {
    json manifest = empty_manifest();
    manifest["models"].push_back(p.entry);
    write_manifest_file(manifest, scratch);
  }
  ModelSet set = ModelSet::load(scratch, nullptr, {}, budgets);
  if (!set.rejected().empty())
    throw Error(fmt::format("{}: {}", set.rejected().front().file.filename().string(), set.rejected().front().reason));
  const Model* model = set.find(p.model);
  if (!model) throw Error(fmt::format("the package has no model named '{}'", p.model));
  check_node_room(model->cost(), others, budgets.node);
}

}  // namespace

std::vector<ModelPackage> packages_from_directory(const fs::path& dir) {
  std::vector<ModelPackage> packages;
  std::set<std::string> listed;
  if (fs::exists(dir / kManifestFileName)) {
    json manifest = read_manifest_json(dir);
    // An entry's int8 file stays behind (the node serves the float files),
    // and is not a model of its own either.
    for (std::string& name : manifest_listed_files(manifest)) listed.insert(std::move(name));
    for (json entry : manifest["models"]) {
      if (!entry.is_object() || !entry["name"].is_string() || !entry["version"].is_string())
        throw Error(fmt::format("'{}': an entry without a name or version", (dir / kManifestFileName).string()));
      // What applies to every model travels with each: its label, and the
      // training statistics that the data-quality checks of a server use.
      for (const char* shared : {"label", "data_statistics"})
        if (!entry.contains(shared) && manifest.contains(shared)) entry[shared] = manifest[shared];
      ModelPackage p;
      p.model = entry["name"];
      p.version = entry["version"];
      entry.erase("int8");
      p.entry = entry;
      for (const auto& [format, name] : entry["files"].items())
        if (name.is_string() && fs::exists(dir / name.get<std::string>())) {
          p.files.emplace_back(name.get<std::string>(), read_bytes(dir / name.get<std::string>()));
          listed.insert(name.get<std::string>());
        }
      if (p.files.empty()) throw Error(fmt::format("model {} in '{}' has none of its files", p.model, dir.string()));
      packages.push_back(std::move(p));
    }
  }
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (!is_model_file_name(name) || listed.count(name) || !it->is_regular_file()) continue;
    std::string model = it->path().stem().string();
    std::string bytes = read_bytes(it->path());
    auto same = std::find_if(packages.begin(), packages.end(),
                             [&](const ModelPackage& p) { return p.entry.is_null() && p.model == model; });
    if (same != packages.end()) same->files.emplace_back(name, std::move(bytes));
    else {
      std::string version = content_version({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
      ModelPackage& p = packages.emplace_back();
      p.model = model;
      p.version = version;
      p.files.emplace_back(name, std::move(bytes));
    }
  }
  if (ec) throw Error(fmt::format("cannot list '{}': {}", dir.string(), ec.message()));
  if (packages.empty()) throw Error(fmt::format("'{}' has no model to deploy", dir.string()));
  return packages;
}

void install_package(const ModelPackage& package, const fs::path& models_dir, const ModelBudgets& budgets,
                     const runtime::PlanCost& others) {
  validate(package, budgets, others);
  ModelPackage p = package;
  json manifest = read_manifest_json(models_dir);  // before anything is written
  std::set<std::string> written;
  for (auto& [name, bytes] : p.files) {
    fs::path file(name);
    std::string final_name = p.entry.is_null() ? p.model + file.extension().string()
                                               : fmt::format("{}@{}{}", p.model, p.version, file.extension().string());
    if (!p.entry.is_null())
      for (json& listed : p.entry["files"])
        if (listed == name) listed = final_name;
    write_atomically(models_dir / final_name, bytes);
    written.insert(final_name);
  }
  bool had_entry = drop_entry(manifest, p.model);
  if (!p.entry.is_null()) manifest["models"].push_back(p.entry);
  if (!p.entry.is_null() || had_entry) write_manifest_file(manifest, models_dir);
  remove_unlisted_files(models_dir, p.model, manifest, written);
}

std::int64_t last_signed_at(const std::string& model, const fs::path& models_dir) {
  const json record = read_record(models_dir);
  auto it = record["models"].find(model);
  if (it == record["models"].end() || !it->is_object() || !it->contains("signed_at")) return 0;
  const json& at = (*it)["signed_at"];
  return at.is_number_integer() ? at.get<std::int64_t>() : 0;
}

void record_signed_at(const ModelPackage& package, const fs::path& models_dir) {
  json record = read_record(models_dir);
  record["models"][package.model] = {{"signed_at", package.signed_at_ms}, {"signer", package.signer},
                                     {"version", package.version}};
  write_atomically(models_dir / kRecordFile, record.dump(2));
}

bool remove_model(const std::string& model, const fs::path& models_dir) {
  json manifest = read_manifest_json(models_dir);
  bool had_entry = drop_entry(manifest, model);
  if (had_entry) write_manifest_file(manifest, models_dir);
  return remove_unlisted_files(models_dir, model, manifest, {}) || had_entry;
}

}  // namespace edgeml::serve
