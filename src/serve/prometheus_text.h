// Writes metrics in Prometheus' text exposition format (version 0.0.4):
// one "# HELP" and "# TYPE" line per family, then its samples, label values
// escaped. Debian 12 packages no Prometheus client library for C++, and the
// format is small. Names must match [a-zA-Z_:][a-zA-Z0-9_:]*; a counter's
// name ends in _total, by convention.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace edgeml::serve {

class PrometheusText {
 public:
  using Labels = std::vector<std::pair<std::string, std::string>>;

  // Starts a family; its samples follow until the next one starts.
  void family(std::string_view name, std::string_view type, std::string_view help);
  // One sample of the current family: name{labels} value.
  void sample(std::string_view name, double value, const Labels& labels = {});

  const std::string& text() const { return text_; }

  // The media type to serve it with.
  static constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

 private:
  std::string text_;
};

}  // namespace edgeml::serve
