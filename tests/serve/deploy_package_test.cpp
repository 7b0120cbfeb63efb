// Signed deployment packages: who may change a node's models, and what a
// hostile package gets back (a reason, never a crash).
#include "serve/deploy_package.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "core/bounded_json.h"
#include "serve/deployment.h"
#include "serve_testing.h"
#include "support/test_support.h"

namespace edgeml::serve {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// An operator's key pair written by write_new_key_pair().
struct KeyPairDir {
  edgeml::test::TempDir dir;
  std::string id = write_new_key_pair(dir / "keys");
  SigningKey signing = SigningKey::read(dir / "keys/deploy.key");
  TrustedKey trusted = TrustedKey::read(dir / "keys/deploy.pub");
};

ModelPackage sample_package() { return {"m", "v1", nullptr, {{"m.tflite", std::string(100, 'x')}}}; }

std::string reason_of(std::string_view bytes, const PackagePolicy& policy) {
  ModelPackage out;
  Status s = decode_package(bytes, out, policy);
  return s ? std::string("accepted") : s.reason();
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(DeployPackage, KeysAreWrittenPrivateAndNeverReplaced) {
  KeyPairDir keys;
  struct stat st {};
  ASSERT_EQ(::stat((keys.dir / "keys/deploy.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((keys.dir / "keys").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_EQ(keys.id.size(), 16u);
  EXPECT_EQ(keys.signing.id(), keys.id);
  EXPECT_EQ(keys.trusted.id(), keys.id);
  std::string before = edgeml::test::read_file(keys.dir / "keys/deploy.key");
  EXPECT_THROW(write_new_key_pair(keys.dir / "keys"), Error);
  EXPECT_EQ(edgeml::test::read_file(keys.dir / "keys/deploy.key"), before);

  fs::permissions(keys.dir / "keys/deploy.key", fs::perms::group_read, fs::perm_options::add);
  EXPECT_THROW(SigningKey::read(keys.dir / "keys/deploy.key"), Error) << "a private key others can read";
  EXPECT_THROW(TrustedKey::read(keys.dir / "keys/deploy.key"), Error) << "a private key is not a public one";
  test::write_file(keys.dir / "not-a-key.pub", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n");
  EXPECT_THROW(TrustedKey::read(keys.dir / "not-a-key.pub"), Error);
}

TEST(DeployPackage, ASignedPackageRoundTripsWithItsSignerAndTime) {
  KeyPairDir keys;
  ModelPackage in = sample_package();
  in.entry = {{"name", "m"}, {"version", "v1"}, {"files", {{"tflite", "m.tflite"}}}, {"test_mae", 0.5}};
  ModelPackage out;
  ASSERT_TRUE(decode_package(encode_signed_package(in, keys.signing, 1234567), out, {{keys.trusted}}));
  EXPECT_EQ(out.model, "m");
  EXPECT_EQ(out.version, "v1");
  EXPECT_EQ(out.entry, in.entry);
  EXPECT_EQ(out.files, in.files);
  EXPECT_EQ(out.signer, keys.id);
  EXPECT_EQ(out.signed_at_ms, 1234567);
  EXPECT_EQ(out.action, ModelPackage::Action::install);

  ModelPackage removal;
  removal.model = "m";
  removal.action = ModelPackage::Action::remove;
  ASSERT_TRUE(decode_package(encode_signed_package(removal, keys.signing, 99), out, {{keys.trusted}}));
  EXPECT_EQ(out.action, ModelPackage::Action::remove);
  EXPECT_EQ(out.model, "m");
  EXPECT_EQ(out.signed_at_ms, 99);
}

TEST(DeployPackage, OnlyAPinnedKeysSignatureIsTaken) {
  KeyPairDir keys, other;
  const std::string signed_bytes = encode_signed_package(sample_package(), keys.signing, 1);
  EXPECT_TRUE(contains(reason_of(encode_signed_package(sample_package(), other.signing, 1), {{keys.trusted}}),
                       "signed by key \"" + other.id + "\", which this node does not trust"));
  EXPECT_TRUE(contains(reason_of(signed_bytes, {}), "trusts no deployment key"));
  EXPECT_EQ(reason_of(signed_bytes, {{other.trusted, keys.trusted}}), "accepted");

  // Unsigned packages, and the bare empty removal, only with allow_unsigned.
  EXPECT_TRUE(contains(reason_of(encode_package(sample_package()), {{keys.trusted}}), "unsigned"));
  EXPECT_TRUE(contains(reason_of("", {{keys.trusted}}), "unsigned removal"));
  EXPECT_EQ(reason_of(encode_package(sample_package()), {{}, true}), "accepted");
  EXPECT_EQ(reason_of("", {{}, true}), "accepted");

  // Any byte changed in the statement breaks the signature: the last byte of
  // the envelope is the signature's, so flip one in the middle.
  for (std::size_t at : {signed_bytes.size() / 3, signed_bytes.size() / 2, signed_bytes.size() - 70}) {
    std::string altered = signed_bytes;
    altered[at] ^= 0x01;
    EXPECT_NE(reason_of(altered, {{keys.trusted}}), "accepted") << at;
  }
  std::string forged = signed_bytes;
  forged[forged.size() - 1] ^= 0x01;
  EXPECT_TRUE(contains(reason_of(forged, {{keys.trusted}}), "does not verify")) << reason_of(forged, {{keys.trusted}});
}

TEST(DeployPackage, HostilePackagesGetAReasonThatCanBeReported) {
  KeyPairDir keys;
  PackagePolicy policy{{keys.trusted}, true};
  auto refused = [&](const std::string& bytes, const std::string& part) {
    std::string reason = reason_of(bytes, policy);
    EXPECT_TRUE(contains(reason, part)) << reason;
    EXPECT_NO_THROW(dump_json_replacing(json{{"reason", reason}}));
  };
  refused(encode_signed_package({"m", "v1", nullptr, {{"\xff.tflite", "x"}}}, keys.signing, 1), "file name");
  refused(std::string(600000, '\x81'), "nested deeper");
  refused(std::string(20u << 20, 'x'), "more than the 16777216 a package may have");
  for (const char* version : {"..", "../v1", "v1/..", "a b", ""})
    refused(encode_signed_package({"m", version, nullptr, {{"m.tflite", "x"}}}, keys.signing, 1), "version");
  json escaping = {{"name", "m"}, {"version", "v1"}, {"files", {{"tflite", "../../etc/passwd"}}}};
  refused(encode_signed_package({"m", "v1", escaping, {{"m.tflite", "x"}}}, keys.signing, 1),
          "names a file the package does not hold");
  json other_version = {{"name", "m"}, {"version", "v2"}, {"files", {{"tflite", "m.tflite"}}}};
  refused(encode_signed_package({"m", "v1", other_version, {{"m.tflite", "x"}}}, keys.signing, 1), "version");
  json deep = 1;
  for (int i = 0; i < 100; ++i) deep = json::array({deep});
  refused(encode_signed_package({"m", "v1", {{"name", "m"}, {"deep", deep}}, {{"m.tflite", "x"}}}, keys.signing, 1),
          "nested deeper");
}

// Found by fuzz_deploy_package: a signed statement that is CBOR but not a map
// (here the number 1) threw from decode_package instead of being refused.
TEST(DeployPackage, ASignedStatementThatIsNotAMapIsRefused) {
  KeyPairDir keys;
  for (const std::string& statement : {std::string("\x01"), std::string("\x80"), std::string("\x61x")}) {
    std::string signature = keys.signing.sign("edgeml deploy package\n" + statement);
    std::vector<std::uint8_t> envelope = json::to_cbor(
        {{"format", 2}, {"signer", keys.id},
         {"statement", json::binary_t(std::vector<std::uint8_t>(statement.begin(), statement.end()))},
         {"signature", json::binary_t(std::vector<std::uint8_t>(signature.begin(), signature.end()))}});
    ModelPackage out;
    Status s = Status::ok();
    EXPECT_NO_THROW(s = decode_package(std::string(envelope.begin(), envelope.end()), out, {{keys.trusted}}));
    EXPECT_TRUE(contains(s.reason(), "not a CBOR map")) << s.reason();
  }
}

// Seen while writing fuzz_deploy_package: an install without
// "files" or "sha256" looked the missing key up on a const json, which is
// undefined behaviour.
TEST(DeployPackage, AnInstallWithoutFilesOrSumsIsRefused) {
  for (const char* missing : {"files", "sha256"}) {
    json package = json::from_cbor(encode_package(sample_package()));
    package.erase(missing);
    std::vector<std::uint8_t> bytes = json::to_cbor(package);
    EXPECT_EQ(reason_of(std::string(bytes.begin(), bytes.end()), {{}, true}), "no files") << missing;
  }
}

TEST(DeployPackage, TheLastSignatureTimeIsKeptPerModel) {
  edgeml::test::TempDir models;
  EXPECT_EQ(last_signed_at("m", models.path()), 0);
  ModelPackage p = sample_package();
  p.signed_at_ms = 1000;
  p.signer = "abc";
  record_signed_at(p, models.path());
  p.model = "n";
  p.signed_at_ms = 2000;
  record_signed_at(p, models.path());
  EXPECT_EQ(last_signed_at("m", models.path()), 1000);
  EXPECT_EQ(last_signed_at("n", models.path()), 2000);
  test::write_file(models / "deployments.json", "[");
  EXPECT_THROW(last_signed_at("m", models.path()), Error) << "an unreadable record must not let older packages in";
}

}  // namespace
}  // namespace edgeml::serve
