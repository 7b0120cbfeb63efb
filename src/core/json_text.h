// Appends JSON text to a caller's buffer, for replies written on a hot path:
// with the buffer reused, writing allocates nothing once it has grown to the
// largest reply. Everywhere else nlohmann::json is simpler and is used.
#pragma once

#include <string>
#include <string_view>

namespace edgeml {

// Length of the well-formed UTF-8 sequence at the start of `s` (not empty),
// or 0 when it is ill-formed there.
std::size_t utf8_sequence_length(std::string_view s);

// `text` as a JSON string with its quotes: '"', '\' and control characters
// escaped, and every ill-formed UTF-8 sequence replaced by U+FFFD (so bytes
// echoed from a client always make valid JSON).
void append_json_string(std::string& out, std::string_view text);

// The shortest decimal that reads back as the same double (or float): 100 for
// 100.0, -54.2815 for -54.281502f. The caller keeps NaN and infinity out, as
// JSON has no text for them; they are written as null.
void append_json_number(std::string& out, double value);
void append_json_number(std::string& out, float value);

// `value` rounded to the nearest thousandth (halves away from zero), written
// exactly as append_json_number writes that rounded double, but from its
// integer count of thousandths, in about half the time: a reply's times in
// Unix seconds to the millisecond.
void append_json_thousandths(std::string& out, double value);

}  // namespace edgeml
