#include "cluster/signed_applications.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/bounded_json.h"
#include "serve/signed_statement.h"

namespace edgeml::cluster {

namespace {

using nlohmann::json;

constexpr std::string_view kContext = "edgeml cluster applications\n";

json statement_of(const ApplicationsDocument& document, std::string_view cluster, std::int64_t signed_at_ms) {
  return {{"cluster", cluster}, {"signed_at", signed_at_ms}, {"applications", json(applications_json(document))}};
}

Status read_statement(const json& statement, std::string_view cluster, SignedApplications& out) {
  auto it = statement.find("cluster");
  if (it == statement.end() || !it->is_string()) return Status::error("the statement names no cluster");
  if (it->get<std::string>() != cluster)
    return Status::error(fmt::format("the applications are for cluster {}, not {}", dump_json_replacing(*it), cluster));
  it = statement.find("signed_at");
  if (it == statement.end() || !it->is_number_integer()) return Status::error("the statement has no signing time");
  out.signed_at_ms = it->get<std::int64_t>();
  it = statement.find("applications");
  if (it == statement.end()) return Status::error("the statement holds no applications");
  try {
    out.document = read_applications(*it);
  } catch (const Error& e) {
    return Status::error(e.what());
  }
  return Status::ok();
}

}  // namespace

std::string encode_signed_applications(const ApplicationsDocument& document, std::string_view cluster,
                                       const serve::SigningKey& key, std::int64_t signed_at_ms) {
  return serve::seal_statement(kContext, statement_of(document, cluster, signed_at_ms), key);
}

std::string encode_unsigned_applications(const ApplicationsDocument& document, std::string_view cluster,
                                         std::int64_t signed_at_ms) {
  json statement = statement_of(document, cluster, signed_at_ms);
  statement["format"] = 1;
  return serve::cbor_text(statement);
}

Status decode_applications(std::string_view bytes, std::string_view cluster, const serve::PackagePolicy& policy,
                           SignedApplications& out) {
  out = {};
  if (bytes.size() > kMaxApplicationsBytes)
    return Status::error(fmt::format("{} bytes, more than the {} an application file may have", bytes.size(),
                                     kMaxApplicationsBytes));
  json envelope;
  if (Status s = parse_cbor_bounded(bytes, envelope, 16); !s) return Status::error("not CBOR: " + s.reason());
  if (!envelope.is_object()) return Status::error("not a CBOR map");
  auto format = envelope.find("format");
  if (format != envelope.end() && *format == serve::kSignedFormat) {
    json statement;
    if (Status s = serve::open_sealed(envelope, kContext, policy.keys, statement, out.signer); !s) return s;
    return read_statement(statement, cluster, out);
  }
  if (format == envelope.end() || *format != 1) return Status::error("unknown format");
  if (!policy.allow_unsigned)
    return Status::error("unsigned; this node takes only applications signed by a key it trusts "
                         "(edgeml cluster apply --sign-key)");
  return read_statement(envelope, cluster, out);
}

Status peek_applications(std::string_view bytes, std::string_view cluster, SignedApplications& out) {
  out = {};
  json envelope, statement;
  if (bytes.size() > kMaxApplicationsBytes || !parse_cbor_bounded(bytes, envelope, 16) || !envelope.is_object())
    return Status::error("not an application file's CBOR");
  auto inner = envelope.find("statement");
  if (inner == envelope.end()) return read_statement(envelope, cluster, out);
  if (!inner->is_binary()) return Status::error("the statement is not bytes");
  const auto& data = inner->get_binary();
  if (!parse_cbor_bounded(std::string_view(reinterpret_cast<const char*>(data.data()), data.size()), statement, 16) ||
      !statement.is_object())
    return Status::error("the statement is not a CBOR map");
  auto signer = envelope.find("signer");
  if (signer != envelope.end() && signer->is_string()) out.signer = signer->get<std::string>();
  return read_statement(statement, cluster, out);
}

}  // namespace edgeml::cluster
