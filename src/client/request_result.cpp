#include "client/request_result.h"

#include <fmt/format.h>
#include <simdjson.h>

namespace edgeml::client {

namespace {

constexpr std::size_t kQuotedReplyBytes = 80;

std::string cut(std::string_view text) {
  return text.size() <= kQuotedReplyBytes ? std::string(text) : fmt::format("{}...", text.substr(0, kQuotedReplyBytes));
}

}  // namespace

double RequestTotals::throughput() const {
  double seconds = std::chrono::duration<double>(elapsed).count();
  return seconds > 0 ? static_cast<double>(latency.count()) / seconds : 0.0;
}

std::string request_payload(const Request& request, std::uint64_t sequence) {
  std::string out;
  append_request_json(out, request, std::to_string(sequence));
  return out;
}

// simdjson, which validates the whole reply, because a load generator reads
// replies as fast as a server sends them and its own cost would otherwise
// hide the server's (figures: bench/README.md, bench_serve).
RequestResult::Outcome classify_reply(std::string_view payload, std::string& error) {
  thread_local simdjson::dom::parser parser;  // keeps its buffers from one reply to the next
  simdjson::dom::element reply;
  if (parser.parse(payload.data(), payload.size()).get(reply) != simdjson::SUCCESS) {
    error = fmt::format("the reply is not JSON: {}", cut(payload));
    return RequestResult::Outcome::error;
  }
  simdjson::dom::object fields;
  if (reply.get_object().get(fields) != simdjson::SUCCESS) {
    error = fmt::format("the reply is not a JSON object: {}", cut(payload));
    return RequestResult::Outcome::error;
  }
  simdjson::dom::element reason;
  if (fields.at_key("error").get(reason) != simdjson::SUCCESS) return RequestResult::Outcome::answered;
  std::string_view text;
  if (reason.get_string().get(text) == simdjson::SUCCESS) error.assign(text);
  else error = simdjson::minify(reason);
  return RequestResult::Outcome::error;
}

}  // namespace edgeml::client
