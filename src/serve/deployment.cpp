#include "serve/deployment.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "core/temp_dir.h"
#include "serve/model_set.h"

namespace edgeml::serve {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::uintmax_t kMaxModelFileBytes = 64u << 20;

std::string read_bytes(const fs::path& path) {
  std::error_code ec;
  std::uintmax_t size = fs::file_size(path, ec);
  if (ec) throw Error(fmt::format("cannot read '{}': {}", path.string(), ec.message()));
  if (size > kMaxModelFileBytes) throw Error(fmt::format("'{}' is {} bytes, more than a model may have", path.string(), size));
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

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) != 1)
    throw Error("SHA-256 is not available");
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

bool is_model_file_name(const std::string& name) {
  fs::path p(name);
  return !name.empty() && p.filename() == p && name[0] != '.' && (p.extension() == ".tflite" || p.extension() == ".onnx");
}

bool is_model_name(const std::string& name) {
  if (name.empty() || name.size() > 128 || name[0] == '.') return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) return false;
  return true;
}

// The model's files in a models directory: NAME.ext (bare) and NAME@VERSION.ext (deployed).
bool belongs_to(const std::string& file, const std::string& model) {
  fs::path p(file);
  if (p.extension() != ".tflite" && p.extension() != ".onnx") return false;
  std::string stem = p.stem().string();
  return stem == model || stem.rfind(model + "@", 0) == 0;
}

json read_manifest_json(const fs::path& dir) {
  fs::path path = dir / "manifest.json";
  if (!fs::exists(path)) return {{"format", 1}, {"models", json::array()}};
  json manifest = json::parse(read_bytes(path), nullptr, false);
  if (manifest.is_discarded() || !manifest.is_object() || !manifest["models"].is_array())
    throw Error(fmt::format("'{}' cannot be read as a manifest; not changing it", path.string()));
  return manifest;
}

// Drops `model`'s entry; true when there was one.
bool drop_entry(json& manifest, const std::string& model) {
  json& models = manifest["models"];
  auto old_size = models.size();
  for (auto it = models.begin(); it != models.end();)
    it = it->is_object() && it->value("name", "") == model ? models.erase(it) : it + 1;
  return models.size() != old_size;
}

std::set<std::string> listed_files(const json& manifest) {
  std::set<std::string> names;
  for (const json& entry : manifest["models"])
    if (entry.is_object() && entry.contains("files") && entry["files"].is_object())
      for (const auto& [format, name] : entry["files"].items())
        if (name.is_string()) names.insert(name.get<std::string>());
  return names;
}

// Removes `model`'s files that `manifest` does not list (and that are not `keep`).
bool remove_unlisted_files(const fs::path& dir, const std::string& model, const json& manifest,
                           const std::set<std::string>& keep) {
  std::set<std::string> listed = listed_files(manifest);
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
void validate(const ModelPackage& p) {
  fs::path scratch = make_unique_dir(fs::temp_directory_path(), "edgeml-deploy");
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{scratch};
  for (const auto& [name, bytes] : p.files) write_atomically(scratch / name, bytes);
  if (!p.entry.is_null()) write_atomically(scratch / "manifest.json", json{{"format", 1}, {"models", {p.entry}}}.dump());
  ModelSet set = ModelSet::load(scratch);
  if (!set.rejected().empty())
    throw Error(fmt::format("{}: {}", set.rejected().front().file.filename().string(), set.rejected().front().reason));
  if (!set.find(p.model)) throw Error(fmt::format("the package has no model named '{}'", p.model));
}

}  // namespace

