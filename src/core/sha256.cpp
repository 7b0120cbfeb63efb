#include "core/sha256.h"

#include <nettle/sha2.h>

namespace edgeml {

// Nettle, not OpenSSL's EVP: fetching a digest through OpenSSL 3's providers
// costs every process that hashes a model about 2 MiB of resident memory,
// where Nettle's plain functions cost a few pages.
struct Sha256::Context {
  sha256_ctx state;
};

Sha256::Sha256() : context_(std::make_unique<Context>()) { sha256_init(&context_->state); }

Sha256::~Sha256() = default;

void Sha256::update(std::span<const std::byte> bytes) {
  sha256_update(&context_->state, bytes.size(), reinterpret_cast<const std::uint8_t*>(bytes.data()));
}

std::string Sha256::hex() {
  std::uint8_t digest[SHA256_DIGEST_SIZE];
  sha256_digest(&context_->state, sizeof digest, digest);
  constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * sizeof digest);
  for (std::uint8_t byte : digest) {
    out += kDigits[byte >> 4];
    out += kDigits[byte & 0xf];
  }
  return out;
}

std::string sha256_hex(std::string_view bytes) {
  Sha256 sha;
  sha.update(bytes);
  return sha.hex();
}

}  // namespace edgeml
