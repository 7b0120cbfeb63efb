#include "core/json_text.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>

namespace edgeml {

namespace {

constexpr std::string_view kReplacement = "\xef\xbf\xbd";  // U+FFFD

void append_escape(std::string& out, unsigned char c) {
  switch (c) {
    case '"': out += "\\\""; return;
    case '\\': out += "\\\\"; return;
    case '\b': out += "\\b"; return;
    case '\f': out += "\\f"; return;
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    default: {
      constexpr std::string_view hex = "0123456789abcdef";
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 0xf];
    }
  }
}

template <typename Number>
void append_shortest(std::string& out, Number value) {
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  std::array<char, 32> text;
  auto end = std::to_chars(text.data(), text.data() + text.size(), value).ptr;
  out.append(text.data(), end);
}

// The decimal digits of n > 0, written backwards from `end`; returns the first.
char* write_digits_backwards(char* end, std::uint64_t n) {
  do {
    *--end = static_cast<char>('0' + n % 10);
    n /= 10;
  } while (n != 0);
  return end;
}

}  // namespace

// Unicode 15, table 3-7.
std::size_t utf8_sequence_length(std::string_view s) {
  auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(s[i]); };
  auto continuation = [&](std::size_t i, std::uint8_t low = 0x80, std::uint8_t high = 0xbf) {
    return i < s.size() && byte(i) >= low && byte(i) <= high;
  };
  std::uint8_t lead = byte(0);
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return continuation(1) ? 2 : 0;
  if (lead >= 0xe0 && lead <= 0xef) {
    std::uint8_t low = lead == 0xe0 ? 0xa0 : 0x80;   // no overlong forms
    std::uint8_t high = lead == 0xed ? 0x9f : 0xbf;  // no surrogates
    return continuation(1, low, high) && continuation(2) ? 3 : 0;
  }
  if (lead >= 0xf0 && lead <= 0xf4) {
    std::uint8_t low = lead == 0xf0 ? 0x90 : 0x80;
    std::uint8_t high = lead == 0xf4 ? 0x8f : 0xbf;  // nothing above U+10FFFF
    return continuation(1, low, high) && continuation(2) && continuation(3) ? 4 : 0;
  }
  return 0;
}

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  std::size_t clean = 0;  // text[0, clean) is copied as it is
  while (clean < text.size()) {
    auto c = static_cast<unsigned char>(text[clean]);
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      ++clean;
      continue;
    }
    std::size_t length = c >= 0x80 ? utf8_sequence_length(text.substr(clean)) : 0;
    if (length > 0) {
      clean += length;
      continue;
    }
    out.append(text.data(), clean);
    if (c < 0x80) append_escape(out, c);
    else out += kReplacement;  // one for each byte of an ill-formed sequence
    text.remove_prefix(clean + 1);
    clean = 0;
  }
  out.append(text.data(), clean);
  out += '"';
}

void append_json_number(std::string& out, double value) { append_shortest(out, value); }
void append_json_number(std::string& out, float value) { append_shortest(out, value); }

// The rounded double is the one nearest to k / 1000 for the integer k below.
// With at most 15 significant digits, k / 1000 is the only decimal that short
// reading back as it, so its digits are the shortest form. std::to_chars
// writes that form fixed (123.456) unless scientific (1.5e+09) is shorter;
// those rare values, and the large ones, go to append_json_number.
void append_json_thousandths(std::string& out, double value) {
  const double k = std::round(value * 1000);
  if (!(std::fabs(k) < 1e15) || k == 0) {
    append_json_number(out, k / 1000);
    return;
  }
  std::array<char, 24> buffer;
  char* const end = buffer.data() + buffer.size();
  char* first = write_digits_backwards(end, static_cast<std::uint64_t>(std::fabs(k)));
  const char* significant_end = end;
  while (significant_end[-1] == '0') --significant_end;
  const auto significant = significant_end - first;
  while (end - first < 4) *--first = '0';  // a leading "0." below 1
  const char* point = end - 3;
  const char* fraction_end = std::max(significant_end, point);
  const auto fixed_length = (point - first) + (fraction_end > point ? 1 + (fraction_end - point) : 0);
  // d.ddde+XX: the exponent, digits - 4, has two digits below 1e15.
  const auto scientific_length = significant + (significant > 1 ? 1 : 0) + 4;
  if (scientific_length < fixed_length) {
    append_json_number(out, k / 1000);
    return;
  }
  if (k < 0) out += '-';
  out.append(first, static_cast<std::size_t>(point - first));
  if (fraction_end == point) return;
  out += '.';
  out.append(point, static_cast<std::size_t>(fraction_end - point));
}

}  // namespace edgeml
