// Against a real mosquitto on an ephemeral loopback port: the managed broker,
// who it lets in (users, TLS) and what it lets them do (ACL, roles).
#include "mqtt/broker.h"

#include <sys/stat.h>

#include <fstream>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/error.h"
#include "core/process.h"
#include "mqtt/client.h"
#include "mqtt/stream_subscriber.h"
#include "broker_clients.h"
#include "support/test_support.h"

namespace edgeml::mq {
namespace {

using namespace test_clients;

// Runs a short command (openssl) and fails the test when it does not succeed.
void run(const std::vector<std::string>& argv, const fs::path& log) {
  Process p(argv, log.string());
  auto status = p.wait_for(kWait);
  ASSERT_TRUE(status) << argv[0] << " did not finish; see " << log;
  ASSERT_EQ(*status, 0) << argv[0] << " failed:\n" << test::read_file(log);
}

// A throwaway CA, `name`.crt and `name`.key in `dir`.
void make_ca(const fs::path& dir, const std::string& name) {
  run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
       (dir / (name + ".key")).string(), "-out", (dir / (name + ".crt")).string(), "-days", "2", "-subj",
       "/CN=edgeml test " + name, "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
       "keyUsage=critical,keyCertSign,cRLSign"},
      dir / "openssl.log");
}

// A server certificate `name`.crt/.key for `alt_names`, signed by CA `ca`.
void make_server_cert(const fs::path& dir, const std::string& ca, const std::string& name,
                      const std::string& alt_names) {
  fs::path csr = dir / (name + ".csr"), ext = dir / (name + ".ext");
  run({"openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
       (dir / (name + ".key")).string(), "-out", csr.string(), "-subj", "/CN=edgeml test server"},
      dir / "openssl.log");
  std::ofstream(ext) << "subjectAltName=" << alt_names << "\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n";
  run({"openssl", "x509", "-req", "-in", csr.string(), "-CA", (dir / (ca + ".crt")).string(), "-CAkey",
       (dir / (ca + ".key")).string(), "-set_serial", "1", "-days", "2", "-extfile", ext.string(), "-out",
       (dir / (name + ".crt")).string()},
      dir / "openssl.log");
}

class BrokerAccess : public MqttProtocol {};

// Connects and returns the Error, or fails the test when none comes.
std::string refusal(ClientOptions options, std::chrono::milliseconds* took) {
  options.connect_timeout = 15s;
  auto started = std::chrono::steady_clock::now();
  std::string message;
  try {
    Client(std::move(options)).connect();
    ADD_FAILURE() << "the broker let the client in";
  } catch (const Error& e) {
    message = e.what();
  }
  *took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  return message;
}

TEST_P(BrokerAccess, UsersTurnAnonymousAccessOff) {
  TempDir dir;
  BrokerConfig config;
  config.users = {{"alice", "secret"}};
  config.roles = {{"alice", "sensor"}};
  auto broker = test::start_broker(dir.path(), config);

  // A refusal is an answer: it must not be retried until connect_timeout (15 s).
  std::chrono::milliseconds took{};
  std::string message = refusal(options(*broker, "anonymous"), &took);
  EXPECT_NE(message.find("refused"), std::string::npos) << message;
  EXPECT_NE(message.find("not authorized"), std::string::npos) << message;
  EXPECT_NE(message.find("no --username"), std::string::npos) << message;
  EXPECT_LT(took, 5s);

  message = refusal(as_user(options(*broker, "mallory"), "alice", "guess"), &took);
  EXPECT_NE(message.find("refused"), std::string::npos) << message;
  EXPECT_LT(took, 5s);

  auto alice = connect_client(as_user(options(*broker, "alice"), "alice", "secret"));
  EXPECT_TRUE(alice->connected());
}

INSTANTIATE_TEST_SUITE_P(Version, BrokerAccess, protocol_versions(), protocol_name);

