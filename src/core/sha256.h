// SHA-256 (Nettle) of bytes given at once or fed in pieces: file checksums of
// deployment packages and backups.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>

namespace edgeml {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::span<const std::byte> bytes);
  void update(std::string_view bytes) { update(std::as_bytes(std::span(bytes.data(), bytes.size()))); }
  // Lower-case hex of the digest; the object is spent afterwards.
  std::string hex();

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

// Lower-case hex SHA-256 of `bytes`.
std::string sha256_hex(std::string_view bytes);

}  // namespace edgeml
