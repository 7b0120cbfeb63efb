// A node's labels and capacity as `edgeml serve --labels --capacity` gives
// them, and what it measures where they are not given.
#include "cluster/node_resources.h"

#include <gtest/gtest.h>

#include "support/test_support.h"

namespace edgeml::cluster {
namespace {

const Resources kMeasured{2048, 4};

std::string capacity_error(const std::string& text) {
  return test::error_of([&] { parse_capacity(text, kMeasured); });
}

std::string labels_error(const std::string& text) {
  return test::error_of([&] { parse_labels(text); });
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(NodeResources, LabelsAreNamePairs) {
  EXPECT_EQ(parse_labels("arch=arm64,site=barn-1,rack.row=A_2"),
            (std::map<std::string, std::string>{{"arch", "arm64"}, {"rack.row", "A_2"}, {"site", "barn-1"}}));
  EXPECT_TRUE(parse_labels("").empty());
  EXPECT_EQ(parse_labels("a=1,,b=2,"), (std::map<std::string, std::string>{{"a", "1"}, {"b", "2"}}));
  EXPECT_EQ(parse_labels("a=1,a=2").at("a"), "2") << "the last of a name repeated";
  for (const char* bad : {"arch", "=arm64", "arch=", "-a=b", "a=.b", "a b=c", "a=b/c", "a=b=c", "a=+", "a=#"}) {
    std::string error = labels_error(bad);
    EXPECT_TRUE(contains(error, "--labels")) << bad << ": " << error;
  }
  EXPECT_TRUE(contains(labels_error("arch"), "'arch' is not NAME=VALUE"));
  EXPECT_TRUE(contains(labels_error(std::string(65, 'a') + "=b"), "--labels")) << "a name of more than 64 characters";
}

TEST(NodeResources, CapacityInCoresAndMemoryWithUnits) {
  struct Case {
    const char* text;
    double memory_mib, cores;
  };
  const Case cases[] = {
      {"", 2048, 4},
      {"cores=1.5", 2048, 1.5},
      {"memory=512", 512, 4},
      {"memory=512MiB", 512, 4},
      {"memory=512M", 512, 4},
      {"memory=2GiB", 2048, 4},
      {"memory=3G", 3072, 4},
      {"memory=1.5GiB", 1536, 4},
      {"cores=0,memory=0", 0, 0},
      {"memory=256MiB,cores=2", 256, 2},
  };
  for (const Case& c : cases) {
    Resources r = parse_capacity(c.text, kMeasured);
    EXPECT_EQ(r.memory_mib, c.memory_mib) << c.text;
    EXPECT_EQ(r.cores, c.cores) << c.text;
  }
}

TEST(NodeResources, CapacityErrorsSayWhatIsWrong) {
  EXPECT_TRUE(contains(capacity_error("disk=10G"), "unknown 'disk'"));
  EXPECT_TRUE(contains(capacity_error("cores"), "'cores' is not NAME=VALUE"));
  for (const char* bad : {"cores=-1", "memory=-512MiB", "cores=x", "cores=", "cores=1.5x", "cores=inf", "cores=nan",
                          "memory=GiB", "memory=12KiB", "memory=1 G"}) {
    std::string error = capacity_error(bad);
    EXPECT_TRUE(contains(error, "is not a number of zero or more")) << bad << ": " << error;
  }
}

TEST(NodeResources, MeasuredResourcesAndArchitectureAreThere) {
  Resources r = measured_resources();
  EXPECT_GE(r.cores, 1);
  EXPECT_GT(r.memory_mib, 0);
  EXPECT_FALSE(machine_arch().empty());
}

}  // namespace
}  // namespace edgeml::cluster
