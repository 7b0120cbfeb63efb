#include "core/csv.h"

#include <charconv>
#include <cmath>

#include <fmt/format.h>

namespace edgeml {

std::size_t split_fields(std::string_view text, char separator, std::span<std::string_view> fields) {
  std::size_t count = 0;
  std::size_t start = 0;
  while (true) {
    std::size_t end = text.find(separator, start);
    std::string_view field = text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (count < fields.size()) fields[count] = field;
    ++count;
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return count;
}

std::size_t split_csv(std::string_view line, std::span<std::string_view> fields) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return split_fields(line, ',', fields);
}

std::string_view trim_blanks(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t\r") - first + 1);
}

Status parse_number(std::string_view text, const char* name, double& out) {
  text = trim_blanks(text);
  if (text.empty()) return Status::error(fmt::format("field '{}' is empty", name));
  // from_chars takes no '+'; one before a '-' ("+-5") is no number either.
  if (text.front() == '+' && !text.substr(1).starts_with('-')) text.remove_prefix(1);
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  if (ec == std::errc::result_out_of_range)
    return Status::error(fmt::format("field '{}' is out of range", name));
  if (ec != std::errc() || ptr != end) {
    std::string_view shown = text.substr(0, 32);
    return Status::error(fmt::format("field '{}' is not a number: '{}'", name, shown));
  }
  if (!std::isfinite(out)) return Status::error(fmt::format("field '{}' is not finite", name));
  return Status::ok();
}

Status parse_bool(std::string_view text, const char* name, bool& out) {
  text = trim_blanks(text);
  if (text == "True" || text == "true" || text == "TRUE" || text == "1") {
    out = true;
  } else if (text == "False" || text == "false" || text == "FALSE" || text == "0") {
    out = false;
  } else {
    return Status::error(fmt::format("field '{}' is not True/False: '{}'", name, text.substr(0, 32)));
  }
  return Status::ok();
}

std::string format_python_float(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e16) return fmt::format("{:.1f}", v);
  return fmt::format("{}", v);
}

std::string format_number(double v) { return fmt::format("{}", v); }

}  // namespace edgeml
