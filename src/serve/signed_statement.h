// A statement signed with a deployment key (deploy_keys.h), as CBOR:
//   {"format": 2, "signer": KEY ID, "statement": bytes, "signature": bytes}
// The signature is Ed25519 over a context line followed by the statement's
// bytes (itself CBOR), so a signature made for one kind of statement (a model
// package) cannot be passed off as another (a cluster's applications).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "serve/deploy_keys.h"

namespace edgeml::serve {

inline constexpr int kSignedFormat = 2;

std::string seal_statement(std::string_view context, const nlohmann::json& statement, const SigningKey& key);

// `envelope` is a format-2 map as read from CBOR. Checks the signer is one of
// `keys` and the signature before the statement's bytes are decoded, so only
// a trusted signer's bytes reach the decoder. Never throws.
Status open_sealed(const nlohmann::json& envelope, std::string_view context, const std::vector<TrustedKey>& keys,
                   nlohmann::json& statement, std::string& signer);

std::string cbor_text(const nlohmann::json& value);

}  // namespace edgeml::serve
