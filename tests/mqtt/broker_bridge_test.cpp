// The bridge section of a station's mosquitto.conf, and what a station may do
// on the cloud broker.
#include "mqtt/broker_bridge.h"

#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "core/error.h"
#include "mqtt/broker_acl.h"
#include "mqtt/broker_config.h"
#include "protocol/topic_filter.h"
#include "support/test_support.h"

namespace edgeml::mq {
namespace {

namespace fs = std::filesystem;
using test::error_of;
using test::TempDir;

using test::has_line;
BridgeConfig station(const std::string& name, const std::string& url) {
  BridgeConfig b;
  b.station = name;
  b.urls = {url};
  return b;
}

TEST(MqttBridgeUrl, SchemeHostAndPort) {
  BridgeAddress a = parse_bridge_url("mqtt://cloud.example:1884");
  EXPECT_EQ(a.host, "cloud.example");
  EXPECT_EQ(a.port, 1884);
  EXPECT_FALSE(a.tls);
  a = parse_bridge_url("mqtts://cloud.example/");
  EXPECT_EQ(a.port, 8883);
  EXPECT_TRUE(a.tls);
  a = parse_bridge_url("mqtt://[::1]:1999");
  EXPECT_EQ(a.host, "::1");
  EXPECT_EQ(a.port, 1999);
  EXPECT_EQ(parse_bridge_url("mqtt://10.0.0.1").port, 1883);
}

TEST(MqttBridgeUrl, BadUrlsAreNamed) {
  for (const char* url : {"tcp://cloud:1883", "cloud:1883", "mqtt://", "mqtt://:1883", "mqtt://cloud:0",
                          "mqtt://cloud:65536", "mqtt://cloud:18x", "mqtt://user:pw@cloud", "mqtt://cloud/path",
                          "mqtt://[::1", "mqtt://[::1]x"}) {
    std::string why = error_of([&] { parse_bridge_url(url); });
    EXPECT_NE(why.find(url), std::string::npos) << url << ": " << why;
  }
  EXPECT_NE(error_of([] { parse_bridge_url("mqtt://u:p@cloud"); }).find("--bridge-user"), std::string::npos);
}

TEST(MqttBridgeConf, EventsAndStateGoUpUnderTheStationAndDeploymentsComeDown) {
  std::string conf = render_bridge_conf(station("north-7", "mqtt://cloud:1884"));
  EXPECT_TRUE(has_line(conf, "connection edgeml-cloud")) << conf;
  EXPECT_TRUE(has_line(conf, "addresses cloud:1884")) << conf;
  EXPECT_TRUE(has_line(conf, "remote_clientid edgeml-bridge-north-7")) << conf;
  EXPECT_TRUE(has_line(conf, "cleansession false")) << conf;
  EXPECT_TRUE(has_line(conf, "bridge_protocol_version mqttv311")) << conf;
  EXPECT_TRUE(has_line(conf, "try_private true")) << conf;
  EXPECT_TRUE(has_line(conf, "notification_topic edgeml/bridges/north-7/state")) << conf;
  EXPECT_TRUE(has_line(conf, "topic alarm/# out 1 \"\" stations/north-7/")) << conf;
  EXPECT_TRUE(has_line(conf, "topic edgeml/nodes/# out 1 \"\" stations/north-7/")) << conf;
  EXPECT_TRUE(has_line(conf, "topic edgeml/dq/# out 0 \"\" stations/north-7/")) << conf;
  EXPECT_TRUE(has_line(conf, "topic edgeml/deploy/# in 1")) << conf;
  EXPECT_TRUE(has_line(conf, "topic edgeml/deploy/# in 1 \"\" stations/north-7/")) << conf;
  EXPECT_TRUE(has_line(conf, "topic edgeml/cluster/+/applications in 1")) << conf;
  EXPECT_EQ(conf.find("round_robin"), std::string::npos);
  EXPECT_EQ(conf.find("remote_username"), std::string::npos);
  EXPECT_EQ(conf.find("bridge_ca"), std::string::npos);
}

TEST(MqttBridgeConf, NodesOfAClusteredBrokerAreEqualAddresses) {
  BridgeConfig b = station("s", "mqtt://a:1883");
  b.urls.push_back("mqtt://b:1884");
  b.mqtt_version = 5;
  b.mosquitto_peer = false;
  std::string conf = render_bridge_conf(b);
  EXPECT_TRUE(has_line(conf, "addresses a:1883 b:1884")) << conf;
  EXPECT_TRUE(has_line(conf, "round_robin true")) << conf;
  EXPECT_TRUE(has_line(conf, "bridge_protocol_version mqttv50")) << conf;
  EXPECT_TRUE(has_line(conf, "try_private false")) << conf;
}

TEST(MqttBridgeConf, TlsVerifiesTheCloudBrokerAndCarriesCredentials) {
  TempDir dir;
  for (const char* f : {"ca.crt", "me.crt", "me.key"}) std::ofstream(dir.path() / f) << "x\n";
  BridgeConfig b = station("s", "mqtts://cloud");
  b.username = "s";
  b.password = "secret words";
  std::string conf = render_bridge_conf(b);
  EXPECT_TRUE(has_line(conf, "bridge_capath /etc/ssl/certs")) << conf;
  b.ca_file = dir.path() / "ca.crt";
  b.cert_file = dir.path() / "me.crt";
  b.key_file = dir.path() / "me.key";
  EXPECT_NO_THROW(validate(b));
  conf = render_bridge_conf(b);
  EXPECT_TRUE(has_line(conf, "addresses cloud:8883")) << conf;
  EXPECT_TRUE(has_line(conf, "bridge_cafile " + (dir.path() / "ca.crt").string())) << conf;
  EXPECT_TRUE(has_line(conf, "bridge_certfile " + (dir.path() / "me.crt").string())) << conf;
  EXPECT_TRUE(has_line(conf, "bridge_insecure false")) << conf;
  EXPECT_TRUE(has_line(conf, "remote_username s")) << conf;
  EXPECT_TRUE(has_line(conf, "remote_password secret words")) << conf;
}

TEST(MqttBridgeConf, ExtraTopicsGoTheirWay) {
  BridgeConfig b = station("s", "mqtt://cloud");
  b.extra_out = {"site/+/temperature"};
  b.extra_in = {"edgeml/config/#"};
  EXPECT_NO_THROW(validate(b));
  std::string conf = render_bridge_conf(b);
  EXPECT_TRUE(has_line(conf, "topic site/+/temperature out 1 \"\" stations/s/")) << conf;
  EXPECT_TRUE(has_line(conf, "topic edgeml/config/# in 1")) << conf;
}

TEST(MqttBridgeConf, ComesLastInTheBrokersConf) {
  BrokerConfig c;
  c.data_dir = "/var/lib/edgeml-test";
  c.bridge = station("s", "mqtt://cloud");
  std::string conf = render_mosquitto_conf(c, "/nowhere/passwords");
  ASSERT_NE(conf.find("\nconnection edgeml-cloud\n"), std::string::npos) << conf;
  EXPECT_GT(conf.find("\nconnection "), conf.find("\nlistener "));
  EXPECT_GT(conf.find("\nconnection "), conf.find("\nlog_type information"));
}

TEST(MqttBridgeValidate, BadSettingsAreRefusedWithTheirName) {
  auto refused = [](BridgeConfig b, const std::string& words) {
    std::string why = error_of([&] { validate(b); });
    EXPECT_NE(why.find(words), std::string::npos) << "expected '" << words << "' in: " << why;
  };
  refused(station("", "mqtt://c"), "--station");
  refused(station("a/b", "mqtt://c"), "a/b");
  refused(station("a+", "mqtt://c"), "a+");
  refused(station(std::string(65, 's'), "mqtt://c"), "64");
  BridgeConfig b = station("s", "mqtt://c");
  b.urls.clear();
  refused(b, "--bridge");
  b = station("s", "mqtt://c");
  b.urls.push_back("mqtts://d");
  refused(b, "all mqtts:// or all mqtt://");
  b = station("s", "mqtt://c");
  b.password = "p";
  refused(b, "--bridge-user");
  b.username = "s";
  b.password = "p\nconnection evil";
  refused(b, "line break");
  b = station("s", "mqtt://c");
  b.ca_file = "/ca.crt";
  refused(b, "mqtts://");
  b = station("s", "mqtts://c");
  b.ca_file = "/nowhere/ca.crt";
  refused(b, "/nowhere/ca.crt");
  b = station("s", "mqtts://c");
  b.cert_file = "/nowhere/me.crt";
  refused(b, "--bridge-key");
  b = station("s", "mqtt://c");
  b.extra_out = {"a/#/b"};
  refused(b, "a/#/b");
  b.extra_out = {"a b"};
  refused(b, "a b");
  b = station("s", "mqtt://c");
  b.mqtt_version = 3;
  refused(b, "MQTT version 3");
}

TEST(MqttBridgeRoles, AStationWritesOnlyUnderItsOwnName) {
  std::string acl = render_acl({{"north-7", "station"}, {"c", "collector"}});
  EXPECT_TRUE(has_line(acl, "topic write stations/north-7/#")) << acl;
  EXPECT_TRUE(has_line(acl, "topic readwrite edgeml/bridges/north-7/state")) << acl;
  EXPECT_TRUE(has_line(acl, "topic read edgeml/deploy/#")) << acl;
  EXPECT_TRUE(has_line(acl, "topic read stations/north-7/edgeml/deploy/#")) << acl;
  EXPECT_TRUE(has_line(acl, "topic read stations/+/alarm/#")) << acl;  // the collector's
  EXPECT_EQ(acl.find("stations/+/#"), std::string::npos) << acl;
  EXPECT_NE(error_of([] { render_acl({{"a+b", "station"}}); }).find("a+b"), std::string::npos);
}

TEST(MqttTopicFilter, ValidFilters) {
  for (const char* f : {"a", "a/b", "+", "#", "a/+/c", "a/#", "+/+/#", "/a"}) EXPECT_TRUE(is_valid_filter(f)) << f;
  for (const char* f : {"", "a/#/b", "a#", "a/b+", "++", "a/#b"}) EXPECT_FALSE(is_valid_filter(f)) << f;
  EXPECT_FALSE(is_valid_filter(std::string(2000, 'a')));
  EXPECT_FALSE(is_valid_filter(std::string("a\0b", 3)));
}

}  // namespace
}  // namespace edgeml::mq
