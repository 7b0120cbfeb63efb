// MQTT topic names and filters, as the broker judges them
// (docs/wire-protocol.md#topics; the topics themselves are in topics.h).
#pragma once

#include <string_view>

namespace edgeml {

// MQTT topic filter matching ('+' one level, '#' the rest).
bool topic_matches(std::string_view filter, std::string_view topic);

// A topic a client may publish on: not empty, at most `max_bytes`, without
// the wildcards '+' and '#' or a NUL. Publishing on another makes the broker
// drop the connection, so a topic that came from the network (a Response
// Topic) is checked before it is used.
bool is_publishable_topic(std::string_view topic, std::size_t max_bytes = 1024);

// A subscription filter as MQTT allows it: not empty, at most `max_bytes`, no
// NUL, '+' only as a whole level and '#' only as the whole last level.
bool is_valid_filter(std::string_view filter, std::size_t max_bytes = 1024);

}  // namespace edgeml
