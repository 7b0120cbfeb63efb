#include "serve/deploy_package.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include <fmt/format.h>

#include "core/bounded_json.h"
#include "core/sha256.h"
#include "serve/signed_statement.h"

namespace edgeml::serve {

namespace {

using nlohmann::json;

constexpr std::string_view kSignedContext = "edgeml deploy package\n";

json::binary_t binary_of(std::string_view bytes) { return json::binary_t(std::vector<std::uint8_t>(bytes.begin(), bytes.end())); }

std::string bytes_of(const json& value) {
  const auto& data = value.get_binary();
  return std::string(data.begin(), data.end());
}

// The statement of an install (format 1 adds its "format" to it).
json install_statement(const ModelPackage& p) {
  json files = json::object(), sums = json::object();
  for (const auto& [name, bytes] : p.files) {
    files[name] = binary_of(bytes);
    sums[name] = sha256_hex(bytes);
  }
  return {{"model", p.model}, {"version", p.version}, {"entry", p.entry}, {"files", files}, {"sha256", sums}};
}

// The manifest entry may name only the package's own files.
Status check_entry(const json& entry, const ModelPackage& p) {
  if (entry.is_null()) return Status::ok();
  if (!entry.is_object() || !entry.contains("name") || entry["name"] != p.model)
    return Status::error("the manifest entry is not the model's");
  if (entry.contains("version") && entry["version"] != p.version)
    return Status::error("the manifest entry's version is not the package's");
  if (!entry.contains("files") || !entry["files"].is_object()) return Status::error("the manifest entry lists no files");
  for (const auto& item : entry["files"].items()) {
    const json& name = item.value();  // not a structured binding: clang before 16 cannot capture one
    bool shipped = name.is_string() && std::any_of(p.files.begin(), p.files.end(), [&](const auto& file) {
                     return file.first == name.get<std::string>();
                   });
    if (!shipped) return Status::error(fmt::format("the manifest entry names a file the package does not hold: {}",
                                                   dump_json_replacing(name)));
  }
  return Status::ok();
}

Status read_files(const json& statement, ModelPackage& out) {
  // Not statement["files"]: on a const json, a missing key is undefined behaviour.
  auto files_at = statement.find("files"), sums_at = statement.find("sha256");
  if (files_at == statement.end() || sums_at == statement.end()) return Status::error("no files");
  const json& files = *files_at;
  const json& sums = *sums_at;
  if (!files.is_object() || files.empty() || !sums.is_object()) return Status::error("no files");
  for (const auto& [name, content] : files.items()) {
    if (!is_model_file_name(name)) return Status::error(fmt::format("'{}' is not a .tflite or .onnx file name", name));
    if (!content.is_binary()) return Status::error(fmt::format("{}: not bytes", name));
    std::string file = bytes_of(content);
    if (!sums.contains(name) || sums[name] != sha256_hex(file))
      return Status::error(fmt::format("{}: the SHA-256 does not match; the package is damaged", name));
    out.files.emplace_back(name, std::move(file));
  }
  return Status::ok();
}

// The statement's fields into `out` (whose signer fields are already set).
Status read_statement(json& statement, ModelPackage& out) {
  if (!statement.is_object()) return Status::error("the statement is not a CBOR map");
  const json& action = statement["action"];
  if (!action.is_null() && action != "install" && action != "remove")
    return Status::error("the action is neither install nor remove");
  out.action = action == "remove" ? ModelPackage::Action::remove : ModelPackage::Action::install;
  if (!statement["model"].is_string() || !is_plain_name(statement["model"].get<std::string>()))
    return Status::error("the model name is missing or not letters, digits, '_', '-' and '.'");
  out.model = statement["model"];
  if (out.action == ModelPackage::Action::remove) return Status::ok();
  if (!statement["version"].is_string() || !is_plain_name(statement["version"].get<std::string>()))
    return Status::error("the version is missing or not letters, digits, '_', '-' and '.'");
  out.version = statement["version"];
  if (Status s = read_files(statement, out); !s) return s;
  out.entry = std::move(statement["entry"]);
  return check_entry(out.entry, out);
}

Status open_signed(const json& envelope, ModelPackage& out, const PackagePolicy& policy) {
  json statement;
  if (Status s = open_sealed(envelope, kSignedContext, policy.keys, statement, out.signer); !s) return s;
  if (!statement["signed_at"].is_number_integer()) return Status::error("the statement has no signing time");
  out.signed_at_ms = statement["signed_at"].get<std::int64_t>();
  return read_statement(statement, out);
}

}  // namespace

bool is_plain_name(std::string_view name) {
  if (name.empty() || name.size() > 128 || name[0] == '.') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
}

bool is_model_file_name(const std::string& name) {
  std::filesystem::path p(name);
  return is_plain_name(name) && (p.extension() == ".tflite" || p.extension() == ".onnx");
}

std::string encode_package(const ModelPackage& p) {
  json package = install_statement(p);
  package["format"] = 1;
  return cbor_text(package);
}

std::string encode_signed_package(const ModelPackage& p, const SigningKey& key, std::int64_t signed_at_ms) {
  json statement = p.action == ModelPackage::Action::install ? install_statement(p) : json{{"model", p.model}};
  statement["action"] = p.action == ModelPackage::Action::install ? "install" : "remove";
  statement["signed_at"] = signed_at_ms;
  return seal_statement(kSignedContext, statement, key);
}

Status decode_package(std::string_view bytes, ModelPackage& out, const PackagePolicy& policy) {
  out = {};
  if (bytes.size() > policy.max_bytes)
    return Status::error(fmt::format("{} bytes, more than the {} a package may have", bytes.size(), policy.max_bytes));
  if (bytes.empty()) {
    if (!policy.allow_unsigned) return Status::error("an unsigned removal (an empty message); undeploy with --sign-key");
    out.action = ModelPackage::Action::remove;
    return Status::ok();
  }
  json package;
  if (Status s = parse_cbor_bounded(bytes, package); !s) return Status::error("not a CBOR package: " + s.reason());
  if (!package.is_object()) return Status::error("not a CBOR package");
  const json& format = package["format"];
  if (format == 2) return open_signed(package, out, policy);
  if (format != 1) return Status::error("unknown package format");
  if (!policy.allow_unsigned)
    return Status::error("unsigned; this node takes only packages signed by a key it trusts (edgeml deploy --sign-key)");
  package.erase("action");  // format 1 only installs
  return read_statement(package, out);
}

}  // namespace edgeml::serve
