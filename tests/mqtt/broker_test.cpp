// Against a real mosquitto on an ephemeral loopback port: the managed broker
// (users, ACL, TLS, restarts) and what Client does with it.
#include "mqtt/broker.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/socket.h>

#include <fstream>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/error.h"
#include "core/process.h"
#include "mqtt/client.h"
#include "support/test_support.h"

namespace edgeml::mq {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test::TempDir;
using test::wait_until;

// Every wait on the broker or the network is bounded by this.
constexpr auto kWait = 20s;

// Messages received by a client; filled on Paho's thread, read by the test.
class Inbox {
 public:
  Client::MessageHandler handler() {
    return [this](std::string_view topic, std::string_view payload) {
      std::lock_guard lock(mutex_);
      messages_.emplace_back(topic, payload);
    };
  }
  bool has(const std::string& topic, const std::string& payload) const {
    std::lock_guard lock(mutex_);
    for (const auto& m : messages_)
      if (m.first == topic && m.second == payload) return true;
    return false;
  }
  bool has_topic(const std::string& topic) const {
    std::lock_guard lock(mutex_);
    for (const auto& m : messages_)
      if (m.first == topic) return true;
    return false;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::pair<std::string, std::string>> messages_;
};

// A connected client, optionally receiving into `inbox` from `filter`.
std::unique_ptr<Client> connect_client(ClientOptions options, Inbox* inbox = nullptr, const std::string& filter = {},
                                       int qos = 1) {
  auto client = std::make_unique<Client>(std::move(options));
  if (inbox) {
    client->set_message_handler(inbox->handler());
    client->add_subscription(filter, qos);
  }
  client->connect();
  return client;
}

ClientOptions as_user(ClientOptions o, const std::string& name, const std::string& password) {
  o.connection.username = name;
  o.connection.password = password;
  return o;
}

void publish_and_wait(Client& client, const std::string& topic, const std::string& payload, int qos = 1) {
  auto token = client.publish(topic, payload, qos);
  ASSERT_TRUE(token->wait_for(kWait)) << "publish to " << topic << " was not acknowledged";
}

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

TEST(MqttBroker, ClientReceivesItsOwnMessage) {
  TempDir dir;
  auto broker = test::start_broker(dir.path());
  ASSERT_TRUE(broker->running());
  EXPECT_NE(broker->port(), 0);

  Inbox inbox;
  auto client = connect_client(test::client_options(*broker, "self"), &inbox, "echo/#");
  EXPECT_TRUE(client->connected());
  publish_and_wait(*client, "echo/1", "hello");
  EXPECT_TRUE(wait_until([&] { return inbox.has("echo/1", "hello"); }, kWait));
}

// TCP_NODELAY of each of this process's TCP sockets to `port`.
std::vector<bool> nodelay_of_sockets_to(int port) {
  std::vector<bool> flags;
  for (const auto& entry : fs::directory_iterator("/proc/self/fd")) {
    int fd = std::stoi(entry.path().filename().string());
    sockaddr_storage peer{};
    socklen_t len = sizeof peer;
    int type = 0, on = 0;
    socklen_t type_len = sizeof type, on_len = sizeof on;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &type_len) != 0 || type != SOCK_STREAM) continue;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0 || peer.ss_family != AF_INET) continue;
    if (ntohs(reinterpret_cast<sockaddr_in*>(&peer)->sin_port) != port) continue;
    getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, &on_len);
    flags.push_back(on != 0);
  }
  return flags;
}

// Paho sets no socket options; Client turns Nagle off itself unless told not to.
TEST(MqttBroker, ClientTurnsNagleOffOnItsConnection) {
  TempDir dir;
  auto broker = test::start_broker(dir.path());
  for (bool wanted : {true, false}) {
    SCOPED_TRACE(wanted);
    ClientOptions options = test::client_options(*broker, wanted ? "nodelay" : "nagle");
    options.tcp_nodelay = wanted;
    Inbox inbox;
    auto client = connect_client(options, &inbox, "echo/#");
    publish_and_wait(*client, "echo/nodelay", "x");
    // Received: the subscription was made, so the connected handler has run.
    ASSERT_TRUE(wait_until([&] { return inbox.has_topic("echo/nodelay"); }, kWait));
    EXPECT_EQ(nodelay_of_sockets_to(broker->port()), std::vector<bool>{wanted});
  }
}

