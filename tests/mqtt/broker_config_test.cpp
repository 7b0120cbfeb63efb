#include "mqtt/broker_config.h"

#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "core/error.h"
#include "mqtt/connection.h"
#include "mqtt/net.h"
#include "support/test_support.h"

namespace edgeml::mq {
namespace {

namespace fs = std::filesystem;
using test::error_of;
using test::TempDir;

using test::has_line;
void touch(const fs::path& path) { std::ofstream(path) << "x\n"; }

TEST(MqttRenderConf, LoopbackWithoutUsersIsAnonymousAndPersistent) {
  BrokerConfig c;
  c.port = 18830;
  c.data_dir = "/var/lib/edgeml-test";
  std::string conf = render_mosquitto_conf(c, "/nowhere/passwords");
  EXPECT_TRUE(has_line(conf, "listener 18830 127.0.0.1")) << conf;
  EXPECT_TRUE(has_line(conf, "allow_anonymous true")) << conf;
  EXPECT_TRUE(has_line(conf, "persistence true")) << conf;
  EXPECT_TRUE(has_line(conf, "persistence_location /var/lib/edgeml-test/")) << conf;
  EXPECT_TRUE(has_line(conf, "max_queued_messages 1000000")) << conf;
  EXPECT_TRUE(has_line(conf, "max_queued_bytes 536870912")) << conf;
  EXPECT_TRUE(has_line(conf, "max_inflight_messages 1000")) << conf;  // a commit's worth for a collector
  EXPECT_TRUE(has_line(conf, "autosave_on_changes true")) << conf;
  EXPECT_TRUE(has_line(conf, "max_packet_size 16842752")) << conf;
  EXPECT_TRUE(has_line(conf, "persistent_client_expiration 30d")) << conf;
  // Mosquitto only writes to stderr what we capture in its log file.
  EXPECT_TRUE(has_line(conf, "log_dest stderr")) << conf;
  EXPECT_EQ(conf.find("password_file"), std::string::npos) << conf;
  EXPECT_EQ(conf.find("acl_file"), std::string::npos) << conf;
  EXPECT_EQ(conf.find("certfile"), std::string::npos) << conf;
}

TEST(MqttRenderConf, UsersTurnAnonymousAccessOff) {
  BrokerConfig c;
  c.users = {{"alice", "secret"}};
  c.acl_file = "/etc/edgeml/acl";
  std::string conf = render_mosquitto_conf(c, "/data/passwords");
  EXPECT_TRUE(has_line(conf, "allow_anonymous false")) << conf;
  EXPECT_TRUE(has_line(conf, "password_file /data/passwords")) << conf;
  EXPECT_TRUE(has_line(conf, "acl_file /etc/edgeml/acl")) << conf;
  // The password goes to mosquitto_passwd, never into the configuration.
  EXPECT_EQ(conf.find("secret"), std::string::npos) << conf;
}

TEST(MqttRenderConf, OffLoopbackIsAnonymousOnlyWhenAllowed) {
  BrokerConfig c;
  c.address = "0.0.0.0";
  c.allow_anonymous = true;
  EXPECT_TRUE(has_line(render_mosquitto_conf(c, "p"), "allow_anonymous true"));
  c.allow_anonymous = false;
  c.users = {{"alice", "secret"}};
  EXPECT_TRUE(has_line(render_mosquitto_conf(c, "p"), "allow_anonymous false"));
}

TEST(MqttRenderConf, TlsListenerCarriesItsCertificate) {
  BrokerConfig c;
  c.port = 1883;
  c.tls_port = 8884;
  c.cert_file = "/certs/server.crt";
  c.key_file = "/certs/server.key";
  std::string conf = render_mosquitto_conf(c, "p");
  // certfile/keyfile belong to the listener declared just before them; after
  // the plain one they would turn it into TLS.
  auto plain = conf.find("listener 1883 127.0.0.1\n");
  auto tls = conf.find("listener 8884 127.0.0.1\n");
  auto cert = conf.find("certfile /certs/server.crt\n");
  auto key = conf.find("keyfile /certs/server.key\n");
  ASSERT_NE(plain, std::string::npos) << conf;
  ASSERT_NE(tls, std::string::npos) << conf;
  ASSERT_NE(cert, std::string::npos) << conf;
  ASSERT_NE(key, std::string::npos) << conf;
  EXPECT_LT(plain, tls);
  EXPECT_LT(tls, cert);
  EXPECT_LT(tls, key);
}

TEST(MqttRenderConf, WithTlsThePlainListenerStaysOnLoopback) {
  // The network must see TLS only; local tools keep the plain port.
  BrokerConfig c;
  c.address = "0.0.0.0";
  c.port = 1883;
  c.tls_port = 8883;
  c.cert_file = "/certs/server.crt";
  c.key_file = "/certs/server.key";
  std::string conf = render_mosquitto_conf(c, "p");
  EXPECT_TRUE(has_line(conf, "listener 1883 127.0.0.1")) << conf;
  EXPECT_TRUE(has_line(conf, "listener 8883 0.0.0.0")) << conf;
  EXPECT_FALSE(has_line(conf, "listener 1883 0.0.0.0")) << conf;
  EXPECT_EQ(plain_listener_address(c), "127.0.0.1");
  // Without TLS the plain listener is where it was asked to be.
  c.cert_file.clear();
  c.key_file.clear();
  EXPECT_TRUE(has_line(render_mosquitto_conf(c, "p"), "listener 1883 0.0.0.0"));
  EXPECT_EQ(plain_listener_address(c), "0.0.0.0");
}

TEST(MqttRenderConf, RelativePathsAreMadeAbsolute) {
  // Mosquitto resolves relative paths against its own working directory.
  BrokerConfig c;
  c.acl_file = "acl";
  c.cert_file = "server.crt";
  c.key_file = "server.key";
  std::string conf = render_mosquitto_conf(c, "p");
  EXPECT_TRUE(has_line(conf, "acl_file " + fs::absolute("acl").string())) << conf;
  EXPECT_TRUE(has_line(conf, "certfile " + fs::absolute("server.crt").string())) << conf;
  EXPECT_TRUE(has_line(conf, "keyfile " + fs::absolute("server.key").string())) << conf;
}

TEST(MqttRenderConf, NoPersistenceAndLogTypes) {
  BrokerConfig c;
  c.persistence = false;
  c.log_types = "error  warning";
  std::string conf = render_mosquitto_conf(c, "p");
  EXPECT_TRUE(has_line(conf, "persistence false")) << conf;
  EXPECT_EQ(conf.find("persistence_location"), std::string::npos) << conf;
  EXPECT_TRUE(has_line(conf, "log_type error")) << conf;
  EXPECT_TRUE(has_line(conf, "log_type warning")) << conf;
  EXPECT_FALSE(has_line(conf, "log_type ")) << conf;
}

TEST(MqttValidateConfig, LoopbackDefaultsAreFine) {
  EXPECT_NO_THROW(validate(BrokerConfig{}));
  BrokerConfig c;
  c.address = "localhost";
  c.port = 0;
  EXPECT_NO_THROW(validate(c));
}

TEST(MqttValidateConfig, OffLoopbackWithoutUsersIsRefused) {
  BrokerConfig c;
  c.address = "0.0.0.0";
  std::string message = error_of([&] { validate(c); });
  EXPECT_NE(message.find("without authentication"), std::string::npos) << message;
  EXPECT_NE(message.find("--user"), std::string::npos) << message;

  c.address = "192.168.1.10";
  EXPECT_THROW(validate(c), Error);
  c.address = "::";
  EXPECT_THROW(validate(c), Error);
}

TEST(MqttValidateConfig, OffLoopbackIsAcceptedWithUsersOrAllowAnonymous) {
  BrokerConfig c;
  c.address = "0.0.0.0";
  c.users = {{"alice", "secret"}};
  c.roles = {{"alice", "sensor"}};
  EXPECT_NO_THROW(validate(c));
  c.roles.clear();
  c.users.clear();
  c.allow_anonymous = true;
  EXPECT_NO_THROW(validate(c));
}

TEST(MqttValidateConfig, PortsOutOfRange) {
  BrokerConfig c;
  c.port = 65536;
  EXPECT_THROW(validate(c), Error);
  c.port = -1;
  EXPECT_THROW(validate(c), Error);
}

TEST(MqttValidateConfig, SessionExpiryIsAMosquittoDurationOrNever) {
  BrokerConfig c;
  for (const char* good : {"30d", "12h", "2w", "6m", "1y", "never"}) {
    c.session_expiry = good;
    EXPECT_NO_THROW(validate(c)) << good;
  }
  for (const char* bad : {"", "30", "d", "0d", "3.5d", "30 d", "30d\nlistener 1 0.0.0.0", "-1d"}) {
    c.session_expiry = bad;
    EXPECT_THROW(validate(c), Error) << bad;
  }
  c.session_expiry = "never";
  EXPECT_EQ(render_mosquitto_conf(c, "").find("persistent_client_expiration"), std::string::npos);
}

TEST(MqttValidateConfig, HalfATlsPairIsRefused) {
  TempDir dir;
  touch(dir / "server.crt");
  touch(dir / "server.key");
  BrokerConfig c;
  c.cert_file = dir / "server.crt";
  std::string message = error_of([&] { validate(c); });
  EXPECT_NE(message.find("--cert and --key"), std::string::npos) << message;
  c.cert_file.clear();
  c.key_file = dir / "server.key";
  EXPECT_THROW(validate(c), Error);
  c.cert_file = dir / "server.crt";
  EXPECT_NO_THROW(validate(c));
  c.tls_port = 70000;
  EXPECT_THROW(validate(c), Error);
}

TEST(MqttValidateConfig, MissingFilesAreNamed) {
  TempDir dir;
  BrokerConfig c;
  c.acl_file = dir / "no-such-acl";
  std::string message = error_of([&] { validate(c); });
  EXPECT_NE(message.find("no-such-acl"), std::string::npos) << message;
  // A directory is not an ACL file either.
  c.acl_file = dir.path();
  EXPECT_THROW(validate(c), Error);
  touch(dir / "acl");
  c.acl_file = dir / "acl";
  EXPECT_NO_THROW(validate(c));

  c.cert_file = dir / "missing.crt";
  c.key_file = dir / "missing.key";
  message = error_of([&] { validate(c); });
  EXPECT_NE(message.find("missing.crt"), std::string::npos) << message;
}

TEST(MqttValidateConfig, UserNamesWithSeparatorsAreRefused) {
  BrokerConfig c;
  c.users = {{"al ice", "secret"}};
  EXPECT_THROW(validate(c), Error);
  c.users = {{"al:ice", "secret"}};
  EXPECT_THROW(validate(c), Error);
}

TEST(MqttIsLoopback, RecognisesLoopbackAddresses) {
  EXPECT_TRUE(is_loopback("127.0.0.1"));
  EXPECT_TRUE(is_loopback("127.1.2.3"));
  EXPECT_TRUE(is_loopback("localhost"));
  EXPECT_TRUE(is_loopback("::1"));
}

TEST(MqttIsLoopback, EverythingElseIsNot) {
  EXPECT_FALSE(is_loopback("0.0.0.0"));
  EXPECT_FALSE(is_loopback("::"));
  EXPECT_FALSE(is_loopback("10.0.0.1"));
  EXPECT_FALSE(is_loopback("128.0.0.1"));
  EXPECT_FALSE(is_loopback("126.255.255.255"));
  EXPECT_FALSE(is_loopback(""));
  EXPECT_FALSE(is_loopback("broker.example.com"));
  // A name that merely starts like a loopback address must not pass.
  EXPECT_FALSE(is_loopback("127.0.0.1.example.com"));
}

TEST(MqttConnectionOptions, PlainUri) {
  ConnectionOptions c;
  EXPECT_FALSE(c.tls());
  EXPECT_EQ(c.uri(), "tcp://127.0.0.1:1883");
  c.host = "broker.example.com";
  c.port = 11883;
  EXPECT_EQ(c.uri(), "tcp://broker.example.com:11883");
}

TEST(MqttConnectionOptions, CafileSwitchesToSsl) {
  ConnectionOptions c;
  c.host = "localhost";
  c.port = 8883;
  c.cafile = "/etc/edgeml/ca.crt";
  EXPECT_TRUE(c.tls());
  EXPECT_EQ(c.uri(), "ssl://localhost:8883");
}

TEST(MqttConnectionOptions, Ipv6HostsAreBracketed) {
  ConnectionOptions c;
  c.host = "::1";
  c.port = 1883;
  EXPECT_EQ(c.uri(), "tcp://[::1]:1883");
  c.cafile = "ca.crt";
  EXPECT_EQ(c.uri(), "ssl://[::1]:1883");
}

TEST(MqttConnectionOptions, DefaultClientIdNamesTheRole) {
  std::string id = default_client_id("collect");
  EXPECT_EQ(id.rfind("edgeml-collect-", 0), 0u) << id;
  EXPECT_EQ(id, default_client_id("collect"));
}

}  // namespace
}  // namespace edgeml::mq
