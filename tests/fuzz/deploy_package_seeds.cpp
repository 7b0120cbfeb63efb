// Writes fuzz_deploy_package's seeds into the directory given (the first byte
// of each says what the rest is, as the fuzzer reads it): packages that
// `edgeml deploy` sends, unsigned and signed by the fuzzers' trusted key, a
// signed removal, one signed by another key, and bare statements for the
// fuzzer to sign.
#include <string>

#include <nlohmann/json.hpp>

#include "core/sha256.h"
#include "fuzz/serve_fuzzing.h"
#include "serve/deploy_package.h"

namespace fs = std::filesystem;
using edgeml::serve::ModelPackage;
using edgeml::serve::SigningKey;

int main(int argc, char** argv) {
  fs::path dir = edgeml::fuzz::seed_dir(argc, argv, "deploy_package_seeds");
  fs::path keys = edgeml::fuzz::scratch_dir("deploy_package_seeds");
  edgeml::fuzz::write_fuzz_key_pair(keys);
  SigningKey trusted = SigningKey::read(keys / "deploy.key");
  edgeml::serve::write_new_key_pair(keys / "other");
  SigningKey other = SigningKey::read(keys / "other" / "deploy.key");
  fs::remove_all(keys);

  ModelPackage install;
  install.model = "multi_var_LR";
  install.version = "aef3c99f0437";
  install.entry = {{"name", "multi_var_LR"}, {"version", "aef3c99f0437"}, {"inputs", {"index", "value", "valueThreshold"}},
                   {"test_mae", 1.418}, {"files", {{"tflite", "multi_var_LR.tflite"}, {"onnx", "multi_var_LR.onnx"}}},
                   {"label", {{"offset", 1487508915}, {"scale", 1000}}}};
  install.files = {{"multi_var_LR.tflite", std::string("TFL3\0\0\x01\x02", 8)}, {"multi_var_LR.onnx", "\x08\x07"}};
  ModelPackage bare = install;
  bare.entry = nullptr;
  bare.files.resize(1);
  ModelPackage removal;
  removal.model = "multi_var_LR";
  removal.action = ModelPackage::Action::remove;

  auto seed = [&](const char* name, char mode, const std::string& bytes) {
    edgeml::fuzz::write_file(dir / name, std::string(1, mode) + bytes);
  };
  seed("unsigned_install", 0, edgeml::serve::encode_package(install));
  seed("unsigned_bare", 0, edgeml::serve::encode_package(bare));
  seed("unsigned_removal", 0, "");
  seed("signed_install", 0, edgeml::serve::encode_signed_package(install, trusted, 1764177605000));
  seed("signed_removal", 0, edgeml::serve::encode_signed_package(removal, trusted, 1764177605000));
  seed("signed_by_other", 0, edgeml::serve::encode_signed_package(install, other, 1764177605000));
  // Statements, for the fuzzer to sign: what encode_signed_package signs.
  using nlohmann::json;
  auto statement = [](const json& j) {
    std::vector<std::uint8_t> b = json::to_cbor(j);
    return std::string(b.begin(), b.end());
  };
  std::string file = "TFL3";
  seed("statement_install", 1,
       statement({{"action", "install"}, {"model", "m"}, {"version", "1"}, {"signed_at", 1764177605000},
                  {"entry", {{"name", "m"}, {"version", "1"}, {"inputs", {"value"}}, {"files", {{"tflite", "m.tflite"}}}}},
                  {"files", {{"m.tflite", json::binary_t(std::vector<std::uint8_t>(file.begin(), file.end()))}}},
                  {"sha256", {{"m.tflite", edgeml::sha256_hex(file)}}}}));
  seed("statement_removal", 1, statement({{"action", "remove"}, {"model", "m"}, {"signed_at", 1764177605000}}));
  return 0;
}
