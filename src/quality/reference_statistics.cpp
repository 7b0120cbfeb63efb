#include "quality/reference_statistics.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/file_text.h"
#include "protocol/manifest.h"

namespace edgeml {

namespace {

using nlohmann::json;

// Proportions are written with full double precision; this only absorbs rounding.
constexpr double kProportionSumTolerance = 1e-6;

// The p-quantile of sorted values, interpolated linearly between ranks.
double quantile(const std::vector<double>& sorted, double p) {
  double rank = p * static_cast<double>(sorted.size() - 1);
  auto below = static_cast<std::size_t>(std::floor(rank));
  if (below + 1 >= sorted.size()) return sorted.back();
  return sorted[below] + (rank - static_cast<double>(below)) * (sorted[below + 1] - sorted[below]);
}

double finite_number(const json& parent, const char* key, const std::string& where) {
  auto it = parent.find(key);
  if (it == parent.end()) throw Error(fmt::format("{}.{} is missing", where, key));
  if (!it->is_number() || !std::isfinite(it->get<double>()))
    throw Error(fmt::format("{}.{} is not a finite number", where, key));
  return it->get<double>();
}

std::vector<double> number_list(const json& parent, const char* key, const std::string& where) {
  auto it = parent.find(key);
  if (it == parent.end() || !it->is_array()) throw Error(fmt::format("{}.{} is not a list", where, key));
  std::vector<double> numbers;
  for (std::size_t i = 0; i < it->size(); ++i) {
    const json& n = (*it)[i];
    if (!n.is_number() || !std::isfinite(n.get<double>()))
      throw Error(fmt::format("{}.{}[{}] is not a finite number", where, key, i));
    numbers.push_back(n.get<double>());
  }
  return numbers;
}

// Counts above 2^53 are not whole in a double, and above SIZE_MAX would not
// convert to size_t at all (undefined behaviour).
constexpr double kMaxCount = 9007199254740992.0;

FeatureStatistics feature_from_json(const json& j, const std::string& where) {
  if (!j.is_object()) throw Error(fmt::format("{} is not an object", where));
  FeatureStatistics f;
  double count = finite_number(j, "count", where);
  if (count < 1 || count > kMaxCount || count != std::floor(count)) throw Error(fmt::format("{}.count is not a positive integer", where));
  f.count = static_cast<std::size_t>(count);
  f.min = finite_number(j, "min", where);
  f.max = finite_number(j, "max", where);
  f.mean = finite_number(j, "mean", where);
  if (f.min > f.max) throw Error(fmt::format("{}.min {} is above max {}", where, f.min, f.max));
  f.bin_edges = number_list(j, "bin_edges", where);
  f.proportions = number_list(j, "proportions", where);
  if (f.bin_edges.size() >= kMaxReferenceBins)
    throw Error(fmt::format("{}.bin_edges has {} entries, more than {}", where, f.bin_edges.size(), kMaxReferenceBins - 1));
  for (std::size_t i = 1; i < f.bin_edges.size(); ++i)
    if (f.bin_edges[i] <= f.bin_edges[i - 1])
      throw Error(fmt::format("{}.bin_edges are not strictly ascending at [{}]", where, i));
  if (f.proportions.size() != f.bin_edges.size() + 1)
    throw Error(fmt::format("{}.proportions has {} entries, expected {} (one more than bin_edges)", where,
                            f.proportions.size(), f.bin_edges.size() + 1));
  for (std::size_t i = 0; i < f.proportions.size(); ++i)
    if (f.proportions[i] < 0 || f.proportions[i] > 1)
      throw Error(fmt::format("{}.proportions[{}] {} is not between 0 and 1", where, i, f.proportions[i]));
  double sum = std::accumulate(f.proportions.begin(), f.proportions.end(), 0.0);
  if (std::abs(sum - 1) > kProportionSumTolerance)
    throw Error(fmt::format("{}.proportions sums to {}, not 1", where, sum));
  return f;
}

}  // namespace

std::string_view feature_name(RecordFeature feature) {
  static constexpr std::array<std::string_view, kRecordFeatureCount> kNames = {"index", "value", "valueThreshold"};
  return kNames[static_cast<std::size_t>(feature)];
}

std::optional<RecordFeature> feature_from_name(std::string_view name) {
  for (RecordFeature f : kRecordFeatures)
    if (feature_name(f) == name) return f;
  return std::nullopt;
}

std::size_t FeatureStatistics::bin_of(double x) const {
  return static_cast<std::size_t>(std::lower_bound(bin_edges.begin(), bin_edges.end(), x) - bin_edges.begin());
}

FeatureStatistics feature_statistics(std::span<const double> values, std::size_t bins, std::string_view feature) {
  if (values.empty()) throw Error(fmt::format("no {} values to describe", feature));
  if (bins == 0 || bins > kMaxReferenceBins)
    throw Error(fmt::format("{}: the number of bins must be from 1 to {}", feature, kMaxReferenceBins));
  std::vector<double> sorted(values.begin(), values.end());
  for (double v : sorted)
    if (!std::isfinite(v)) throw Error(fmt::format("{} holds a value that is not a finite number", feature));
  std::sort(sorted.begin(), sorted.end());
  FeatureStatistics f;
  f.count = sorted.size();
  f.min = sorted.front();
  f.max = sorted.back();
  f.mean = std::accumulate(sorted.begin(), sorted.end(), 0.0) / static_cast<double>(sorted.size());
  for (std::size_t i = 1; i < bins; ++i) {
    double edge = quantile(sorted, static_cast<double>(i) / static_cast<double>(bins));
    if (f.bin_edges.empty() || edge > f.bin_edges.back()) f.bin_edges.push_back(edge);
  }
  std::vector<std::size_t> counts(f.bin_edges.size() + 1, 0);
  for (double v : sorted) ++counts[f.bin_of(v)];
  for (std::size_t c : counts) f.proportions.push_back(static_cast<double>(c) / static_cast<double>(f.count));
  return f;
}

double population_stability_index(std::span<const double> expected, std::span<const std::size_t> counts,
                                  double epsilon) {
  std::size_t total = std::accumulate(counts.begin(), counts.end(), std::size_t{0});
  if (total == 0 || expected.size() != counts.size()) return 0;
  double psi = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    double actual = std::max(static_cast<double>(counts[i]) / static_cast<double>(total), epsilon);
    double reference = std::max(expected[i], epsilon);
    psi += (actual - reference) * std::log(actual / reference);
  }
  return psi;
}

