// libFuzzer target: deployment packages (serve/deploy_package.h) as a node
// gets them on edgeml/deploy/..., under two policies that trust the fixed key
// of serve_fuzzing.h: one that also takes unsigned packages, one that takes
// only signed ones.
//
// The first byte chooses what the rest is: even, a package as it came over
// MQTT; odd, a statement, which the fuzzer signs with the trusted key and
// wraps in a format 2 envelope, so that the decoder behind the signature
// check is fuzzed too (a mutated signed package never verifies).
//
// Checked besides "never throws, never crashes":
//   - under the signed-only policy a package is taken only when its envelope's
//     signature verifies with the trusted key over the statement it carries;
//   - what the signed-only policy takes, the other takes the same;
//   - a taken install names plain files and round-trips through encode_package.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fuzz/serve_fuzzing.h"
#include "serve/deploy_package.h"

namespace {

using edgeml::serve::ModelPackage;
using edgeml::serve::PackagePolicy;
using nlohmann::json;

edgeml::fuzz::FuzzKeys* keys = nullptr;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_deploy_package: %s\n", what);
  std::abort();
}

std::string cbor_text(const json& value) {
  std::vector<std::uint8_t> bytes = json::to_cbor(value);
  return std::string(bytes.begin(), bytes.end());
}

std::string signed_envelope(std::string_view statement) {
  std::string signature = keys->signing.sign(std::string("edgeml deploy package\n").append(statement));
  json::binary_t statement_bytes(std::vector<std::uint8_t>(statement.begin(), statement.end()));
  json::binary_t signature_bytes(std::vector<std::uint8_t>(signature.begin(), signature.end()));
  return cbor_text({{"format", 2}, {"signer", keys->signing.id()}, {"statement", statement_bytes},
                    {"signature", signature_bytes}});
}

// What decode_package checked, checked again from outside: the envelope's
// statement and signature verify with the trusted key.
bool signature_verifies(std::string_view package) {
  json envelope = json::from_cbor(package, true, false);  // decode_package took it: bounded
  if (!envelope.is_object() || !envelope.contains("statement") || !envelope.contains("signature") ||
      !envelope["statement"].is_binary() || !envelope["signature"].is_binary())
    return false;
  const auto& statement = envelope["statement"].get_binary();
  const auto& signature = envelope["signature"].get_binary();
  return keys->trusted.verifies(std::string("edgeml deploy package\n").append(statement.begin(), statement.end()),
                                std::string(signature.begin(), signature.end()));
}

bool same(const ModelPackage& a, const ModelPackage& b) {
  return a.model == b.model && a.version == b.version && a.files == b.files && a.action == b.action &&
         json::to_cbor(a.entry) == json::to_cbor(b.entry);
}

void check_taken(const ModelPackage& p, const PackagePolicy& open) {
  // An empty message: an unsigned removal of the model its topic names.
  if (p.action == ModelPackage::Action::remove && p.model.empty() && p.signer.empty()) return;
  if (!edgeml::serve::is_plain_name(p.model)) fail("a taken package's model name is not plain");
  if (p.action == ModelPackage::Action::remove) return;
  if (!edgeml::serve::is_plain_name(p.version)) fail("a taken package's version is not plain");
  if (p.files.empty()) fail("a taken install has no files");
  for (const auto& [name, bytes] : p.files)
    if (!edgeml::serve::is_model_file_name(name)) fail("a taken install holds a file that is not a model file");
  ModelPackage again;
  if (!edgeml::serve::decode_package(edgeml::serve::encode_package(p), again, open))
    fail("a taken install, encoded again, is refused");
  if (!same(p, again)) fail("a taken install, encoded again, decodes to another package");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  keys = edgeml::fuzz::read_fuzz_keys("fuzz_deploy_package");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string package = data[0] & 1 ? signed_envelope(rest) : std::string(rest);

  PackagePolicy open{{keys->trusted}, true};
  PackagePolicy pinned{{keys->trusted}, false};
  ModelPackage from_open, from_pinned;
  const bool open_took = static_cast<bool>(edgeml::serve::decode_package(package, from_open, open));
  const bool pinned_took = static_cast<bool>(edgeml::serve::decode_package(package, from_pinned, pinned));
  if (pinned_took) {
    if (from_pinned.signer != keys->trusted.id()) fail("the signed-only policy took a package not signed by its key");
    if (!signature_verifies(package)) fail("the signed-only policy took a package whose signature does not verify");
    if (!open_took || !same(from_open, from_pinned)) fail("the policies differ on a signed package");
  }
  if (open_took) check_taken(from_open, open);
  return 0;
}
