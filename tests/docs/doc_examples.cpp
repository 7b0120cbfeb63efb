#include "doc_examples.h"

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>

#include <fmt/format.h>

namespace edgeml::docs_test {

namespace {

using nlohmann::json;

std::string trimmed(const std::string& line) {
  auto first = line.find_first_not_of(" \t\r");
  if (first == std::string::npos) return {};
  return line.substr(first, line.find_last_not_of(" \t\r") - first + 1);
}

// The NAME of a marker line, or empty.
std::string marker_name(const std::string& line) {
  static const std::regex marker(R"(<!--\s*example:\s*([A-Za-z0-9_.-]+)\s*-->)");
  std::smatch match;
  return std::regex_match(line, match, marker) ? match[1].str() : std::string();
}

std::string kind_of(const json& value) {
  if (value.is_number()) return "number";
  return value.type_name();
}

void compare(const json& example, const json& written, const std::string& path, std::vector<std::string>& out);

void compare_objects(const json& example, const json& written, const std::string& path,
                     std::vector<std::string>& out) {
  for (const auto& [key, value] : example.items()) {
    if (!written.contains(key)) out.push_back(fmt::format("{}.{}: in the example, not written by the code", path, key));
    else compare(value, written.at(key), path + "." + key, out);
  }
  for (const auto& [key, value] : written.items())
    if (!example.contains(key)) out.push_back(fmt::format("{}.{}: written by the code, not in the example", path, key));
}

void compare_arrays(const json& example, const json& written, const std::string& path,
                    std::vector<std::string>& out) {
  if (example.size() != written.size()) {
    out.push_back(fmt::format("{}: {} elements in the example, {} written", path, example.size(), written.size()));
    return;
  }
  for (std::size_t i = 0; i < example.size(); ++i)
    compare(example.at(i), written.at(i), fmt::format("{}[{}]", path, i), out);
}

void compare(const json& example, const json& written, const std::string& path, std::vector<std::string>& out) {
  if (kind_of(example) != kind_of(written)) {
    out.push_back(fmt::format("{}: {} in the example, {} written", path, kind_of(example), kind_of(written)));
  } else if (example.is_object()) {
    compare_objects(example, written, path, out);
  } else if (example.is_array()) {
    compare_arrays(example, written, path, out);
  }
}

}  // namespace

std::vector<DocExample> examples_in(const std::string& file_name, const std::string& markdown) {
  std::vector<DocExample> examples;
  std::istringstream lines(markdown);
  std::string line, pending;
  DocExample* open = nullptr;
  for (int number = 1; std::getline(lines, line); ++number) {
    std::string text = trimmed(line);
    if (open) {
      if (text == "```") open = nullptr;
      else open->text += line + "\n";
    } else if (std::string name = marker_name(text); !name.empty()) {
      if (!pending.empty()) examples.push_back({pending, file_name, 0, {}});
      pending = name;
    } else if (!pending.empty() && !text.empty()) {
      examples.push_back({pending, file_name, text == "```json" ? number : 0, {}});
      if (text == "```json") open = &examples.back();
      pending.clear();
    }
  }
  if (!pending.empty()) examples.push_back({pending, file_name, 0, {}});
  return examples;
}

std::vector<DocExample> read_examples(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.path().extension() == ".md") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  std::vector<DocExample> examples;
  for (const auto& file : files) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    auto found = examples_in(file.filename().string(), text.str());
    examples.insert(examples.end(), found.begin(), found.end());
  }
  return examples;
}

std::vector<std::string> shape_differences(const json& example, const json& written) {
  std::vector<std::string> out;
  compare(example, written, "$", out);
  return out;
}

}  // namespace edgeml::docs_test
