// What an edge server learns about its own answers while it serves, fed by
// what happens rather than asked along the way:
// - each request's outcome (record): the predictions are remembered for
//   online accuracy (online_accuracy.h), and a data-quality verdict that
//   flagged or dropped the request is reported on its quality_topic()
//   (quality_report.h, at most once a second per series);
// - each sensor event (observe_event): the truth that scores what was
//   remembered; an accuracy alert raised or cleared is logged and published
//   on the node_alerts_topic().
// The data-quality check itself is a step of the request pipeline, against
// the training statistics of the models served now (refresh_reference).
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mqtt/client.h"
#include "quality/data_quality.h"
#include "quality/quality_report.h"
#include "serve/node_stats.h"
#include "serve/online_accuracy.h"
#include "serve/request_pipeline.h"
#include "serve/server_counts.h"
#include "serve/server_options.h"

namespace edgeml::serve {

class Monitoring {
 public:
  // Reads the data-quality configuration; throws Error when it is wrong.
  Monitoring(const ServerOptions& options, mq::Client& client, ServerCounters& counts);
  ~Monitoring();

  // The request pipeline's data-quality check.
  DataQualityMonitor& quality() { return *quality_; }
  const DataQualityMonitor& quality() const { return *quality_; }
  const OnlineAccuracy& accuracy() const { return accuracy_; }

  // The request worker, before the outcome's reply goes out (so that the
  // event a requester sends on seeing it finds the request remembered).
  void record(const RequestOutcome& outcome);
  // The sensor stream's thread: one event as it came.
  void observe_event(std::string_view topic, std::string_view payload);
  // After the model directory was loaded: the training statistics of
  // `models_dir`'s manifest, given to the check only when they changed.
  void refresh_reference(const std::filesystem::path& models_dir);
  // Accuracy, data quality and the last event's age, for the stats.
  void fill(NodeStats& stats) const;

 private:
  void publish_quality_report(const RequestOutcome& outcome);
  void publish_alert(const AccuracyAlert& alert);

  const std::string node_;
  const double alert_multiple_;
  mq::Client& client_;
  ServerCounters& counts_;
  OnlineAccuracy accuracy_;
  std::unique_ptr<DataQualityMonitor> quality_;
  std::string reference_;       // the statistics the check has, as JSON; the model watcher's
  QualityReportGate report_gate_;  // the request worker's
  std::atomic<std::int64_t> last_event_ns_{-1};  // steady clock; none yet
  AlarmEvent event_;            // the sensor stream's
  std::vector<AccuracyAlert> alerts_;  // the sensor stream's
};

}  // namespace edgeml::serve
