#include "serve/deploy_keys.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/error.h"
#include "core/file_text.h"
#include "core/sha256.h"

namespace edgeml::serve {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxKeyFileBytes = 16 * 1024;

EVP_PKEY* pkey(const detail::KeyHandle& key) { return static_cast<EVP_PKEY*>(key.get()); }

detail::KeyHandle own(EVP_PKEY* key) {
  if (!key) return nullptr;
  return detail::KeyHandle(key, [](void* k) { EVP_PKEY_free(static_cast<EVP_PKEY*>(k)); });
}

std::string openssl_error() {
  unsigned long code = ERR_get_error();
  if (code == 0) return "no reason given";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  ERR_clear_error();
  return text;
}

std::string key_id(EVP_PKEY* key) {
  unsigned char raw[64];
  std::size_t length = sizeof raw;
  if (EVP_PKEY_get_raw_public_key(key, raw, &length) != 1) throw Error("cannot read the public key: " + openssl_error());
  return sha256_hex({reinterpret_cast<const char*>(raw), length}).substr(0, 16);
}

// Reads a PEM key with `read` (a PEM_read_bio_* function), insisting on Ed25519.
template <typename Read>
detail::KeyHandle read_pem(const fs::path& file, Read read) {
  std::string text = read_file_text(file, kMaxKeyFileBytes);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())), BIO_free);
  detail::KeyHandle key = own(bio ? read(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key) throw Error(fmt::format("'{}' is not a PEM key: {}", file.string(), openssl_error()));
  if (EVP_PKEY_get_id(pkey(key)) != EVP_PKEY_ED25519)
    throw Error(fmt::format("'{}' is not an Ed25519 key (make one with edgeml keys new)", file.string()));
  return key;
}

std::string pem_text(EVP_PKEY* key, bool private_key) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  int ok = private_key ? PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr)
                       : PEM_write_bio_PUBKEY(bio.get(), key);
  if (!bio || ok != 1) throw Error("cannot write the key: " + openssl_error());
  char* data = nullptr;
  long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(length));
}

// Creates `path` with `mode` (never replacing a file) and writes `text`.
void write_new_file(const fs::path& path, const std::string& text, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) throw Error(fmt::format("cannot create '{}': {}", path.string(), std::strerror(errno)));
  bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  int error = errno;
  ::close(fd);
  if (!written) throw Error(fmt::format("cannot write '{}': {}", path.string(), std::strerror(error)));
}

}  // namespace

std::string write_new_key_pair(const fs::path& dir) {
  fs::path private_file = dir / "deploy.key", public_file = dir / "deploy.pub";
  for (const fs::path& file : {private_file, public_file})
    if (fs::exists(file)) throw Error(fmt::format("'{}' exists; not replacing a key", file.string()));
  std::error_code ec;
  if (!fs::exists(dir)) {
    fs::create_directories(dir, ec);
    if (!ec) fs::permissions(dir, fs::perms::owner_all, ec);
    if (ec) throw Error(fmt::format("cannot create '{}': {}", dir.string(), ec.message()));
  }
  detail::KeyHandle key = own(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!key) throw Error("cannot make an Ed25519 key: " + openssl_error());
  write_new_file(private_file, pem_text(pkey(key), true), 0600);
  write_new_file(public_file, pem_text(pkey(key), false), 0644);
  return key_id(pkey(key));
}

SigningKey SigningKey::read(const fs::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) == 0 && (st.st_mode & 077) != 0)
    throw Error(fmt::format("'{}' can be read by others (mode {:o}); chmod 600 it", file.string(), st.st_mode & 0777));
  SigningKey signing;
  signing.key_ = read_pem(file, PEM_read_bio_PrivateKey);
  signing.id_ = key_id(pkey(signing.key_));
  return signing;
}

std::string SigningKey::sign(std::string_view message) const {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  std::string signature(64, '\0');
  std::size_t length = signature.size();
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, pkey(key_)) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1)
    throw Error("cannot sign: " + openssl_error());
  signature.resize(length);
  return signature;
}

TrustedKey TrustedKey::read(const fs::path& file) {
  TrustedKey trusted;
  trusted.key_ = read_pem(file, PEM_read_bio_PUBKEY);
  trusted.id_ = key_id(pkey(trusted.key_));
  return trusted;
}

bool TrustedKey::verifies(std::string_view message, std::string_view signature) const {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  bool ok = ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey(key_)) == 1 &&
            EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                             reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  ERR_clear_error();
  return ok;
}

}  // namespace edgeml::serve
