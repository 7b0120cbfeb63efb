#include "core/bounded_json.h"

#include <fmt/format.h>

namespace edgeml {

namespace {

using nlohmann::json;

// A SAX handler that builds nothing: it only measures the nesting and the
// sizes that containers declare (CBOR gives them up front).
class ShapeCheck {
 public:
  ShapeCheck(std::size_t input_bytes, std::size_t max_depth) : input_bytes_(input_bytes), max_depth_(max_depth) {}

  bool null() { return true; }
  bool boolean(bool) { return true; }
  bool number_integer(json::number_integer_t) { return true; }
  bool number_unsigned(json::number_unsigned_t) { return true; }
  bool number_float(json::number_float_t, const json::string_t&) { return true; }
  bool string(json::string_t&) { return true; }
  bool binary(json::binary_t&) { return true; }
  bool key(json::string_t&) { return true; }
  bool start_object(std::size_t elements) { return open(elements); }
  bool start_array(std::size_t elements) { return open(elements); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool parse_error(std::size_t position, const std::string&, const json::exception& e) {
    why_ = fmt::format("unreadable at byte {}: {}", position, e.what());
    return false;
  }

  const std::string& why() const { return why_; }

 private:
  bool open(std::size_t elements) {
    if (++depth_ > max_depth_) {
      why_ = fmt::format("nested deeper than {} levels", max_depth_);
      return false;
    }
    // Every element takes at least a byte; "unknown" (indefinite length) is npos.
    if (elements != static_cast<std::size_t>(-1) && elements > input_bytes_) {
      why_ = fmt::format("a container declares {} elements in {} bytes", elements, input_bytes_);
      return false;
    }
    return true;
  }
  bool close() {
    --depth_;
    return true;
  }

  std::size_t input_bytes_, max_depth_, depth_ = 0;
  std::string why_;
};

template <typename Parse>
Status parse_checked(std::string_view input, json& out, std::size_t max_depth, json::input_format_t format,
                     Parse parse) {
  out = nullptr;
  try {
    ShapeCheck check(input.size(), max_depth);
    if (!json::sax_parse(input.begin(), input.end(), &check, format, true)) {
      return Status::error(check.why().empty() ? "unreadable" : check.why());
    }
    json value = parse();
    if (value.is_discarded()) return Status::error("unreadable");
    out = std::move(value);
    return Status::ok();
  } catch (const json::exception& e) {  // what the reader throws despite allow_exceptions = false
    return Status::error(e.what());
  } catch (const std::bad_alloc&) {
    return Status::error("too large to read");
  }
}

}  // namespace

Status parse_json_bounded(std::string_view text, json& out, std::size_t max_depth) {
  return parse_checked(text, out, max_depth, json::input_format_t::json,
                       [&] { return json::parse(text.begin(), text.end(), nullptr, false); });
}

Status parse_cbor_bounded(std::string_view bytes, json& out, std::size_t max_depth) {
  return parse_checked(bytes, out, max_depth, json::input_format_t::cbor,
                       [&] { return json::from_cbor(bytes.begin(), bytes.end(), true, false); });
}

std::string dump_json_replacing(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace edgeml
