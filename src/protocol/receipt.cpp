#include "protocol/receipt.h"

#include <algorithm>
#include <charconv>
#include <random>

#include <fmt/format.h>

#include "protocol/topic_filter.h"

namespace edgeml {

std::string new_run_id() {
  std::random_device device;
  std::uint64_t id = (static_cast<std::uint64_t>(device()) << 32) ^ device();
  return fmt::format("{:016x}", id);
}

std::string encode_receipt(std::vector<std::uint64_t> sequences) {
  std::sort(sequences.begin(), sequences.end());
  sequences.erase(std::unique(sequences.begin(), sequences.end()), sequences.end());
  std::string out;
  for (std::size_t i = 0; i < sequences.size();) {
    std::size_t j = i;
    while (j + 1 < sequences.size() && sequences[j + 1] == sequences[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(sequences[i]);
    if (j > i) out += '-' + std::to_string(sequences[j]);
    i = j + 1;
  }
  return out;
}

bool parse_sequence(std::string_view text, std::uint64_t& sequence) {
  if (text.empty() || text.size() > 20) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), sequence);
  return ec == std::errc() && end == text.data() + text.size();
}

std::string sequence_correlation(std::uint64_t sequence) { return std::to_string(sequence); }

Status decode_receipt(std::string_view payload, std::vector<std::uint64_t>& out) {
  if (payload.size() > kMaxReceiptBytes)
    return Status::error(fmt::format("receipt of {} bytes (at most {})", payload.size(), kMaxReceiptBytes));
  std::size_t budget = kMaxReceiptBytes;
  bool more = !payload.empty();
  while (more) {
    std::size_t comma = payload.find(',');
    std::string_view item = payload.substr(0, comma);
    more = comma != std::string_view::npos;
    payload = more ? payload.substr(comma + 1) : std::string_view();
    std::size_t dash = item.find('-');
    std::uint64_t first = 0, last = 0;
    if (!parse_sequence(item.substr(0, dash), first) ||
        !parse_sequence(dash == std::string_view::npos ? item : item.substr(dash + 1), last) || last < first)
      return Status::error(fmt::format("receipt item '{}' is not N or N-M", item.substr(0, 48)));
    if (last - first >= budget) return Status::error("receipt names more events than it may");
    budget -= last - first + 1;
    for (std::uint64_t s = first;; ++s) {
      out.push_back(s);
      if (s == last) break;
    }
  }
  return Status::ok();
}

}  // namespace edgeml
