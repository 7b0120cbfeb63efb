#include "ingest/postgres_wire.h"

#include <endian.h>

#include <bit>
#include <cstring>

#include "core/json_text.h"

namespace edgeml::ingest::pg {

namespace {

constexpr std::size_t kHeaderBytes = 20;  // ndim, has-nulls, element type, length, lower bound
constexpr std::size_t kCountAt = 12;
constexpr std::string_view kReplacement = "\xef\xbf\xbd";  // U+FFFD

void put32(std::string& out, std::uint32_t v) {
  v = htobe32(v);
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

void put64(std::string& out, std::uint64_t v) {
  v = htobe64(v);
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

bool is_plain_ascii(std::string_view text) {
  for (char c : text)
    if (c == '\0' || static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

std::string valid_text(std::string_view text) {
  std::string out;
  while (!text.empty()) {
    std::size_t length = text[0] == '\0' ? 0 : utf8_sequence_length(text);
    if (length == 0) {
      out += kReplacement;
      length = 1;
    } else {
      out.append(text.data(), length);
    }
    text.remove_prefix(length);
  }
  return out;
}

}  // namespace

BinaryArray::BinaryArray(unsigned element_oid) {
  put32(data_, 1);  // one dimension
  put32(data_, 0);  // no NULLs
  put32(data_, element_oid);
  put32(data_, 0);  // the length, set by data()
  put32(data_, 1);  // indexed from 1
}

void BinaryArray::add_length(std::uint32_t length) {
  put32(data_, length);
  ++count_;
}

void BinaryArray::add_bytes(std::string_view bytes) {
  add_length(static_cast<std::uint32_t>(bytes.size()));
  data_.append(bytes);
}

void BinaryArray::add_text(std::string_view text) {
  if (is_plain_ascii(text)) add_bytes(text);
  else add_bytes(valid_text(text));
}

void BinaryArray::add(double value) {
  add_length(8);
  put64(data_, std::bit_cast<std::uint64_t>(value));
}

void BinaryArray::add(std::int64_t value) {
  add_length(8);
  put64(data_, static_cast<std::uint64_t>(value));
}

void BinaryArray::add(bool value) {
  add_length(1);
  data_ += value ? '\1' : '\0';
}

const std::string& BinaryArray::data() {
  if (count_ == 0) {
    std::string empty;  // no dimensions: PostgreSQL's own form of '{}'
    put32(empty, 0);
    put32(empty, 0);
    empty.append(data_, 8, 4);  // the element type
    data_ = std::move(empty);
    return data_;
  }
  std::uint32_t count = htobe32(count_);
  std::memcpy(data_.data() + kCountAt, &count, sizeof count);
  return data_;
}

std::int64_t read_int64(const char* field) {
  std::uint64_t v;
  std::memcpy(&v, field, sizeof v);
  return static_cast<std::int64_t>(be64toh(v));
}

double read_double(const char* field) { return std::bit_cast<double>(static_cast<std::uint64_t>(read_int64(field))); }

}  // namespace edgeml::ingest::pg
