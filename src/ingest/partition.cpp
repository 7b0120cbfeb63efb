#include "ingest/partition.h"

#include <charconv>
#include <cstdint>

#include <fmt/format.h>

#include "core/error.h"

namespace edgeml::ingest {

namespace {

constexpr std::uint64_t kFnvOffset = 0xcbf29ce484222325ull;
constexpr std::uint64_t kFnvPrime = 0x100000001b3ull;

std::uint64_t fnv1a(std::uint64_t hash, std::string_view bytes) {
  for (char c : bytes) hash = (hash ^ static_cast<unsigned char>(c)) * kFnvPrime;
  return hash;
}

bool read_int(std::string_view text, int& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

bool Partition::holds(const SeriesId* series) const {
  if (count <= 1) return true;
  if (!series) return index == 0;
  return series_partition(*series, count) == index;
}

Partition parse_partition(std::string_view text) {
  Partition p;
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos || !read_int(text.substr(0, slash), p.index) ||
      !read_int(text.substr(slash + 1), p.count) || p.count < 1 || p.index < 0 || p.index >= p.count)
    throw Error(fmt::format("partition '{}' is not K/N with 0 <= K < N (e.g. 0/2 and 1/2 for two collectors)", text));
  return p;
}

int series_partition(const SeriesId& series, int count) {
  std::uint64_t hash = fnv1a(kFnvOffset, series.station);
  hash = fnv1a(hash, "/");
  hash = fnv1a(hash, series.datapoint);
  hash = fnv1a(hash, "/");
  hash = fnv1a(hash, series.alarm);
  return static_cast<int>(hash % static_cast<std::uint64_t>(count));
}

}  // namespace edgeml::ingest
