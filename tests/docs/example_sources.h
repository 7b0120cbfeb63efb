// What the code writes for each named example of docs/*.md: the table that
// docs_examples_test checks the examples against. To check a new example,
// mark its ```json block with <!-- example: NAME --> and add NAME here.
#pragma once

#include <functional>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace edgeml::docs_test {

// Gives the JSON the code writes for an example; it may read the example's
// own text (a request is parsed by the server's parser, say). Throws
// std::exception with the reason when the code rejects the example.
using ExampleSource = std::function<nlohmann::json(const std::string& example)>;

const std::map<std::string, ExampleSource>& example_sources();

// The /metrics text of the node of the "node-stats" example: every metric
// family the server can write is in it.
std::string sample_node_metrics();

}  // namespace edgeml::docs_test
