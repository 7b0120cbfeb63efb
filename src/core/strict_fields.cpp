#include "core/strict_fields.h"

#include <cctype>
#include <cstdint>
#include <fstream>

#include <fmt/format.h>

#include "core/error.h"

namespace edgeml {

using json = nlohmann::json;

std::string shown_json(const json& value) {
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  return text.size() > 40 ? text.substr(0, 37) + "..." : text;
}

void fail_at(const std::string& where, const std::string& what) { throw Error(fmt::format("{}: {}", where, what)); }

StrictFields::StrictFields(const json& object, std::string where) : object_(object), where_(std::move(where)) {
  if (!object.is_object()) fail_at(where_, fmt::format("expected an object, not {}", shown_json(object)));
}

const json* StrictFields::find(const std::string& key) {
  asked_.insert(key);
  auto it = object_.find(key);
  return it == object_.end() ? nullptr : &*it;
}

const json& StrictFields::require(const std::string& key) {
  if (const json* value = find(key)) return *value;
  fail_at(path(key), "is missing");
}

std::optional<StrictFields> StrictFields::child(const std::string& key) {
  const json* value = find(key);
  if (!value) return std::nullopt;
  return StrictFields(*value, path(key));
}

double StrictFields::number(const std::string& key, double fallback, double low, double high, bool low_open) {
  const json* value = find(key);
  if (!value) return fallback;
  if (!value->is_number()) fail_at(path(key), fmt::format("expected a number, not {}", shown_json(*value)));
  double x = value->get<double>();
  if (!(low_open ? x > low : x >= low) || !(x <= high))
    fail_at(path(key), fmt::format("{} is outside {}{:g}, {:g}]", shown_json(*value), low_open ? "(" : "[", low, high));
  return x;
}

int StrictFields::integer(const std::string& key, int fallback, int low, int high) {
  const json* value = find(key);
  if (!value) return fallback;
  if (!value->is_number_integer()) fail_at(path(key), fmt::format("expected a whole number, not {}", shown_json(*value)));
  auto x = value->get<std::int64_t>();
  if (x < low || x > high) fail_at(path(key), fmt::format("{} is outside [{}, {}]", x, low, high));
  return static_cast<int>(x);
}

bool StrictFields::boolean(const std::string& key, bool fallback) {
  const json* value = find(key);
  if (!value) return fallback;
  if (!value->is_boolean()) fail_at(path(key), fmt::format("expected true or false, not {}", shown_json(*value)));
  return value->get<bool>();
}

std::string StrictFields::name(const std::string& key, std::size_t max_length) {
  const json& value = require(key);
  if (!value.is_string()) fail_at(path(key), fmt::format("expected a string, not {}", shown_json(value)));
  std::string name = value.get<std::string>();
  bool safe = !name.empty() && name.size() <= max_length && name[0] != '.' && name[0] != '-';
  for (char c : name) safe = safe && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.');
  if (!safe)
    fail_at(path(key), fmt::format("{} is not a name of 1 to {} letters, digits, '_', '-' and '.', "
                                   "not starting with '.' or '-'", shown_json(value), max_length));
  return name;
}

std::string StrictFields::text(const std::string& key, const std::string& fallback) {
  const json* value = find(key);
  if (!value) return fallback;
  if (!value->is_string()) fail_at(path(key), fmt::format("expected a string, not {}", shown_json(*value)));
  return value->get<std::string>();
}

void StrictFields::finish() const {
  for (const auto& item : object_.items())
    if (!asked_.count(item.key())) {
      std::string known;
      for (const std::string& k : asked_) known += (known.empty() ? "" : ", ") + k;
      fail_at(path(item.key()), fmt::format("unknown field; the fields here are {}", known));
    }
}

json read_commented_json_file(const std::filesystem::path& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(fmt::format("{}: cannot open the file", path.string()));
  std::string text(max_bytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > max_bytes) throw Error(fmt::format("{}: the file is larger than {} bytes", path.string(), max_bytes));
  try {
    return json::parse(text, nullptr, true, true);
  } catch (const json::exception& e) {
    throw Error(fmt::format("{}: not JSON: {}", path.string(), e.what()));
  }
}

}  // namespace edgeml
