// Fields of JSON that came from another process: a missing or mistyped field
// is none, never an exception.
#pragma once

#include <cmath>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace edgeml {

// object[a][b]...; null when a level is absent or not an object.
inline const nlohmann::json* json_at(const nlohmann::json& object, std::initializer_list<std::string_view> path) {
  const nlohmann::json* at = &object;
  for (std::string_view name : path) {
    if (!at->is_object()) return nullptr;
    auto it = at->find(name);
    if (it == at->end()) return nullptr;
    at = &*it;
  }
  return at;
}

// A finite number there, or none.
inline std::optional<double> json_number(const nlohmann::json& object, std::initializer_list<std::string_view> path) {
  const nlohmann::json* at = json_at(object, path);
  if (!at || !at->is_number()) return std::nullopt;
  double value = at->get<double>();
  if (!std::isfinite(value)) return std::nullopt;
  return value;
}

inline std::optional<std::string> json_text(const nlohmann::json& object, std::initializer_list<std::string_view> path) {
  const nlohmann::json* at = json_at(object, path);
  if (!at || !at->is_string()) return std::nullopt;
  return at->get<std::string>();
}

}  // namespace edgeml
