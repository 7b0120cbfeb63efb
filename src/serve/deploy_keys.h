// Ed25519 keys that sign deployment packages (OpenSSL). The operator's
// machine holds the private key (`edgeml keys new`, `edgeml deploy
// --sign-key`); each node pins the public keys it trusts (`edgeml serve
// --deploy-key`), so a client that may merely publish on the broker cannot
// change a node's models.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace edgeml::serve {

namespace detail {
using KeyHandle = std::shared_ptr<void>;  // an OpenSSL EVP_PKEY, never changed once read
}  // namespace detail

// Writes a new key pair into `dir` (created 0700 if missing): deploy.key
// (PKCS#8 PEM, created 0600) and deploy.pub (PEM). Refuses to replace either
// file; throws Error with the reason. Returns the key's id.
std::string write_new_key_pair(const std::filesystem::path& dir);

class SigningKey {
 public:
  // A PEM Ed25519 private key; throws Error naming the file otherwise, and
  // when the file can be read by others than its owner.
  static SigningKey read(const std::filesystem::path& file);
  std::string sign(std::string_view message) const;  // 64 bytes
  const std::string& id() const { return id_; }

 private:
  detail::KeyHandle key_;
  std::string id_;
};

class TrustedKey {
 public:
  // A PEM Ed25519 public key; throws Error naming the file otherwise.
  static TrustedKey read(const std::filesystem::path& file);
  bool verifies(std::string_view message, std::string_view signature) const;
  // The first 16 hex digits of the SHA-256 of the raw public key: what a
  // package names its signer by, and what `edgeml keys new` prints.
  const std::string& id() const { return id_; }

 private:
  detail::KeyHandle key_;
  std::string id_;
};

}  // namespace edgeml::serve
