#include "quality/data_quality_config.h"

#include <cmath>
#include <string>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/file_text.h"

namespace edgeml {

namespace {

using nlohmann::json;

constexpr std::array<std::string_view, kQualityCheckCount> kCheckNames = {
    "schema", "missing", "not_finite", "out_of_range", "time_backwards", "duplicate", "gap", "burst", "drift"};

// Windows are allocated per series: a bound keeps a typo from exhausting memory.
constexpr std::size_t kMaxWindow = 100000;
constexpr std::size_t kMaxSeries = 10000000;

std::string where(std::string_view check, std::string_view key) { return fmt::format("{}.{}", check, key); }

double number(const json& j, const std::string& at) {
  if (!j.is_number() || !std::isfinite(j.get<double>()))
    throw Error(fmt::format("data quality config: {} is not a finite number: {}", at, j.dump()));
  return j.get<double>();
}

std::size_t count(const json& j, const std::string& at, std::size_t low, std::size_t high) {
  double n = number(j, at);
  if (n != std::floor(n) || n < static_cast<double>(low) || n > static_cast<double>(high))
    throw Error(fmt::format("data quality config: {} must be a whole number from {} to {}, not {}", at, low, high,
                            j.dump()));
  return static_cast<std::size_t>(n);
}

QualityPolicy policy(const json& j, const std::string& at) {
  for (QualityPolicy p : {QualityPolicy::pass, QualityPolicy::flag, QualityPolicy::drop})
    if (j.is_string() && j.get_ref<const std::string&>() == policy_name(p)) return p;
  throw Error(fmt::format("data quality config: {} must be \"pass\", \"flag\" or \"drop\", not {}", at, j.dump()));
}

std::vector<RecordFeature> features(const json& j, const std::string& at) {
  if (!j.is_array()) throw Error(fmt::format("data quality config: {} is not a list of feature names", at));
  std::vector<RecordFeature> list;
  for (const json& name : j) {
    auto f = name.is_string() ? feature_from_name(name.get_ref<const std::string&>()) : std::nullopt;
    if (!f)
      throw Error(fmt::format("data quality config: {} holds {}, not index, value or valueThreshold", at, name.dump()));
    list.push_back(*f);
  }
  return list;
}

// Applies one of a check's own settings; false when `key` is not one of them.
bool apply_setting(QualityConfig& c, QualityCheck check, const std::string& key, const json& v) {
  const std::string at = where(check_name(check), key);
  switch (check) {
    case QualityCheck::out_of_range:
      if (key == "margin") return c.range_margin = number(v, at), true;
      if (key == "features") return c.range_features = features(v, at), true;
      break;
    case QualityCheck::duplicate:
      if (key == "memory") return c.duplicate_memory = count(v, at, 1, kMaxWindow), true;
      break;
    case QualityCheck::gap:
      if (key == "factor") return c.gap_factor = number(v, at), true;
      if (key == "quantile") return c.gap_quantile = number(v, at), true;
      if (key == "min_intervals") return c.gap_min_intervals = count(v, at, 1, kMaxWindow), true;
      if (key == "window") return c.gap_window = count(v, at, 1, kMaxWindow), true;
      break;
    case QualityCheck::burst:
      if (key == "max_records") return c.burst_max_records = count(v, at, 1, kMaxWindow), true;
      if (key == "window_seconds") return c.burst_window_seconds = number(v, at), true;
      break;
    case QualityCheck::drift:
      if (key == "features") return c.drift_features = features(v, at), true;
      if (key == "window") return c.drift_window = count(v, at, 1, kMaxWindow), true;
      if (key == "every") return c.drift_every = count(v, at, 1, kMaxWindow), true;
      if (key == "threshold") return c.drift_threshold = number(v, at), true;
      if (key == "epsilon") return c.drift_epsilon = number(v, at), true;
      break;
    default: break;
  }
  return false;
}

void apply_check(QualityConfig& c, QualityCheck check, const json& settings) {
  if (!settings.is_object())
    throw Error(fmt::format("data quality config: {} is not an object of settings", check_name(check)));
  for (const auto& [key, value] : settings.items()) {
    if (key == "policy")
      c.policy(check) = policy(value, where(check_name(check), key));
    else if (!apply_setting(c, check, key, value))
      throw Error(fmt::format("data quality config: {} is not a setting of the {} check", where(check_name(check), key),
                              check_name(check)));
  }
}

}  // namespace

std::string_view check_name(QualityCheck check) { return kCheckNames[static_cast<std::size_t>(check)]; }

std::optional<QualityCheck> check_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kCheckNames.size(); ++i)
    if (kCheckNames[i] == name) return static_cast<QualityCheck>(i);
  return std::nullopt;
}

std::string_view policy_name(QualityPolicy policy) {
  static constexpr std::array<std::string_view, 3> kNames = {"pass", "flag", "drop"};
  return kNames[static_cast<std::size_t>(policy)];
}

void QualityConfig::validate() const {
  auto fail = [](std::string what) { throw Error("data quality config: " + what); };
  if (!(range_margin >= 0)) fail(fmt::format("out_of_range.margin must be 0 or more, not {}", range_margin));
  if (!(gap_factor > 1)) fail(fmt::format("gap.factor must be above 1, not {}", gap_factor));
  if (!(gap_quantile > 0 && gap_quantile <= 1))
    fail(fmt::format("gap.quantile must be above 0 and at most 1, not {}", gap_quantile));
  if (gap_min_intervals > gap_window)
    fail(fmt::format("gap.min_intervals {} exceeds gap.window {}", gap_min_intervals, gap_window));
  if (!(burst_window_seconds > 0))
    fail(fmt::format("burst.window_seconds must be positive, not {}", burst_window_seconds));
  if (!(drift_threshold > 0)) fail(fmt::format("drift.threshold must be positive, not {}", drift_threshold));
  if (!(drift_epsilon > 0 && drift_epsilon < 1))
    fail(fmt::format("drift.epsilon must be between 0 and 1, not {}", drift_epsilon));
  for (std::size_t n : {duplicate_memory, gap_window, burst_max_records, drift_window, drift_every})
    if (n == 0 || n > kMaxWindow) fail(fmt::format("windows and counts must be from 1 to {}, not {}", kMaxWindow, n));
  if (max_series == 0 || max_series > kMaxSeries)
    fail(fmt::format("max_series must be from 1 to {}, not {}", kMaxSeries, max_series));
}

QualityConfig QualityConfig::from_json(const json& config) {
  if (!config.is_object()) throw Error("data quality config is not a JSON object");
  QualityConfig c;
  for (const auto& [key, value] : config.items()) {
    if (key == "max_series") {
      c.max_series = count(value, key, 1, kMaxSeries);
    } else if (auto check = check_from_name(key)) {
      apply_check(c, *check, value);
    } else {
      throw Error(fmt::format("data quality config: {} is not a check ({}) or max_series", key,
                              fmt::join(kCheckNames, ", ")));
    }
  }
  c.validate();
  return c;
}

QualityConfig read_quality_config(const std::filesystem::path& path) {
  constexpr std::size_t kMaxConfigBytes = 1 << 16;
  json config = read_json_file(path, kMaxConfigBytes);
  try {
    return QualityConfig::from_json(config);
  } catch (const Error& e) {
    throw Error(fmt::format("'{}': {}", path.string(), e.what()));
  }
}

}  // namespace edgeml
