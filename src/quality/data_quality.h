// Near-real-time data quality: DataQualityMonitor inspects one record at a
// time (an alarm event the collector received, or a prediction request the
// server received), keeps a little state per series, and says what is wrong
// with the record and whether the caller may use it. The checks and their
// settings are in core/data_quality_config.h; the training statistics the
// range and drift checks compare against in core/reference_statistics.h.
//
// Per record the caller: builds a QualityRecord (QualityRecord::from_event()
// of an event that parsed; read_alarm_record() of an alarm message that did
// not, to tell missing and non-finite fields from unreadable ones; for a
// request that did not parse, its reason as schema_error), calls inspect(),
// and on QualityAction::drop stores the record with the rejects
// (verdict.reasons()) instead of using it; the findings of a flagged or
// dropped record are reported (MQTT, log). counts() gives the totals for
// metrics: total and unattributed counts only grow, a series' own leave the
// snapshot when it is evicted (and add to "evicted").
//
// Thread safety: inspect() and counts() may be called from any threads; an
// internal mutex serialises them. Memory is bounded: at most max_series series
// are tracked (the least recently seen is forgotten first), each with windows
// of the configured fixed sizes.
#pragma once

#include <array>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/alarm_event.h"
#include "quality/data_quality_config.h"
#include "quality/data_quality_record.h"
#include "quality/reference_statistics.h"

namespace edgeml {

// keep: nothing reported; flag: use it but report the findings; drop: do not use it.
enum class QualityAction { keep, flag, drop };
std::string_view action_name(QualityAction action);

struct QualityVerdict {
  QualityAction action = QualityAction::keep;
  std::vector<QualityFinding> findings;  // those whose policy is flag or drop

  bool has(QualityCheck check) const;
  // "check: reason; check: reason" for the rejects table and logs.
  std::string reasons() const;
};

struct QualityCounts {
  std::uint64_t records = 0;
  std::uint64_t passed = 0;   // with no finding under a flag or drop policy
  std::uint64_t dropped = 0;
  std::array<std::uint64_t, kQualityCheckCount> findings{};  // whatever their policy

  std::uint64_t operator[](QualityCheck check) const { return findings[static_cast<std::size_t>(check)]; }
  void add(const QualityCounts& other);
};

struct QualitySnapshot {
  std::map<std::string, QualityCounts> series;  // by SeriesId::path(), the series tracked now
  QualityCounts evicted;                        // series forgotten to stay within max_series
  QualityCounts unattributed;                   // records whose series could not be read
  QualityCounts total;
};

class DataQualityMonitor {
 public:
  // Throws Error when the configuration is invalid. Without reference
  // statistics for a feature its out_of_range and drift checks do not run.
  explicit DataQualityMonitor(QualityConfig config, ReferenceStatistics reference = {});
  ~DataQualityMonitor();
  DataQualityMonitor(const DataQualityMonitor&) = delete;
  DataQualityMonitor& operator=(const DataQualityMonitor&) = delete;

  // Judges `record` and updates its series' state. Reusing one verdict reuses
  // its storage: a clean record of a known series allocates nothing.
  void inspect(const QualityRecord& record, QualityVerdict& out);
  QualityVerdict inspect(const QualityRecord& record);

  // New training statistics (a model was deployed): the range check uses
  // them from the next record on, and every series' drift windows restart.
  void set_reference(ReferenceStatistics reference);

  QualitySnapshot counts() const;
  std::size_t series_tracked() const;
  const QualityConfig& config() const { return config_; }

 private:
  struct Series;
  Series& track(const SeriesId& id);
  void check_fields(const QualityRecord& record);
  void conclude(QualityCounts* series, QualityVerdict& out);

  const QualityConfig config_;
  ReferenceStatistics reference_;
  mutable std::mutex mutex_;
  std::map<SeriesId, std::unique_ptr<Series>> series_;
  std::list<const SeriesId*> recency_;  // most recently seen first
  QualityCounts evicted_, unattributed_, total_;
  std::vector<QualityFinding> observed_;  // this record's findings, before policies
  std::vector<double> scratch_;           // for medians
};

}  // namespace edgeml
