// A cluster's applications as they travel: the application file's document,
// signed with a deployment key by `edgeml cluster apply` and published
// retained on cluster_applications_topic(). The statement is CBOR
//   {"cluster": NAME, "signed_at": UNIX MS, "applications": DOCUMENT}
// in the envelope of serve/signed_statement.h; format 1 is the statement
// alone with "format": 1, which a node takes only when it trusts unsigned
// deployments. A node takes a document only for its own cluster, and never
// one signed before the one it holds, so a replayed old file cannot roll the
// cluster back.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"
#include "protocol/cluster_applications.h"
#include "serve/deploy_package.h"

namespace edgeml::cluster {

struct SignedApplications {
  ApplicationsDocument document;
  std::int64_t signed_at_ms = 0;
  std::string signer;  // empty: unsigned
};

std::string encode_signed_applications(const ApplicationsDocument& document, std::string_view cluster,
                                       const serve::SigningKey& key, std::int64_t signed_at_ms);
std::string encode_unsigned_applications(const ApplicationsDocument& document, std::string_view cluster,
                                         std::int64_t signed_at_ms);

// Size first, then the signature against `policy`, then the document (whose
// errors name the field). Never throws.
Status decode_applications(std::string_view bytes, std::string_view cluster, const serve::PackagePolicy& policy,
                           SignedApplications& out);

// The document without checking who signed it: for showing the state of a
// cluster (`edgeml cluster status`), never for acting on it.
Status peek_applications(std::string_view bytes, std::string_view cluster, SignedApplications& out);

}  // namespace edgeml::cluster
