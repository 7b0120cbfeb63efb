#include "serve/metrics_endpoint.h"

#include <fmt/format.h>

#include "serve/node_stats.h"
#include "serve/prometheus_text.h"

namespace edgeml::serve {

namespace {

HttpServer::Routes metrics_routes(MetricsEndpoint::Sources sources) {
  HttpServer::Routes routes;
  routes["/metrics"] = [metrics = std::move(sources.metrics)] {
    return HttpResponse{200, PrometheusText::kContentType, metrics()};
  };
  routes["/healthz"] = health_route(std::move(sources.healthy));
  return routes;
}

}  // namespace

MetricsEndpoint::MetricsEndpoint(const std::string& host, int port, Sources sources)
    : http_(host, port, metrics_routes(std::move(sources)), "/metrics") {}

namespace {

void summary_samples(PrometheusText& out, const std::string& name, const LatencySummary::Figures& f,
                     const PrometheusText::Labels& labels) {
  auto seconds = [](LatencySummary::Duration d) { return std::chrono::duration<double>(d).count(); };
  for (auto [q, v] : {std::pair{"0.5", f.p50}, {"0.9", f.p90}, {"0.99", f.p99}}) {
    PrometheusText::Labels l = labels;
    l.emplace_back("quantile", q);
    out.sample(name, seconds(v), l);
  }
  out.sample(name + "_sum", seconds(f.mean) * static_cast<double>(f.count), labels);
  out.sample(name + "_count", static_cast<double>(f.count), labels);
}

// The same figures as a histogram (its own family name: a family has one
// type), which Prometheus can sum over servers before taking a quantile.
void histogram_samples(PrometheusText& out, const std::string& name, const LatencySummary::Figures& f,
                       const PrometheusText::Labels& labels) {
  const auto& bounds = LatencySummary::kHistogramBounds;
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    PrometheusText::Labels l = labels;
    l.emplace_back("le", fmt::format("{}", std::chrono::duration<double>(bounds[i]).count()));
    out.sample(name + "_bucket", static_cast<double>(f.at_or_below[i]), l);
  }
  PrometheusText::Labels l = labels;
  l.emplace_back("le", "+Inf");
  out.sample(name + "_bucket", static_cast<double>(f.count), l);
  out.sample(name + "_sum", std::chrono::duration<double>(f.mean).count() * static_cast<double>(f.count), labels);
  out.sample(name + "_count", static_cast<double>(f.count), labels);
}

void latency_histograms(PrometheusText& out, const NodeStats& s) {
  const std::string request = "edgeml_serve_request_duration_seconds";
  out.family(request, "histogram",
             "From a request's arrival to its reply being handed to the MQTT client (the summary "
             "edgeml_serve_request_latency_seconds as a histogram).");
  histogram_samples(out, request, s.latency, {});
  const std::string inference = "edgeml_serve_model_inference_duration_seconds";
  out.family(inference, "histogram",
             "Run time of one model's inference for one request (edgeml_serve_model_inference_seconds as a "
             "histogram).");
  for (const auto& [model, f] : s.inference) histogram_samples(out, inference, f, {{"model", model}});
}

void latency_summaries(PrometheusText& out, const NodeStats& s) {
  const std::string request = "edgeml_serve_request_latency_seconds";
  out.family(request, "summary", "From a request's arrival to its reply being handed to the MQTT client.");
  summary_samples(out, request, s.latency, {});
  const std::string inference = "edgeml_serve_model_inference_seconds";
  out.family(inference, "summary", "Run time of one model's inference for one request.");
  for (const auto& [model, f] : s.inference) summary_samples(out, inference, f, {{"model", model}});
}

void counter(PrometheusText& out, const char* name, const char* help, std::uint64_t value) {
  out.family(name, "counter", help);
  out.sample(name, static_cast<double>(value));
}

void accuracy_metrics(PrometheusText& out, const NodeStats& s) {
  const OnlineAccuracyCounts& c = s.accuracy_counts;
  counter(out, "edgeml_serve_online_remembered_total", "Answered requests remembered for scoring.", c.remembered);
  counter(out, "edgeml_serve_online_scored_requests_total", "Sensor events that scored a remembered request.",
          c.scored);
  counter(out, "edgeml_serve_online_unmatched_events_total", "Sensor events for which no request was remembered.",
          c.unmatched);
  counter(out, "edgeml_serve_online_forgotten_total", "Remembered requests dropped before their event came.",
          c.forgotten);
  auto labels = [](const ModelAccuracy& a) -> PrometheusText::Labels {
    return {{"model", a.model}, {"version", a.version}, {"series", a.series.path()}};
  };
  out.family("edgeml_serve_online_mae", "gauge",
             "Mean absolute error of a model's scored predictions in its label's unit: since its version first "
             "scored (window=\"version\"), over the last N (window=\"last\") and exponentially weighted "
             "(window=\"ewma\").");
  for (const ModelAccuracy& a : *s.accuracy) {
    for (auto [window, value] : {std::pair{"version", a.mae}, {"last", a.window_mae}, {"ewma", a.ewma_mae}}) {
      PrometheusText::Labels l = labels(a);
      l.emplace_back("window", window);
      out.sample("edgeml_serve_online_mae", value, l);
    }
  }
  out.family("edgeml_serve_online_scored_total", "counter", "Predictions scored since the version first scored.");
  for (const ModelAccuracy& a : *s.accuracy)
    out.sample("edgeml_serve_online_scored_total", static_cast<double>(a.scored), labels(a));
  out.family("edgeml_serve_model_test_mae", "gauge", "The model's test MAE from its manifest.");
  for (const ModelAccuracy& a : *s.accuracy)
    if (a.test_mae) out.sample("edgeml_serve_model_test_mae", *a.test_mae, labels(a));
  out.family("edgeml_serve_online_accuracy_alert", "gauge",
             "1 while the last-N MAE exceeds the alert multiple of the test MAE, else 0.");
  for (const ModelAccuracy& a : *s.accuracy)
    out.sample("edgeml_serve_online_accuracy_alert", a.alert ? 1 : 0, labels(a));
}

void quality_metrics(PrometheusText& out, const QualitySnapshot& q, std::uint64_t dropped) {
  counter(out, "edgeml_serve_quality_records_total", "Requests inspected by the data-quality checks.", q.total.records);
  counter(out, "edgeml_serve_quality_passed_total", "Requests with no finding under a flag or drop policy.",
          q.total.passed);
  counter(out, "edgeml_serve_quality_dropped_total", "Requests refused by a data-quality check.", dropped);
  out.family("edgeml_serve_quality_findings_total", "counter", "Data-quality findings on requests, by check.");
  for (std::size_t i = 0; i < kQualityCheckCount; ++i)
    out.sample("edgeml_serve_quality_findings_total", static_cast<double>(q.total.findings[i]),
               {{"check", std::string(check_name(static_cast<QualityCheck>(i)))}});
  out.family("edgeml_serve_quality_series_findings_total", "counter",
             "Data-quality findings on requests, by series (those tracked now) and check.");
  for (const auto& [series, counts] : q.series)
    for (std::size_t i = 0; i < kQualityCheckCount; ++i)
      if (counts.findings[i] > 0)
        out.sample("edgeml_serve_quality_series_findings_total", static_cast<double>(counts.findings[i]),
                   {{"series", series}, {"check", std::string(check_name(static_cast<QualityCheck>(i)))}});
}

// Node bounds carry model="" (the same as no model label to Prometheus) so
// that every series of a family has the same label names.
void contract_metrics(PrometheusText& out, const ContractSnapshot& c) {
  auto labels = [&](const ContractState& state) -> PrometheusText::Labels {
    return {{"contract", c.name}, {"model", state.model}, {"metric", contract_metric_name(state.metric)}};
  };
  out.family("edgeml_serve_contract_violation", "gauge", "1 while the service contract's bound is violated, else 0.");
  for (const ContractState& state : c.states)
    out.sample("edgeml_serve_contract_violation", state.violated ? 1 : 0, labels(state));
  out.family("edgeml_serve_contract_violations_total", "counter", "Times the bound was found violated.");
  for (const ContractState& state : c.states)
    out.sample("edgeml_serve_contract_violations_total", static_cast<double>(state.violations), labels(state));
  out.family("edgeml_serve_contract_value", "gauge",
             "The last measured value of the bound's metric (latency in milliseconds, freshness in seconds).");
  for (const ContractState& state : c.states)
    if (state.value) out.sample("edgeml_serve_contract_value", *state.value, labels(state));
  out.family("edgeml_serve_contract_bound", "gauge", "The bound, in the metric's unit.");
  for (const ContractState& state : c.states) out.sample("edgeml_serve_contract_bound", state.bound, labels(state));
}

}  // namespace

