// The JSON examples of docs/*.md, and how an example's shape is compared
// with what the code writes.
//
// An example is a ```json fenced block whose opening line follows a line
// <!-- example: NAME --> (blank lines between them allowed). Blocks without
// such a line are not examples and are not read.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace edgeml::docs_test {

struct DocExample {
  std::string name;
  std::string file;  // the markdown file's name, for messages
  int line = 0;      // of the opening fence
  std::string text;  // the block's content
};

// Every example of every *.md under `dir`, in file then line order. A marker
// not followed by a ```json block is returned with empty text and line 0,
// so the caller fails it.
std::vector<DocExample> read_examples(const std::filesystem::path& dir);
std::vector<DocExample> examples_in(const std::string& file_name, const std::string& markdown);

// Where `example` and `written` differ in shape: an object's keys, the
// nesting, the type of each value (numbers are one type, integer or not),
// and the length of each array. Values themselves are not compared. Each
// difference is one line naming its JSON path; empty when the shapes agree.
std::vector<std::string> shape_differences(const nlohmann::json& example, const nlohmann::json& written);

}  // namespace edgeml::docs_test