// Permission bits of `path`.
unsigned mode_of(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

TEST(MqttBroker, PasswordFileAndDataDirectoryArePrivate) {
  TempDir dir;
  BrokerConfig config;
  config.users = {{"alice", "not-in-the-file"}};
  config.roles = {{"alice", "sensor"}};
  auto broker = test::start_broker(dir / "broker", config);
  EXPECT_EQ(mode_of(dir / "broker"), 0700u);
  EXPECT_EQ(mode_of(dir / "broker" / "passwords"), 0600u);
  // Hashed by mosquitto_passwd -U, not left in the clear.
  std::string passwords = test::read_file(dir / "broker" / "passwords");
  EXPECT_EQ(passwords.rfind("alice:", 0), 0u) << passwords;
  EXPECT_EQ(passwords.find("not-in-the-file"), std::string::npos) << passwords;
}

class MqttTlsBroker : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(make_ca(dir.path(), "ca"));
    ASSERT_NO_FATAL_FAILURE(make_server_cert(dir.path(), "ca", "server", "IP:127.0.0.1,DNS:localhost"));
  }

  std::unique_ptr<Broker> start(const std::string& cert) {
    BrokerConfig config;
    config.cert_file = dir / (cert + ".crt");
    config.key_file = dir / (cert + ".key");
    config.tls_port = 0;
    return test::start_broker(dir / ("broker-" + cert), config);
  }

  ClientOptions tls_options(const Broker& broker, const std::string& id, const std::string& host,
                            const std::string& ca) {
    ClientOptions o = test::client_options(broker, id);
    o.connection.host = host;
    o.connection.port = broker.tls_port();
    o.connection.cafile = (dir / (ca + ".crt")).string();
    return o;
  }

  TempDir dir;
};

TEST_F(MqttTlsBroker, VerifiedClientPublishesAndReceives) {
  auto broker = start("server");
  ASSERT_NE(broker->tls_port(), 0);
  ASSERT_NE(broker->tls_port(), broker->port());

  for (const std::string host : {"127.0.0.1", "localhost"}) {
    SCOPED_TRACE(host);
    Inbox inbox;
    auto client = connect_client(tls_options(*broker, "tls-" + host, host, "ca"), &inbox, "secure/#");
    EXPECT_EQ(client->options().connection.uri().rfind("ssl://", 0), 0u);
    publish_and_wait(*client, "secure/" + host, "sealed");
    EXPECT_TRUE(wait_until([&] { return inbox.has("secure/" + host, "sealed"); }, kWait));
  }
}

