// What the fuzzers of network-facing parsers share: a scratch directory, the
// seed makers' file writing, and a fixed Ed25519 key pair for deployment
// packages, so that seeds signed by the seed maker verify in the fuzzer.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "core/temp_dir.h"
#include "serve/deploy_keys.h"

namespace edgeml::fuzz {

// A test key, made for the fuzzers and used nowhere else: its private half is
// public here, so nothing may ever trust it outside tests/fuzz.
inline constexpr std::string_view kFuzzSigningKeyPem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIFB3Bvv6XSoVW/X1ZcVBOTES/y59uX3t9Z5oo8tYJ0YD\n"
    "-----END PRIVATE KEY-----\n";
inline constexpr std::string_view kFuzzTrustedKeyPem =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEAVI05JWCyo/L3tvoPERCuP5PlIBpi63Z9WcOCJzleG60=\n"
    "-----END PUBLIC KEY-----\n";

inline void write_file(const std::filesystem::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out.flush()) {
    std::fprintf(stderr, "cannot write %s\n", path.c_str());
    std::abort();
  }
}

// An input's first line and what follows it: a topic and its payload. With
// no newline, all is the first line.
struct Lines {
  std::string_view first, rest;
};
inline Lines split_first_line(std::string_view input) {
  std::size_t newline = input.find('\n');
  if (newline == std::string_view::npos) return {input, {}};
  return {input.substr(0, newline), input.substr(newline + 1)};
}

// With bit 7 of a message's selector byte set, the message names its own
// topic in its first line: takes that line off `message` into `topic`.
inline bool take_own_topic(std::uint8_t selector, std::string_view& message, std::string& topic) {
  if (!(selector & 0x80)) return false;
  auto [first, rest] = split_first_line(message);
  topic = first;
  message = rest;
  return true;
}

// A fresh directory of this process's: in memory under /dev/shm where there
// is one (a fuzzer that writes a file per input runs faster), else under
// $TMPDIR or /tmp.
inline std::filesystem::path scratch_dir(const std::string& prefix) {
  std::error_code ec;
  const bool shm = std::filesystem::is_directory("/dev/shm", ec);
  return make_unique_dir(shm ? std::filesystem::path("/dev/shm") : std::filesystem::temp_directory_path(), prefix);
}

// Writes the key pair above into `dir` as deploy.key (0600) and deploy.pub.
inline void write_fuzz_key_pair(const std::filesystem::path& dir) {
  write_file(dir / "deploy.key", kFuzzSigningKeyPem);
  ::chmod((dir / "deploy.key").c_str(), 0600);
  write_file(dir / "deploy.pub", kFuzzTrustedKeyPem);
}

// The key pair above as a fuzzer signs with and trusts it, read from a
// scratch directory; aborts, naming `fuzzer`, when it cannot be. A fuzzer
// keeps it for its life; a seed maker frees it.
struct FuzzKeys {
  serve::SigningKey signing;
  serve::TrustedKey trusted;
};
inline FuzzKeys* read_fuzz_keys(const char* fuzzer) {
  try {
    std::filesystem::path dir = scratch_dir(fuzzer);
    write_fuzz_key_pair(dir);
    auto* keys = new FuzzKeys{serve::SigningKey::read(dir / "deploy.key"), serve::TrustedKey::read(dir / "deploy.pub")};
    std::filesystem::remove_all(dir);
    return keys;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", fuzzer, e.what());
    std::abort();
  }
}

// For seed makers: `dir` from the command line, created.
inline std::filesystem::path seed_dir(int argc, char** argv, const char* maker) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", maker);
    std::exit(2);
  }
  std::filesystem::create_directories(argv[1]);
  return argv[1];
}

}  // namespace edgeml::fuzz
