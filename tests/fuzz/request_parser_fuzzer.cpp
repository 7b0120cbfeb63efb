// libFuzzer target: prediction requests as `edgeml serve` gets them
// (serve/request.h). The input is the topic, a newline, then the payload.
//
// Checked besides "never throws, never crashes": a taken request names three
// non-empty series levels and finite numbers, and its JSON form
// (append_request_json, how it is echoed in a reply) is taken as the same
// request, whose JSON form then reads back as written.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "fuzz/serve_fuzzing.h"
#include "protocol/request.h"

namespace {

using edgeml::Request;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_request_parser: %s\n", what);
  std::abort();
}

Request request;  // reused, as the server reuses its own
Request again;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto [topic, payload] = edgeml::fuzz::split_first_line({reinterpret_cast<const char*>(data), size});
  if (!edgeml::parse_request(topic, payload, request)) return 0;

  const edgeml::SeriesId& series = request.series;
  if (series.station.empty() || series.datapoint.empty() || series.alarm.empty() ||
      (series.station + series.datapoint + series.alarm).find('/') != std::string::npos)
    fail("a taken request's series is not three non-empty levels");
  if (!std::isfinite(request.index) || !std::isfinite(request.value) || !std::isfinite(request.threshold))
    fail("a taken request holds a number that is not finite");

  std::string json;
  edgeml::append_request_json(json, request);
  // Numbers may be written longer than they came ("1e300" as "1e+300").
  if (json.size() > edgeml::kMaxRequestPayloadBytes) return 0;
  edgeml::Status s = edgeml::parse_request(topic, json, again);
  if (!s) {
    std::fprintf(stderr, "%s\n%s\n", json.c_str(), s.reason().c_str());
    fail("the JSON form of a taken request is refused");
  }
  if (again.series != request.series || again.index != request.index || again.value != request.value ||
      again.threshold != request.threshold || again.id_kind != request.id_kind)
    fail("the JSON form of a taken request reads as another request");
  if (request.id_kind == Request::IdKind::string && again.id != request.id)
    fail("the JSON form of a taken request changes its string id");
  // Read from its JSON form, a request writes that form again; only once
  // (-0 reads back from JSON as 0).
  std::string json_again, json_third;
  edgeml::append_request_json(json_again, again);
  if (!edgeml::parse_request(topic, json_again, request)) fail("the JSON form, written again, is refused");
  edgeml::append_request_json(json_third, request);
  if (json_third != json_again) fail("the JSON form of a request read from JSON is not written the same again");
  return 0;
}
