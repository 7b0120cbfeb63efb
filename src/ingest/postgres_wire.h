// PostgreSQL's binary formats, as libpq passes them: a batch's columns sent
// as array parameters of one statement, and binary result fields read back.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace edgeml::ingest::pg {

// Type OIDs of the array elements (pg_type.dat).
inline constexpr unsigned kBool = 16, kBytea = 17, kInt8 = 20, kText = 25, kFloat8 = 701;

// A one-dimensional array without NULLs in array_send's format.
class BinaryArray {
 public:
  explicit BinaryArray(unsigned element_oid);
  // Text elements are made valid UTF-8 without NULs (ill-formed bytes become
  // U+FFFD), so that no byte of a topic or a reason can fail a batch.
  void add_text(std::string_view text);
  void add_bytes(std::string_view bytes);
  void add(double value);
  void add(std::int64_t value);
  void add(bool value);

  // The array, its element count set; nothing is added after.
  const std::string& data();
  int size() const { return static_cast<int>(data_.size()); }

 private:
  void add_length(std::uint32_t length);
  std::string data_;
  std::uint32_t count_ = 0;
};

std::int64_t read_int64(const char* field);
double read_double(const char* field);

}  // namespace edgeml::ingest::pg
