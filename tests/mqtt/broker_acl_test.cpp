#include "mqtt/broker_acl.h"

#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "core/error.h"
#include "mqtt/broker_config.h"
#include "support/test_support.h"

namespace edgeml::mq {
namespace {

using test::error_of;

using test::has_line;
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

TEST(MqttBrokerRoles, RolesFileGivesEachNameItsRoles) {
  const std::string text =
      "# the plant's nodes\n"
      "\n"
      "sensor-1: sensor\n"
      "  node-a :server, collector   # both on one box\n"
      "ops: deployer,requester\r\n"
      "   \t\n";
  std::vector<BrokerRole> roles = parse_broker_roles(text, "roles.txt");
  ASSERT_EQ(roles.size(), 5u);
  const std::vector<std::pair<std::string, std::string>> expected{
      {"sensor-1", "sensor"}, {"node-a", "server"}, {"node-a", "collector"}, {"ops", "deployer"}, {"ops", "requester"}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(roles[i].user, expected[i].first) << i;
    EXPECT_EQ(roles[i].role, expected[i].second) << i;
  }
  EXPECT_TRUE(parse_broker_roles("# nothing but a comment\n\n", "empty").empty());
}

TEST(MqttBrokerRoles, RolesFileErrorsNameTheFileAndLine) {
  const std::vector<std::pair<std::string, std::string>> bad{
      {"a: sensor\nb sensor\n", "roles.txt:2: expected NAME: ROLE[, ROLE...], got 'b sensor'"},
      {"\n\n: sensor\n", "roles.txt:3: expected NAME: ROLE"},
      {"two words: sensor\n", "roles.txt:1: expected NAME: ROLE"},
      {"# x\nops: deployer, admin\n", "roles.txt:2: unknown role 'admin' for 'ops'"},
      {"ops: deployer,\n", "roles.txt:1: a role is missing for 'ops'"},
      {"ops:\n", "roles.txt:1: a role is missing for 'ops'"},
      {"ops=deployer\n", "roles.txt:1: expected NAME: ROLE"},
  };
  for (const auto& [text, want] : bad) {
    std::string message = error_of([&] { parse_broker_roles(text, "roles.txt"); });
    EXPECT_NE(message.find(want), std::string::npos) << "text: " << text << "\nmessage: " << message;
  }
  EXPECT_NE(error_of([&] { parse_broker_roles("ops: admin", "roles.txt"); })
                .find("sensor, collector, server, deployer, requester"),
            std::string::npos);
}

TEST(MqttBrokerRoles, RolesFileIsReadOrNamedInTheError) {
  test::TempDir dir;
  std::ofstream(dir / "roles") << "sensor-1: sensor\n";
  std::vector<BrokerRole> roles = read_broker_roles(dir / "roles");
  ASSERT_EQ(roles.size(), 1u);
  EXPECT_EQ(roles[0].user, "sensor-1");
  std::string message = error_of([&] { read_broker_roles(dir / "missing"); });
  EXPECT_NE(message.find((dir / "missing").string()), std::string::npos) << message;
}

TEST(MqttBrokerRoles, AnAclFromTheRolesFileMatchesOneFromRoleOptions) {
  std::string from_file = render_acl(parse_broker_roles("s: sensor\nn: server, collector\n", "roles"));
  std::string from_options = render_acl({{"s", "sensor"}, {"n", "server"}, {"n", "collector"}});
  EXPECT_EQ(from_file, from_options);
  // The same role from both (--roles and --role) is written once.
  std::string twice = render_acl({{"s", "sensor"}, {"n", "server"}, {"n", "collector"}, {"s", "sensor"}});
  EXPECT_EQ(twice, from_options);
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
}  // namespace edgeml::mq