std::vector<ModelPackage> packages_from_directory(const fs::path& dir) {
  std::vector<ModelPackage> packages;
  std::set<std::string> listed;
  if (fs::exists(dir / "manifest.json")) {
    json manifest = read_manifest_json(dir);
    for (json entry : manifest["models"]) {
      if (!entry.is_object() || !entry["name"].is_string() || !entry["version"].is_string())
        throw Error(fmt::format("'{}': an entry without a name or version", (dir / "manifest.json").string()));
      // What applies to every model travels with each: its label, and the
      // training statistics that the data-quality checks of a server use.
      for (const char* shared : {"label", "data_statistics"})
        if (!entry.contains(shared) && manifest.contains(shared)) entry[shared] = manifest[shared];
      ModelPackage p{entry["name"], entry["version"], entry, {}};
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
      packages.push_back({model, version, nullptr, {{name, std::move(bytes)}}});
    }
  }
  if (ec) throw Error(fmt::format("cannot list '{}': {}", dir.string(), ec.message()));
  if (packages.empty()) throw Error(fmt::format("'{}' has no model to deploy", dir.string()));
  return packages;
}

std::string encode_package(const ModelPackage& p) {
  json files = json::object(), sums = json::object();
  for (const auto& [name, bytes] : p.files) {
    files[name] = json::binary(std::vector<std::uint8_t>(bytes.begin(), bytes.end()));
    sums[name] = sha256_hex(bytes);
  }
  json package = {{"format", 1}, {"model", p.model}, {"version", p.version}, {"entry", p.entry},
                  {"files", files},  {"sha256", sums}};
  std::vector<std::uint8_t> cbor = json::to_cbor(package);
  return std::string(cbor.begin(), cbor.end());
}

Status decode_package(std::string_view bytes, ModelPackage& out) {
  json package = json::from_cbor(bytes.begin(), bytes.end(), true, false);
  if (package.is_discarded() || !package.is_object()) return Status::error("not a CBOR package");
  if (package.value("format", 0) != 1) return Status::error("unknown package format");
  if (!package["model"].is_string() || !is_model_name(package["model"]))
    return Status::error("the model name is missing or not letters, digits, '_', '-' and '.'");
  if (!package["version"].is_string() || package["version"].get<std::string>().empty())
    return Status::error("no version");
  const json& files = package["files"];
  const json& sums = package["sha256"];
  if (!files.is_object() || files.empty() || !sums.is_object()) return Status::error("no files");
  out = {package["model"], package["version"], package["entry"], {}};
  for (const auto& [name, content] : files.items()) {
    if (!is_model_file_name(name)) return Status::error(fmt::format("'{}' is not a .tflite or .onnx file name", name));
    if (!content.is_binary()) return Status::error(fmt::format("{}: not bytes", name));
    const auto& data = content.get_binary();
    std::string file(data.begin(), data.end());
    if (!sums.contains(name) || sums[name] != sha256_hex(file))
      return Status::error(fmt::format("{}: the SHA-256 does not match; the package is damaged", name));
    out.files.emplace_back(name, std::move(file));
  }
  if (!out.entry.is_null() && (!out.entry.is_object() || out.entry.value("name", "") != out.model))
    return Status::error("the manifest entry is not the model's");
  return Status::ok();
}

std::string deploy_topic(const std::string& target, const std::string& model) {
  return fmt::format("edgeml/deploy/{}/{}", target, model);
}

std::vector<std::string> deploy_filters(const std::string& node, const std::string& group) {
  std::vector<std::string> filters = {"edgeml/deploy/all/+", fmt::format("edgeml/deploy/node/{}/+", node)};
  if (!group.empty()) filters.push_back(fmt::format("edgeml/deploy/group/{}/+", group));
  return filters;
}

std::string deployments_topic(const std::string& node) { return fmt::format("edgeml/nodes/{}/deployments", node); }

void install_package(const ModelPackage& package, const fs::path& models_dir) {
  validate(package);
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
  if (!p.entry.is_null() || had_entry) write_atomically(models_dir / "manifest.json", manifest.dump(2));
  remove_unlisted_files(models_dir, p.model, manifest, written);
}

bool remove_model(const std::string& model, const fs::path& models_dir) {
  json manifest = read_manifest_json(models_dir);
  bool had_entry = drop_entry(manifest, model);
  if (had_entry) write_atomically(models_dir / "manifest.json", manifest.dump(2));
  return remove_unlisted_files(models_dir, model, manifest, {}) || had_entry;
}

}  // namespace edgeml::serve