std::string server_metrics(const NodeStats& s, const ModelSet& models) {
  PrometheusText out;
  counter(out, "edgeml_serve_requests_total", "Prediction requests received.", s.counts.requests);
  counter(out, "edgeml_serve_replies_total", "Predictions published.", s.counts.replies);
  counter(out, "edgeml_serve_request_errors_total", "Requests that could not be read (answered with an error).",
          s.counts.errors);
  counter(out, "edgeml_serve_overloaded_total", "Requests refused because the queue stayed full.", s.counts.overloaded);
  counter(out, "edgeml_serve_handed_off_total",
          "Requests handed to the other replicas of the cluster application because the queue was full.",
          s.counts.handed_off);
  counter(out, "edgeml_serve_request_timeouts_total",
          "Requests answered with an error because they waited in the queue past the deadline.", s.counts.timed_out);
  counter(out, "edgeml_serve_replies_refused_total",
          "Replies not sent because the request's Response Topic was outside --response-filter or had wildcards.",
          s.counts.replies_refused);
  counter(out, "edgeml_serve_model_reloads_total", "Model sets swapped in after the first.", s.counts.reloads);
  counter(out, "edgeml_serve_deployments_total", "Model packages installed or removed.", s.counts.deployments);
  out.family("edgeml_serve_queue_depth", "gauge", "Requests waiting for the worker.");
  out.sample("edgeml_serve_queue_depth", static_cast<double>(s.queue));
  out.family("edgeml_serve_uptime_seconds", "gauge", "Seconds since the server started.");
  out.sample("edgeml_serve_uptime_seconds", s.uptime_s);
  out.family("edgeml_serve_model_info", "gauge", "A model being served (always 1), with its version.");
  for (const auto& model : models.models())
    out.sample("edgeml_serve_model_info", 1, {{"model", model->info().name}, {"version", model->info().version}});
  out.family("edgeml_serve_model_load_seconds", "gauge", "Time to read, check, plan and warm the model.");
  for (const auto& model : models.models())
    out.sample("edgeml_serve_model_load_seconds", model->info().load_seconds,
               {{"model", model->info().name}, {"version", model->info().version}});
  out.family("edgeml_serve_model_reload_seconds", "gauge", "Time the last reload of the model directory took.");
  out.sample("edgeml_serve_model_reload_seconds", s.last_reload_seconds);
  latency_summaries(out, s);
  latency_histograms(out, s);
  out.family("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.");
  out.sample("process_cpu_seconds_total", s.process.cpu_seconds);
  out.family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
  out.sample("process_resident_memory_bytes", static_cast<double>(s.process.resident_bytes));
  counter(out, "edgeml_serve_sensor_events_total", "Sensor events received to score predictions.", s.counts.events);
  counter(out, "edgeml_serve_sensor_events_unreadable_total", "Sensor events that were not an alarm event.",
          s.counts.events_unreadable);
  counter(out, "edgeml_serve_sensor_events_dropped_total", "Sensor events not scored: the queue stayed full.",
          s.counts.events_dropped);
  counter(out, "edgeml_serve_accuracy_alerts_total", "Online accuracy alerts raised.", s.counts.accuracy_alerts);
  if (s.accuracy) accuracy_metrics(out, s);
  if (s.quality) quality_metrics(out, *s.quality, s.counts.quality_dropped);
  if (s.contracts) contract_metrics(out, *s.contracts);
  return out.text();
}

}  // namespace edgeml::serve