TEST_F(MqttTlsBroker, UnknownCaIsRejected) {
  ASSERT_NO_FATAL_FAILURE(make_ca(dir.path(), "other-ca"));
  auto broker = start("server");
  ClientOptions options = tls_options(*broker, "tls-wrong-ca", "127.0.0.1", "other-ca");
  // A failed handshake is retried like an unreachable broker, and each retry
  // costs Paho about a second: allow one attempt only.
  options.connect_timeout = 100ms;
  Client client(options);
  try {
    client.connect();
    ADD_FAILURE() << "connected although the broker's CA is not trusted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--cafile"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(client.connected());
}

TEST_F(MqttTlsBroker, CertificateForAnotherHostIsRejected) {
  // Signed by the trusted CA but naming someone else: only hostname
  // verification tells this apart from the right broker.
  ASSERT_NO_FATAL_FAILURE(make_server_cert(dir.path(), "ca", "elsewhere", "DNS:broker.example.com,IP:10.9.8.7"));
  auto broker = start("elsewhere");
  for (const std::string host : {"127.0.0.1", "localhost"}) {
    SCOPED_TRACE(host);
    ClientOptions options = tls_options(*broker, "tls-elsewhere", host, "ca");
    options.connect_timeout = 100ms;
    Client client(options);
    EXPECT_THROW(client.connect(), Error);
  }
}

// The receive-only stream connection has a TLS client of its own (stream_socket.h).
TEST_F(MqttTlsBroker, VerifiedStreamSubscriberReceives) {
  auto broker = start("server");
  for (const std::string host : {"127.0.0.1", "localhost"}) {
    SCOPED_TRACE(host);
    std::mutex mutex;
    std::vector<std::string> received;
    StreamSubscriber subscriber(tls_options(*broker, "stream-" + host, host, "ca").connection, "secure/#",
                                [&](std::string_view topic, std::string_view payload) {
                                  std::lock_guard lock(mutex);
                                  received.push_back(std::string(topic) + " " + std::string(payload));
                                });
    Client sender(tls_options(*broker, "sender-" + host, host, "ca"));
    sender.connect();
    sender.publish("secure/" + host, "sealed", 1);
    EXPECT_TRUE(wait_until(
        [&] {
          std::lock_guard lock(mutex);
          return received.size() == 1 && received[0] == "secure/" + host + " sealed";
        },
        kWait));
  }
}

TEST_F(MqttTlsBroker, StreamSubscriberRefusesAnUntrustedOrMisnamedBroker) {
  ASSERT_NO_FATAL_FAILURE(make_ca(dir.path(), "other-ca"));
  ASSERT_NO_FATAL_FAILURE(make_server_cert(dir.path(), "ca", "elsewhere", "DNS:broker.example.com,IP:10.9.8.7"));
  auto server = start("server");
  auto elsewhere = start("elsewhere");
  const std::vector<ConnectionOptions> wrong = {
      tls_options(*server, "stream-other-ca", "127.0.0.1", "other-ca").connection,
      tls_options(*elsewhere, "stream-elsewhere-ip", "127.0.0.1", "ca").connection,
      tls_options(*elsewhere, "stream-elsewhere-name", "localhost", "ca").connection};
  for (const ConnectionOptions& connection : wrong) {
    SCOPED_TRACE(connection.client_id);
    EXPECT_THROW(StreamSubscriber(connection, "secure/#", [](std::string_view, std::string_view) {}, 1s), Error);
  }
}

TEST(MqttBroker, AclLimitsWhatAUserMayPublish) {
  TempDir dir;
  std::ofstream(dir / "acl") << "user alice\ntopic readwrite alarm/#\n\nuser bob\ntopic read alarm/#\n";
  BrokerConfig config;
  config.users = {{"alice", "alice-pw"}, {"bob", "bob-pw"}};
  config.acl_file = dir / "acl";
  auto broker = test::start_broker(dir / "broker", config);

  Inbox alice_inbox, bob_inbox;
  auto alice = connect_client(as_user(test::client_options(*broker, "alice"), "alice", "alice-pw"), &alice_inbox,
                              "alarm/#");
  auto bob =
      connect_client(as_user(test::client_options(*broker, "bob"), "bob", "bob-pw"), &bob_inbox, "alarm/#");

  // Mosquitto acknowledges a denied QoS 1 publish and drops it. Had it been
  // allowed it would have been routed before the PUBACK, so ahead of alice's.
  publish_and_wait(*bob, "alarm/x", "from-bob");
  publish_and_wait(*alice, "alarm/y", "from-alice");
  EXPECT_TRUE(wait_until([&] { return alice_inbox.has("alarm/y", "from-alice"); }, kWait));
  EXPECT_TRUE(wait_until([&] { return bob_inbox.has("alarm/y", "from-alice"); }, kWait));
  EXPECT_FALSE(wait_until([&] { return alice_inbox.has_topic("alarm/x") || bob_inbox.has_topic("alarm/x"); }, 500ms));
}

TEST(MqttBroker, RolesLimitWhatUsersDo) {
  TempDir dir;
  BrokerConfig config;
  config.users = {{"sensor", "s-pw"}, {"collector", "c-pw"}};
  config.roles = {{"sensor", "sensor"}, {"collector", "collector"}};
  auto broker = test::start_broker(dir / "broker", config);
  EXPECT_EQ(test::read_file(dir / "broker" / "acl"), render_acl(config.roles));

  Inbox sensor_inbox, collector_inbox;
  auto sensor = connect_client(as_user(test::client_options(*broker, "sensor-1"), "sensor", "s-pw"), &sensor_inbox,
                               "edgeml/receipts/sensor-1/#");
  auto collector = connect_client(as_user(test::client_options(*broker, "collector-1"), "collector", "c-pw"),
                                  &collector_inbox, "alarm/#");
  // Denied publishes are acknowledged and dropped: each is followed by an
  // allowed one, which is routed after it.
  publish_and_wait(*collector, "alarm/forged", "x");
  publish_and_wait(*collector, "edgeml/receipts/sensor-1/r", "yours");
  publish_and_wait(*sensor, "alarm/1", "event");
  EXPECT_TRUE(wait_until([&] { return collector_inbox.has("alarm/1", "event"); }, kWait));
  EXPECT_TRUE(wait_until([&] { return sensor_inbox.has("edgeml/receipts/sensor-1/r", "yours"); }, kWait));
  EXPECT_FALSE(collector_inbox.has_topic("alarm/forged"));
}

}  // namespace
}  // namespace edgeml::mq
