#include "serve/prometheus_text.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

namespace edgeml::serve {
namespace {

TEST(ServePrometheusText, FamiliesSamplesAndEscapes) {
  PrometheusText out;
  out.family("edgeml_things_total", "counter", "Things seen.\nOne per line \\ or not.");
  out.sample("edgeml_things_total", 3);
  out.sample("edgeml_things_total", 2.5, {{"model", "a\"b\\c\nd"}, {"version", "v1"}});
  out.family("edgeml_odd", "gauge", "Odd values.");
  out.sample("edgeml_odd", std::numeric_limits<double>::infinity());
  out.sample("edgeml_odd", -std::numeric_limits<double>::infinity());
  out.sample("edgeml_odd", std::nan(""));
  EXPECT_EQ(out.text(),
            "# HELP edgeml_things_total Things seen.\\nOne per line \\\\ or not.\n"
            "# TYPE edgeml_things_total counter\n"
            "edgeml_things_total 3\n"
            "edgeml_things_total{model=\"a\\\"b\\\\c\\nd\",version=\"v1\"} 2.5\n"
            "# HELP edgeml_odd Odd values.\n"
            "# TYPE edgeml_odd gauge\n"
            "edgeml_odd +Inf\n"
            "edgeml_odd -Inf\n"
            "edgeml_odd NaN\n");
}

}  // namespace
}  // namespace edgeml::serve
