// Every JSON example in docs/*.md has the shape of what the code writes for
// it (example_sources.h): same keys, same nesting, same types. An example
// that is not JSON, or names no source, fails. The metric names that
// docs/node-stats.md lists are the ones the server writes on /metrics.
#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "doc_examples.h"
#include "example_sources.h"

namespace edgeml::docs_test {
namespace {

using nlohmann::json;

std::string where(const DocExample& e) { return fmt::format("docs/{}:{} ({})", e.file, e.line, e.name); }

// Empty when the example agrees with the code; else why not.
std::string check(const DocExample& example) {
  if (example.line == 0) return "the marker is not followed by a ```json block";
  auto source = example_sources().find(example.name);
  if (source == example_sources().end()) return "no source in tests/docs/example_sources.cpp names it";
  json documented = json::parse(example.text, nullptr, false);
  if (documented.is_discarded()) return "the example is not JSON";
  json written;
  try {
    written = source->second(example.text);
  } catch (const std::exception& e) {
    return fmt::format("the code rejects it: {}", e.what());
  }
  auto differences = shape_differences(documented, written);
  if (differences.empty()) return {};
  return fmt::format("{}\nthe code writes:\n{}", fmt::join(differences, "\n"), written.dump(2));
}

TEST(DocsExamples, EveryExampleHasTheShapeTheCodeWrites) {
  auto examples = read_examples(EDGEML_DOCS_DIR);
  ASSERT_FALSE(examples.empty()) << "no <!-- example: NAME --> in " << EDGEML_DOCS_DIR;
  for (const DocExample& example : examples) {
    std::string failure = check(example);
    EXPECT_TRUE(failure.empty()) << where(example) << ": " << failure;
  }
}

TEST(DocsExamples, TheRegisteredExamplesAreInTheDocs) {
  auto examples = read_examples(EDGEML_DOCS_DIR);
  for (const auto& [name, source] : example_sources()) {
    bool found = std::any_of(examples.begin(), examples.end(), [&](const DocExample& e) { return e.name == name; });
    EXPECT_TRUE(found) << "no docs/*.md has <!-- example: " << name << " -->";
  }
}

// Metric family names: from "# TYPE NAME TYPE" lines of a /metrics text.
std::set<std::string> metric_families(const std::string& metrics) {
  std::set<std::string> names;
  std::istringstream lines(metrics);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string hash, keyword, name;
    if (words >> hash >> keyword >> name && hash == "#" && keyword == "TYPE") names.insert(name);
  }
  return names;
}

// Metric names in a markdown text: `edgeml_serve_...` or `process_...` in backquotes.
std::set<std::string> documented_metrics(const std::string& markdown) {
  static const std::regex name("`((?:edgeml_serve|process)_[a-z_]+)`");
  std::set<std::string> names;
  for (std::sregex_iterator it(markdown.begin(), markdown.end(), name), end; it != end; ++it)
    names.insert((*it)[1].str());
  return names;
}

TEST(DocsExamples, NodeStatsNamesEveryMetricTheServerWrites) {
  std::ifstream in(std::string(EDGEML_DOCS_DIR) + "/node-stats.md");
  std::stringstream markdown;
  markdown << in.rdbuf();
  std::set<std::string> documented = documented_metrics(markdown.str());
  std::set<std::string> written = metric_families(sample_node_metrics());
  ASSERT_FALSE(written.empty());
  for (const std::string& name : written) EXPECT_TRUE(documented.contains(name)) << name << " is not in docs/node-stats.md";
  for (const std::string& name : documented) EXPECT_TRUE(written.contains(name)) << name << " (docs/node-stats.md) is not written";
}

TEST(DocsExamples, ShapesDifferInKeysNestingTypesAndLengths) {
  json code = json::parse(R"({"a": 1, "b": {"c": "x"}, "d": [1, 2], "e": true})");
  EXPECT_TRUE(shape_differences(json::parse(R"({"a": 2.5, "b": {"c": "y"}, "d": [3, 4], "e": false})"), code).empty());
  EXPECT_EQ(shape_differences(json::parse(R"({"a": 1, "b": {"c": "x"}, "d": [1, 2]})"), code).size(), 1u);
  EXPECT_EQ(shape_differences(json::parse(R"({"a": 1, "b": {"c": "x"}, "d": [1, 2], "e": true, "f": 0})"), code),
            std::vector<std::string>{"$.f: in the example, not written by the code"});
  EXPECT_EQ(shape_differences(json::parse(R"({"a": "1", "b": {"c": "x"}, "d": [1, 2], "e": true})"), code),
            std::vector<std::string>{"$.a: string in the example, number written"});
  EXPECT_EQ(shape_differences(json::parse(R"({"a": 1, "b": {"c": 1}, "d": [1, 2], "e": true})"), code).size(), 1u);
  EXPECT_EQ(shape_differences(json::parse(R"({"a": 1, "b": {"c": "x"}, "d": [1], "e": true})"), code).size(), 1u);
}

TEST(DocsExamples, AMarkerTakesTheNextJsonBlockOnly) {
  auto found = examples_in("t.md", "text\n<!-- example: one -->\n\n```json\n{\"a\": 1}\n```\n\n```json\n{}\n```\n"
                                   "<!-- example: two -->\n```sh\nls\n```\n");
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].name, "one");
  EXPECT_EQ(found[0].line, 4);
  EXPECT_EQ(found[0].text, "{\"a\": 1}\n");
  EXPECT_EQ(found[1].name, "two");
  EXPECT_EQ(found[1].line, 0);
}

}  // namespace
}  // namespace edgeml::docs_test
