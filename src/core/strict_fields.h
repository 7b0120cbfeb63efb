// Reading a JSON document that a person wrote (a model spec, a cluster's
// application file): each field is read once by name, a field nobody reads is
// an error rather than a silently ignored typo, and every error names the
// field's path, e.g. "models[0].layers[2].units: ...". Errors are thrown as
// Error: these documents are read at setup, never on a hot path.
#pragma once

#include <array>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace edgeml {

// `value` as JSON text cut to 40 characters: what an error quotes.
std::string shown_json(const nlohmann::json& value);
[[noreturn]] void fail_at(const std::string& where, const std::string& what);

class StrictFields {
 public:
  // Throws unless `object` is a JSON object.
  StrictFields(const nlohmann::json& object, std::string where);

  std::string path(const std::string& key) const { return where_ + "." + key; }
  const nlohmann::json* find(const std::string& key);  // null when absent
  const nlohmann::json& require(const std::string& key);
  // The reader of the object under `key`; none when the key is absent.
  std::optional<StrictFields> child(const std::string& key);
  double number(const std::string& key, double fallback, double low, double high, bool low_open = false);
  int integer(const std::string& key, int fallback, int low, int high);
  bool boolean(const std::string& key, bool fallback);
  // A name of 1 to `max_length` letters, digits, '_', '-' and '.', not
  // starting with '.' or '-': safe in a file name and an MQTT topic level.
  std::string name(const std::string& key, std::size_t max_length = 64);
  std::string text(const std::string& key, const std::string& fallback);
  // Refuses any field that no call above asked for.
  void finish() const;

 private:
  const nlohmann::json& object_;
  std::string where_;
  std::set<std::string> asked_;
};

// Which of `table`'s names `value` is; otherwise throws naming them all.
template <typename Enum, std::size_t N>
Enum named_value(const std::array<std::pair<Enum, const char*>, N>& table, const nlohmann::json& value,
                 const std::string& where) {
  std::string names;
  for (const auto& [e, name] : table) {
    if (value.is_string() && value.get<std::string>() == name) return e;
    names += (names.empty() ? "" : ", ") + std::string(name);
  }
  fail_at(where, shown_json(value) + " is not one of " + names);
}

template <typename Enum, std::size_t N>
const char* name_of_value(const std::array<std::pair<Enum, const char*>, N>& table, Enum e) {
  for (const auto& [value, name] : table)
    if (value == e) return name;
  return "?";
}

// A JSON file of at most `max_bytes`, with // and /* */ comments allowed.
// Throws Error naming the file and what was wrong.
nlohmann::json read_commented_json_file(const std::filesystem::path& path, std::size_t max_bytes);

}  // namespace edgeml
