// What the training rows looked like, per feature (index, value,
// valueThreshold): range, mean and a quantile histogram. `edgeml train` writes
// them into manifest.json as "data_statistics" (src/train/manifest.h); the
// data-quality monitor (quality/data_quality.h) judges live records against
// them with a range check and the population stability index (PSI). The
// manifest's schema (protocol/manifest.h) keeps this block as plain JSON, so
// that protocol stays below quality: the block's fields are read here.
#pragma once

#include <array>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace edgeml {

// The model features a record carries, in the manifest's spelling.
enum class RecordFeature { index, value, threshold };
inline constexpr std::size_t kRecordFeatureCount = 3;
inline constexpr std::array<RecordFeature, kRecordFeatureCount> kRecordFeatures = {
    RecordFeature::index, RecordFeature::value, RecordFeature::threshold};

// "index", "value", "valueThreshold".
std::string_view feature_name(RecordFeature feature);
std::optional<RecordFeature> feature_from_name(std::string_view name);

// A histogram with quantile bin edges. Bin 0 holds x <= bin_edges[0], bin i
// holds bin_edges[i-1] < x <= bin_edges[i], the last bin x > bin_edges.back().
// Edges are strictly ascending (equal quantiles of a constant column merge),
// so a feature has between 1 and the asked number of bins.
struct FeatureStatistics {
  std::size_t count = 0;
  double min = 0, max = 0, mean = 0;
  std::vector<double> bin_edges;
  std::vector<double> proportions;  // bin_edges.size() + 1 shares of the rows, summing to 1

  std::size_t bin_of(double x) const;
  std::size_t bin_count() const { return proportions.size(); }
};

struct ReferenceStatistics {
  std::size_t rows = 0;
  // Absent for a feature the reference does not describe: its range and
  // drift checks are not run.
  std::array<std::optional<FeatureStatistics>, kRecordFeatureCount> features;

  const std::optional<FeatureStatistics>& operator[](RecordFeature f) const {
    return features[static_cast<std::size_t>(f)];
  }
  std::optional<FeatureStatistics>& operator[](RecordFeature f) { return features[static_cast<std::size_t>(f)]; }
};

inline constexpr std::size_t kDefaultReferenceBins = 10;
inline constexpr std::size_t kMaxReferenceBins = 1000;

// Statistics of finite `values` with up to `bins` quantile bins (edges at the
// linearly interpolated i/bins quantiles). Throws Error naming `feature` when
// `values` is empty or holds NaN or infinity, or `bins` is 0.
FeatureStatistics feature_statistics(std::span<const double> values, std::size_t bins, std::string_view feature);

// PSI = sum over bins of (actual - expected) * ln(actual / expected), each
// share raised to at least `epsilon` so an empty bin stays finite. `counts`
// are the window's records per reference bin.
double population_stability_index(std::span<const double> expected, std::span<const std::size_t> counts,
                                  double epsilon);

// {"rows", "bins", "binning", "features": {"index": {"count", "min", "max",
// "mean", "bin_edges", "proportions"}, ...}} as the manifest holds it; "bins"
// is the most bins any feature has (fewer where a column has few distinct values).
nlohmann::json reference_statistics_json(const ReferenceStatistics& stats);
// Reads what reference_statistics_json wrote; throws Error saying which field
// is wrong (e.g. "data_statistics.features.value.proportions sums to 0.5").
ReferenceStatistics reference_statistics_from_json(const nlohmann::json& stats);
// manifest["data_statistics"]; throws Error when it is absent or wrong.
ReferenceStatistics read_reference_statistics(const nlohmann::json& manifest);
// The same from a manifest.json file; errors name the file.
ReferenceStatistics read_reference_statistics(const std::filesystem::path& manifest_path);

}  // namespace edgeml
