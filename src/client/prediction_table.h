// A prediction reply (reply.h) as a person reads it: one line on the request
// and who answered, then a table of model, version, output and the predicted
// event time in UTC; a model that failed shows its error instead.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "protocol/request.h"

namespace edgeml::client {

// Any reply is accepted: missing or mistyped fields show as "-" or are left out.
std::string prediction_table(const Request& request, std::string_view reply, std::chrono::nanoseconds latency);

// "2017-02-18 21:50:33.498 UTC" (rounded to milliseconds); "-" when out of range.
std::string utc_time(double unix_seconds);

}  // namespace edgeml::client
