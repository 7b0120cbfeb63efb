#include "mqtt/broker_acl.h"

#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "core/error.h"
#include "mqtt/broker_config.h"
#include "support/test_support.h"

namespace edgeml::mqtt {
namespace {

using test::error_of;

bool has_line(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

TEST(MqttBrokerRoles, ParseNameAndRole) {
  BrokerRole r = parse_broker_role("node-1=server");
  EXPECT_EQ(r.user, "node-1");
  EXPECT_EQ(r.role, "server");
  for (const char* bad : {"node-1", "=server", "node-1=", "node-1=admin"}) {
    std::string message = error_of([&] { parse_broker_role(bad); });
    EXPECT_NE(message.find(bad), std::string::npos) << message;
    EXPECT_NE(message.find("sensor, collector, server, deployer, requester"), std::string::npos) << message;
  }
}

TEST(MqttBrokerRoles, AclGrantsWhatEachRoleNeeds) {
  std::string acl = render_acl({{"s", "sensor"}, {"c", "collector"}, {"d", "deployer"}, {"r", "requester"}});
  EXPECT_TRUE(has_line(acl, "pattern read edgeml/receipts/%c/#")) << acl;
  EXPECT_NE(acl.find("user s\ntopic write alarm/#\n"), std::string::npos) << acl;
  EXPECT_NE(acl.find("user c\ntopic read alarm/#\ntopic write edgeml/receipts/#\ntopic write edgeml/dq/#\n"
                     "topic write edgeml/collectors/#\n"),
            std::string::npos)
      << acl;
  EXPECT_NE(acl.find("user d\ntopic write edgeml/deploy/#\ntopic read edgeml/nodes/+/deployments\n"),
            std::string::npos)
      << acl;
  EXPECT_NE(acl.find("user r\ntopic write request/#\ntopic read predict/#\ntopic read edgeml/replies/#\n"),
            std::string::npos)
      << acl;
}

TEST(MqttBrokerRoles, AUserWithTwoRolesHasOneBlock) {
  std::string acl = render_acl({{"n", "server"}, {"x", "sensor"}, {"n", "collector"}});
  EXPECT_EQ(acl.find("user n\n"), acl.rfind("user n\n")) << acl;
  std::string n = acl.substr(acl.find("user n\n"), acl.find("user x\n") - acl.find("user n\n"));
  for (const char* line : {"topic read request/#", "topic write predict/#", "topic write edgeml/nodes/#",
                           "topic write edgeml/replies/#", "topic read edgeml/deploy/#",
                           "topic write edgeml/collectors/#"})
    EXPECT_TRUE(has_line(n, line)) << line << "\n" << acl;
}

TEST(MqttBrokerRoles, UsersNeedAnAcl) {
  BrokerConfig c;
  c.users = {{"alice", "pw"}, {"bob", "pw"}};
  std::string message = error_of([&] { validate(c); });
  EXPECT_NE(message.find("--role NAME=ROLE"), std::string::npos) << message;
  EXPECT_NE(message.find("--acl FILE"), std::string::npos) << message;

  c.roles = {{"alice", "sensor"}};
  message = error_of([&] { validate(c); });
  EXPECT_NE(message.find("'bob' has no --role"), std::string::npos) << message;

  c.roles.push_back({"carol", "collector"});
  message = error_of([&] { validate(c); });
  EXPECT_NE(message.find("'carol'"), std::string::npos) << message;

  c.roles = {{"alice", "sensor"}, {"bob", "collector"}};
  EXPECT_NO_THROW(validate(c));
  std::string conf = render_mosquitto_conf(c, "p");
  EXPECT_TRUE(has_line(conf, "acl_file " + (c.data_dir / "acl").string())) << conf;

  test::TempDir dir;
  std::ofstream(dir / "acl") << "user alice\n";
  c.acl_file = dir / "acl";
  EXPECT_NE(error_of([&] { validate(c); }).find("--acl and --role"), std::string::npos);
  c.roles.clear();
  EXPECT_NO_THROW(validate(c));
}

}  // namespace
}  // namespace edgeml::mqtt