json reference_statistics_json(const ReferenceStatistics& stats) {
  json features = json::object();
  std::size_t bins = 0;
  for (RecordFeature feature : kRecordFeatures) {
    const auto& f = stats[feature];
    if (!f) continue;
    bins = std::max(bins, f->bin_count());
    features[std::string(feature_name(feature))] = {{"count", f->count},         {"min", f->min},
                                                    {"max", f->max},             {"mean", f->mean},
                                                    {"bin_edges", f->bin_edges}, {"proportions", f->proportions}};
  }
  return {{"rows", stats.rows},
          {"bins", bins},
          {"binning", "quantile edges; bin i holds bin_edges[i-1] < x <= bin_edges[i]"},
          {"features", features}};
}

ReferenceStatistics reference_statistics_from_json(const json& j) {
  const std::string where = "data_statistics";
  if (!j.is_object()) throw Error(where + " is not an object");
  ReferenceStatistics stats;
  double rows = finite_number(j, "rows", where);
  if (rows < 0 || rows > kMaxCount || rows != std::floor(rows)) throw Error(where + ".rows is not a count");
  stats.rows = static_cast<std::size_t>(rows);
  auto features = j.find("features");
  if (features == j.end() || !features->is_object()) throw Error(where + ".features is not an object");
  for (const auto& [name, value] : features->items()) {
    auto feature = feature_from_name(name);
    if (!feature)
      throw Error(fmt::format("{}.features.{} is not index, value or valueThreshold", where, name));
    stats[*feature] = feature_from_json(value, fmt::format("{}.features.{}", where, name));
  }
  return stats;
}

ReferenceStatistics read_reference_statistics(const json& manifest) {
  auto it = manifest.find("data_statistics");
  if (it == manifest.end()) throw Error("the manifest has no data_statistics (train again with this version)");
  return reference_statistics_from_json(*it);
}

ReferenceStatistics read_reference_statistics(const std::filesystem::path& manifest_path) {
  json manifest = read_json_file(manifest_path, kMaxManifestBytes);
  try {
    return read_reference_statistics(manifest);
  } catch (const Error& e) {
    throw Error(fmt::format("'{}': {}", manifest_path.string(), e.what()));
  }
}

}  // namespace edgeml
