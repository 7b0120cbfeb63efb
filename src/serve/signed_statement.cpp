#include "serve/signed_statement.h"

#include <algorithm>
#include <cstdint>

#include <fmt/format.h>

#include "core/bounded_json.h"

namespace edgeml::serve {

namespace {

using nlohmann::json;

json::binary_t binary_of(std::string_view bytes) { return json::binary_t(std::vector<std::uint8_t>(bytes.begin(), bytes.end())); }

std::string bytes_of(const json& value) {
  const auto& data = value.get_binary();
  return std::string(data.begin(), data.end());
}

}  // namespace

std::string cbor_text(const json& value) {
  std::vector<std::uint8_t> cbor = json::to_cbor(value);
  return std::string(cbor.begin(), cbor.end());
}

std::string seal_statement(std::string_view context, const json& statement, const SigningKey& key) {
  std::string bytes = cbor_text(statement);
  std::string signature = key.sign(std::string(context) + bytes);
  return cbor_text({{"format", kSignedFormat}, {"signer", key.id()}, {"statement", binary_of(bytes)},
                    {"signature", binary_of(signature)}});
}

Status open_sealed(const json& envelope, std::string_view context, const std::vector<TrustedKey>& keys, json& statement,
                   std::string& signer) {
  auto field = [&](const char* name) -> const json* {
    auto it = envelope.find(name);
    return it == envelope.end() ? nullptr : &*it;
  };
  const json *id = field("signer"), *bytes = field("statement"), *signature = field("signature");
  if (!id || !id->is_string() || !bytes || !bytes->is_binary() || !signature || !signature->is_binary())
    return Status::error("a signed message needs a signer, a statement and a signature");
  signer = id->get<std::string>();
  auto key = std::find_if(keys.begin(), keys.end(), [&](const TrustedKey& k) { return k.id() == signer; });
  if (key == keys.end())
    return Status::error(keys.empty() ? "signed, but this node trusts no deployment key (edgeml serve --deploy-key)"
                                      : fmt::format("signed by key {}, which this node does not trust",
                                                    dump_json_replacing(*id)));
  std::string statement_bytes = bytes_of(*bytes);
  if (!key->verifies(std::string(context) + statement_bytes, bytes_of(*signature)))
    return Status::error(fmt::format("the signature does not verify with key {}: the message was altered", signer));
  if (Status s = parse_cbor_bounded(statement_bytes, statement); !s) return Status::error("statement: " + s.reason());
  if (!statement.is_object()) return Status::error("the statement is not a CBOR map");
  return Status::ok();
}

}  // namespace edgeml::serve
