// A deployment package: one model sent to edge servers over MQTT, published
// retained at QoS 1 on its deploy_topic() (protocol/topics.h: to all nodes,
// one node or one group) so that a server started later gets it.
//
// On the wire it is CBOR. Format 2, what `edgeml deploy --sign-key` sends:
//   {"format": 2, "signer": KEY ID, "statement": bytes, "signature": bytes}
// where the signature is Ed25519 over "edgeml deploy package\n" followed by
// the statement's bytes, and the statement is itself CBOR:
//   {"action": "install", "model": NAME, "version": V, "signed_at": UNIX MS,
//    "entry": {...} or null, "files": {FILE: bytes}, "sha256": {FILE: hex}}
// or {"action": "remove", "model": NAME, "signed_at": UNIX MS}.
// The signature is checked before the statement is decoded, so only a
// trusted signer's bytes reach the decoder.
// Format 1 is the statement of an install alone, with "format": 1 and no
// signer; an empty payload is format 1's removal. A node takes those only
// when told to trust unsigned packages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "protocol/topics.h"
#include "serve/deploy_keys.h"

namespace edgeml::serve {

struct ModelPackage {
  enum class Action { install, remove };
  std::string model;
  std::string version;   // the manifest's, or the content hash of a bare file; empty for a removal
  nlohmann::json entry;  // the manifest entry (with "label"), or null for a bare file
  std::vector<std::pair<std::string, std::string>> files{};  // plain file name, bytes
  Action action = Action::install;
  // From a signed package: when (Unix milliseconds) and by which key.
  std::int64_t signed_at_ms = 0;
  std::string signer{};  // empty: unsigned
};

struct PackagePolicy {
  std::vector<TrustedKey> keys;  // a signed package must be signed by one of these
  bool allow_unsigned = false;   // format 1 (and empty removals) too
  std::size_t max_bytes = 16u << 20;
};

// Format 1: no signature.
std::string encode_package(const ModelPackage& package);
// Format 2, signed by `key` at `signed_at_ms` (the package's own fields for
// those are ignored).
std::string encode_signed_package(const ModelPackage& package, const SigningKey& key, std::int64_t signed_at_ms);

// Checks the size before anything, the signature against `policy` before the
// statement is read, then the shape (nesting, sizes), the names (a model name
// and version of letters, digits, '_', '-', '.'; plain .tflite/.onnx file
// names, which the manifest entry may only refer to) and every file's SHA-256.
// Never throws; the Status says what was wrong.
Status decode_package(std::string_view bytes, ModelPackage& out, const PackagePolicy& policy);

// Letters, digits, '_', '-' and '.', not starting with '.', at most 128: safe
// inside a file name.
bool is_plain_name(std::string_view name);
bool is_model_file_name(const std::string& name);

// deploy_topic(), deploy_filters() and node_deployments_topic() are in
// protocol/topics.h.

}  // namespace edgeml::serve