// MQTT 3.1.1 and 5 differ in how a refused CONNECT is reported and in how a
// session outlives its connection; Client must hide both differences.
class MqttProtocol : public ::testing::TestWithParam<int> {
 protected:
  ClientOptions options(const Broker& broker, const std::string& id) const {
    ClientOptions o = test::client_options(broker, id);
    o.mqtt_version = GetParam();
    return o;
  }
};

std::string protocol_name(const ::testing::TestParamInfo<int>& info) {
  return info.param == 5 ? "Mqtt5" : "Mqtt311";
}

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

TEST_P(MqttProtocol, UsersTurnAnonymousAccessOff) {
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

TEST_P(MqttProtocol, PersistentSessionQueuesWhileAway) {
  TempDir dir;
  auto broker = test::start_broker(dir.path());
  ClientOptions subscriber = options(*broker, "away-subscriber");
  subscriber.clean_session = false;
  {
    Inbox ignored;
    connect_client(subscriber, &ignored, "away/#", 1);
  }
  {
    auto publisher = connect_client(options(*broker, "away-publisher"));
    publish_and_wait(*publisher, "away/1", "queued");
  }
  // No add_subscription this time: only the broker's session can deliver.
  Inbox inbox;
  Client back(subscriber);
  back.set_message_handler(inbox.handler());
  back.connect();
  EXPECT_TRUE(wait_until([&] { return inbox.has("away/1", "queued"); }, kWait));
}

INSTANTIATE_TEST_SUITE_P(Version, MqttProtocol, ::testing::Values(4, 5), protocol_name);

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

TEST(MqttBroker, PersistentSessionSurvivesARestart) {
  TempDir dir;
  auto broker = test::start_broker(dir.path());
  const int port = broker->port();

  ClientOptions options = test::client_options(*broker, "restart-subscriber");
  options.clean_session = false;
  Inbox inbox;
  auto subscriber = connect_client(options, &inbox, "restart/#", 1);
  auto publisher = connect_client(test::client_options(*broker, "restart-publisher"));
  // Proves the subscription is in place before the broker goes away.
  ASSERT_TRUE(wait_until(
      [&] {
        publish_and_wait(*publisher, "restart/before", "1");
        return wait_until([&] { return inbox.has_topic("restart/before"); }, 100ms);
      },
      kWait));

  broker->stop();
  EXPECT_TRUE(wait_until([&] { return !subscriber->connected(); }, kWait));
  broker->start();
  EXPECT_EQ(broker->port(), port);

  // Published while the subscriber may still be away: the restored session queues it.
  publish_and_wait(*publisher, "restart/after", "2");
  EXPECT_TRUE(wait_until([&] { return subscriber->connected(); }, kWait));
  EXPECT_TRUE(wait_until([&] { return inbox.has("restart/after", "2"); }, kWait));
}

TEST(MqttBroker, ClientResubscribesWhenTheBrokerForgotItsSession) {
  TempDir dir;
  BrokerConfig config;
  config.persistence = false;
  auto broker = test::start_broker(dir.path(), config);

  ClientOptions options = test::client_options(*broker, "forgetful");
  options.clean_session = false;
  Inbox inbox;
  auto client = connect_client(options, &inbox, "forgot/#", 1);

  broker->stop();
  ASSERT_TRUE(wait_until([&] { return !client->connected(); }, kWait));
  broker->start();
  ASSERT_TRUE(wait_until([&] { return client->connected(); }, kWait));
  // Without persistence the new broker knows no subscription: the client's own
  // messages come back only once it has re-subscribed. That happens
  // asynchronously after the reconnect, so keep publishing until one arrives.
  int sent = 0;
  EXPECT_TRUE(wait_until(
      [&] {
        publish_and_wait(*client, "forgot/x", std::to_string(++sent));
        return wait_until([&] { return inbox.has_topic("forgot/x"); }, 100ms);
      },
      kWait));
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
