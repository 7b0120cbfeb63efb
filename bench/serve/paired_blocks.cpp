#include "paired_blocks.h"

#include <algorithm>

#include <fmt/format.h>

namespace edgeml::bench {

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  std::size_t mid = v.size() / 2;
  return v.size() % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

double median(const std::vector<SideRun>& runs, const Figure& figure) {
  std::vector<double> v;
  for (const SideRun& r : runs) v.push_back(figure(r));
  return median(std::move(v));
}

std::vector<double> block_ratios(const Samples& s, const Figure& figure) {
  std::vector<double> ratios;
  for (std::size_t i = 0; i < std::min(s[kServe].size(), s[kNull].size()); ++i)
    if (double base = figure(s[kNull][i]); base > 0) ratios.push_back(figure(s[kServe][i]) / base);
  return ratios;
}

double paired_ratio(const Samples& s, const Figure& figure) {
  return median(block_ratios(s, figure));
}

std::string ratio_and_quartiles(const Samples& s, const Figure& figure) {
  std::vector<double> v = block_ratios(s, figure);
  if (v.empty()) return "none";
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5)]; };
  return fmt::format("{:.3f}, blocks' quartiles {:.3f} - {:.3f}", median(v), at(0.25), at(0.75));
}

}  // namespace edgeml::bench
