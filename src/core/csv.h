// Splitting one CSV line into fields without allocating (no quoting: the
// tutorial's files never quote).
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "core/error.h"

namespace edgeml {

// Splits `text` at `separator` into `fields`; returns how many fields it has,
// which may exceed fields.size() (the extra ones are not stored).
std::size_t split_fields(std::string_view text, char separator, std::span<std::string_view> fields);

// `text` without spaces, tabs and carriage returns at either end.
std::string_view trim_blanks(std::string_view text);

// Splits `line` at commas into `fields`; returns how many fields the line has,
// which may exceed fields.size() (the extra ones are not stored). A trailing
// '\r' is dropped.
std::size_t split_csv(std::string_view line, std::span<std::string_view> fields);

// Parses a whole field as a finite double; `name` is used in the reason.
Status parse_number(std::string_view text, const char* name, double& out);

// Parses Python's bool spelling (True/False) and the usual alternatives.
Status parse_bool(std::string_view text, const char* name, bool& out);

// Formats like Python's float repr for the values the tutorial prints:
// integral values get ".0" (1487441883.0), others the shortest round-trip form.
std::string format_python_float(double v);

// Shortest round-trip form; integral values without a fraction (231).
std::string format_number(double v);

}  // namespace edgeml
