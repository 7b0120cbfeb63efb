// Signed applications: a node takes only its own cluster's document, signed
// by a key it trusts (or unsigned, when it allows that), and
// `edgeml cluster status` reads any of them without keys.
#include "cluster/signed_applications.h"

#include <gtest/gtest.h>

#include "serve/signed_statement.h"
#include "support/test_support.h"

namespace edgeml::cluster {
namespace {

using nlohmann::json;
using serve::PackagePolicy;

constexpr std::int64_t kSignedAt = 1764177605123;

// A key pair as `edgeml keys new` writes it.
struct Keys {
  test::TempDir dir;
  std::string id = serve::write_new_key_pair(dir / "keys");
  serve::SigningKey signing = serve::SigningKey::read(dir / "keys/deploy.key");
  serve::TrustedKey trusted = serve::TrustedKey::read(dir / "keys/deploy.pub");
};

ApplicationsDocument sample_document() {
  return read_applications(json::parse(R"({"cluster": "farm", "applications": [
    {"name": "wind", "models": [{"name": "lr", "version": "v3"}], "replicas": {"min": 1, "max": 3},
     "scaling": {"queue_depth": 4}, "constraints": {"arch": "arm64"}},
    {"name": "solar", "models": ["mlp"], "requests": "request/solar/+/+"}]})"));
}

std::string reason_of(std::string_view bytes, std::string_view cluster, const PackagePolicy& policy) {
  SignedApplications out;
  Status s = Status::ok();
  EXPECT_NO_THROW(s = decode_applications(bytes, cluster, policy, out));
  return s ? std::string("accepted") : s.reason();
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(SignedApplications, ASignedDocumentRoundTripsWithItsSignerAndTime) {
  Keys keys;
  const ApplicationsDocument doc = sample_document();
  const std::string bytes = encode_signed_applications(doc, "farm", keys.signing, kSignedAt);
  SignedApplications out;
  ASSERT_TRUE(decode_applications(bytes, "farm", PackagePolicy{{keys.trusted}, false}, out));
  EXPECT_EQ(out.signer, keys.id);
  EXPECT_EQ(out.signed_at_ms, kSignedAt);
  EXPECT_EQ(applications_json(out.document).dump(), applications_json(doc).dump());
  ASSERT_EQ(out.document.applications.size(), 2u);
  EXPECT_EQ(out.document.applications[1].models[0].version, "v3");
}

TEST(SignedApplications, OnlyATrustedKeysSignatureOverTheseBytesForThisClusterIsTaken) {
  Keys keys, stranger;
  const std::string bytes = encode_signed_applications(sample_document(), "farm", keys.signing, kSignedAt);
  const PackagePolicy trusting{{keys.trusted}, true};
  EXPECT_EQ(reason_of(bytes, "farm", trusting), "accepted");

  EXPECT_NE(reason_of(bytes, "farm", PackagePolicy{{stranger.trusted}, true}), "accepted") << "signed by a stranger";
  EXPECT_NE(reason_of(bytes, "farm", PackagePolicy{{}, true}), "accepted") << "no key trusted";

  // One byte of the statement changed: "solar" becomes "solas", still valid CBOR.
  std::string altered = bytes;
  std::size_t at = altered.find("solar");
  ASSERT_NE(at, std::string::npos);
  altered[at + 4] = 's';
  EXPECT_NE(reason_of(altered, "farm", trusting), "accepted");

  std::string wrong_cluster = reason_of(bytes, "barn", trusting);
  EXPECT_TRUE(contains(wrong_cluster, "not barn")) << wrong_cluster;

  // A statement sealed for another purpose (a model package) is not an application file.
  json statement = {{"cluster", "farm"}, {"signed_at", kSignedAt},
                    {"applications", json(applications_json(sample_document()))}};
  EXPECT_NE(reason_of(serve::seal_statement("edgeml deploy package\n", statement, keys.signing), "farm", trusting),
            "accepted");
}

TEST(SignedApplications, UnsignedIsTakenOnlyWhenAllowed) {
  Keys keys;
  const std::string bytes = encode_unsigned_applications(sample_document(), "farm", kSignedAt);
  std::string refused = reason_of(bytes, "farm", PackagePolicy{{keys.trusted}, false});
  EXPECT_TRUE(contains(refused, "unsigned")) << refused;
  SignedApplications out;
  ASSERT_TRUE(decode_applications(bytes, "farm", PackagePolicy{{}, true}, out));
  EXPECT_EQ(out.signer, "");
  EXPECT_EQ(out.signed_at_ms, kSignedAt);
  EXPECT_EQ(out.document.applications.size(), 2u);
  EXPECT_NE(reason_of(bytes, "barn", PackagePolicy{{}, true}), "accepted");
}

TEST(SignedApplications, WhatIsNotAnApplicationFileIsRefusedWithoutThrowing) {
  Keys keys;
  const PackagePolicy open{{keys.trusted}, true};
  std::string oversize(kMaxApplicationsBytes + 1, '\xa0');
  EXPECT_TRUE(contains(reason_of(oversize, "farm", open), "more than")) << reason_of(oversize, "farm", open);
  for (std::string_view bad : {std::string_view(""), std::string_view("not cbor"), std::string_view("\x01", 1)})
    EXPECT_NE(reason_of(bad, "farm", open), "accepted");
  auto cbor = [](const json& value) { return serve::cbor_text(value); };
  EXPECT_NE(reason_of(cbor({{"format", 3}}), "farm", open), "accepted");
  EXPECT_NE(reason_of(cbor({{"cluster", "farm"}}), "farm", open), "accepted") << "no format";
  EXPECT_NE(reason_of(cbor({{"format", 1}, {"cluster", "farm"}, {"signed_at", 1}}), "farm", open), "accepted");
  EXPECT_NE(reason_of(cbor({{"format", 1}, {"cluster", "farm"}, {"signed_at", "yesterday"}, {"applications", 1}}),
                      "farm", open),
            "accepted");
  // A document that does not read says which field is wrong.
  std::string bad_doc = reason_of(cbor({{"format", 1}, {"cluster", "farm"}, {"signed_at", 1},
                                        {"applications", {{"applications", {{{"name", "-x"}, {"models", {"m"}}}}}}}}),
                                  "farm", open);
  EXPECT_TRUE(contains(bad_doc, "applications[0].name")) << bad_doc;
}

TEST(SignedApplications, PeekReadsASignedDocumentWithoutKeys) {
  Keys keys;
  const std::string bytes = encode_signed_applications(sample_document(), "farm", keys.signing, kSignedAt);
  SignedApplications out;
  ASSERT_TRUE(peek_applications(bytes, "farm", out));
  EXPECT_EQ(out.signer, keys.id);
  EXPECT_EQ(out.signed_at_ms, kSignedAt);
  EXPECT_EQ(applications_json(out.document).dump(), applications_json(sample_document()).dump());
  EXPECT_FALSE(peek_applications(bytes, "barn", out));

  SignedApplications unsigned_out;
  ASSERT_TRUE(peek_applications(encode_unsigned_applications(sample_document(), "farm", 7), "farm", unsigned_out));
  EXPECT_EQ(unsigned_out.signer, "");
  EXPECT_EQ(unsigned_out.signed_at_ms, 7);

  for (std::string_view bad : {std::string_view(""), std::string_view("junk")}) EXPECT_FALSE(peek_applications(bad, "farm", out));
  EXPECT_FALSE(peek_applications(serve::cbor_text({{"statement", "not bytes"}}), "farm", out));
  EXPECT_FALSE(peek_applications(std::string(kMaxApplicationsBytes + 1, '\xa0'), "farm", out));
}

}  // namespace
}  // namespace edgeml::cluster
