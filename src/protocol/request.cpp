#include "protocol/request.h"

#include <array>
#include <charconv>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/csv.h"
#include "core/json_text.h"

namespace edgeml {

namespace {

using nlohmann::json;

std::string_view trim_space(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

Status parse_topic(std::string_view topic, SeriesId& out) {
  if (topic.size() > kMaxRequestTopicBytes)
    return Status::error(fmt::format("topic is {} bytes, more than {}", topic.size(), kMaxRequestTopicBytes));
  if (!topic.starts_with(kRequestPrefix) || topic.substr(kRequestPrefix.size(), 1) != "/")
    return Status::error("topic is not request/{station}/{datapoint}/{alarm}");
  Status s = parse_series_path(topic.substr(kRequestPrefix.size() + 1), out);
  if (!s) return Status::error(fmt::format("topic is not request/{{station}}/{{datapoint}}/{{alarm}}: {}", s.reason()));
  return s;
}

// "index,value,valueThreshold"
Status parse_csv(std::string_view payload, Request& out) {
  std::array<std::string_view, 3> fields;
  std::size_t count = split_csv(payload, fields);
  if (count != fields.size())
    return Status::error(fmt::format("payload has {} fields, expected 3 (index,value,valueThreshold)", count));
  constexpr std::array<const char*, 3> names = {"index", "value", "valueThreshold"};
  std::array<double*, 3> targets = {&out.index, &out.value, &out.threshold};
  for (std::size_t i = 0; i < fields.size(); ++i)
    if (Status s = parse_number(fields[i], names[i], *targets[i]); !s)
      return Status::error(fmt::format("payload field {} of 3: {}", i + 1, s.reason()));
  return Status::ok();
}

// Reads one flat JSON object as it is parsed, without building a document:
// the known fields are stored, unknown ones (whatever their value) skipped.
class RequestReader : public nlohmann::json_sax<json> {
 public:
  explicit RequestReader(Request& out) : out_(out) {}

  const std::string& error() const { return error_; }

  // Names the first required field the object lacked, or nullptr.
  const char* missing_field() const {
    for (std::size_t i = 0; i < kRequired; ++i)
      if (!seen_[i]) return kNames[i];
    return nullptr;
  }

  bool null() override { return not_a_value("null"); }
  bool boolean(bool) override { return not_a_value("a boolean"); }
  bool number_integer(number_integer_t v) override { return integer(v); }
  bool number_unsigned(number_unsigned_t v) override { return integer(v); }
  bool number_float(number_float_t v, const string_t& text) override {
    if (!in_field()) return true;
    if (field_ == Field::id) return store_id(Request::IdKind::number, text);
    return store_number(v);
  }
  bool string(string_t& v) override {
    if (!in_field()) return true;
    if (field_ == Field::id) return store_id(Request::IdKind::string, v);
    return not_a_value("a string");
  }
  bool binary(binary_t&) override { return not_a_value("binary"); }
  bool start_object(std::size_t) override { return depth_ == 0 ? enter_top_level() : nest("an object"); }
  bool start_array(std::size_t) override { return nest("an array"); }
  bool end_object() override { return unnest(); }
  bool end_array() override { return unnest(); }
  bool key(string_t& name) override {
    if (depth_ != 1) return true;
    field_ = Field::other;
    for (std::size_t i = 0; i < kNames.size(); ++i)
      if (name == kNames[i]) field_ = static_cast<Field>(i);
    if (field_ != Field::other && seen_[static_cast<std::size_t>(field_)])
      return fail(fmt::format("field '{}' appears twice", name));
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
    std::string_view what = e.what();
    // Drop the library's "[json.exception.parse_error.101] " tag.
    if (std::size_t tag_end = what.find("] "); what.starts_with("[") && tag_end != std::string_view::npos)
      what.remove_prefix(tag_end + 2);
    return fail(fmt::format("invalid JSON: {}", what));
  }

 private:
  // In the order of kNames; the first kRequired are required.
  enum class Field { index, value, threshold, id, other };
  static constexpr std::array<const char*, 4> kNames = {"index", "value", "valueThreshold", "id"};
  static constexpr std::size_t kRequired = 3;

  bool in_field() const { return depth_ == 1 && field_ != Field::other; }
  const char* field_name() const { return kNames[static_cast<std::size_t>(field_)]; }

  bool fail(std::string reason) {
    error_ = std::move(reason);
    return false;
  }
  bool not_a_value(const char* what) {
    if (depth_ == 0) return fail(fmt::format("payload is JSON but {}, not an object", what));
    if (!in_field()) return true;
    return fail(fmt::format("field '{}' is {}, not {}", field_name(), what,
                            field_ == Field::id ? "a string or a number" : "a number"));
  }
  bool enter_top_level() {
    depth_ = 1;
    return true;
  }
  // An object or array inside the request: skipped whole as an unknown
  // field's value (or inside one), wrong as a known field's.
  bool nest(const char* what) {
    if (depth_ == 0 || in_field()) return not_a_value(what);
    ++depth_;
    return true;
  }
  bool unnest() {
    --depth_;
    if (depth_ == 1) field_ = Field::other;
    return true;
  }
  template <typename Integer>
  bool integer(Integer v) {
    if (!in_field()) return true;
    if (field_ == Field::id) {
      std::array<char, 24> text;
      auto end = std::to_chars(text.data(), text.data() + text.size(), v).ptr;
      return store_id(Request::IdKind::number, std::string_view(text.data(), end));
    }
    return store_number(static_cast<double>(v));
  }
  bool store_number(double v) {
    if (!std::isfinite(v)) return fail(fmt::format("field '{}' is not finite", field_name()));
    switch (field_) {
      case Field::index: out_.index = v; break;
      case Field::value: out_.value = v; break;
      default: out_.threshold = v; break;
    }
    return mark_seen();
  }
  bool store_id(Request::IdKind kind, std::string_view text) {
    out_.id_kind = kind;
    out_.id.assign(text);
    return mark_seen();
  }
  bool mark_seen() {
    seen_[static_cast<std::size_t>(field_)] = true;
    field_ = Field::other;
    return true;
  }

  Request& out_;
  int depth_ = 0;
  Field field_ = Field::other;
  std::array<bool, 4> seen_{};
  std::string error_;
};

Status parse_json(std::string_view payload, Request& out) {
  RequestReader reader(out);
  if (!json::sax_parse(payload, &reader)) return Status::error(reader.error());
  if (const char* missing = reader.missing_field()) return Status::error(fmt::format("field '{}' is missing", missing));
  return Status::ok();
}

}  // namespace

Status parse_request(std::string_view topic, std::string_view payload, Request& out) {
  out.index = out.value = out.threshold = 0;
  out.id_kind = Request::IdKind::none;
  out.id.clear();
  if (Status s = parse_topic(topic, out.series); !s) return s;
  if (payload.size() > kMaxRequestPayloadBytes)
    return Status::error(fmt::format("payload is {} bytes, more than {}", payload.size(), kMaxRequestPayloadBytes));
  payload = trim_space(payload);
  if (payload.empty()) return Status::error("payload is empty");
  return payload.front() == '{' ? parse_json(payload, out) : parse_csv(payload, out);
}

void append_request_json(std::string& out, const Request& r, std::string_view id_when_none) {
  out += "{\"index\":";
  append_json_number(out, r.index);
  out += ",\"value\":";
  append_json_number(out, r.value);
  out += ",\"valueThreshold\":";
  append_json_number(out, r.threshold);
  switch (r.id_kind) {
    case Request::IdKind::string:
      out += ",\"id\":";
      append_json_string(out, r.id);
      break;
    case Request::IdKind::number:
      out += ",\"id\":";
      out += r.id;  // the number as the client wrote it
      break;
    case Request::IdKind::none:
      if (id_when_none.empty()) break;
      out += ",\"id\":";
      append_json_string(out, id_when_none);
      break;
  }
  out += '}';
}

}  // namespace edgeml
