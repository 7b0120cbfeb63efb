// edgeml request: ask a running `edgeml serve` for predictions over MQTT 5,
// one request from the command line or a replay of a sensor file.
#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <tuple>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "cli/common.h"
#include "core/bounded_json.h"
#include "core/error.h"
#include "client/prediction_table.h"
#include "client/request_client.h"
#include "client/request_file.h"
#include "protocol/topics.h"

namespace edgeml::cli {

namespace {

using nlohmann::json;
using client::RequestResult;

// Problems reported one by one; the rest are only counted in the summary.
constexpr int kProblemsShown = 10;

struct RequestArgs {
  client::RequestClientOptions client;
  std::string series;
  double index = 0, value = 0, threshold = 0;
  std::string file;
  double timeout = 5;
  bool json = false;
};

// Prints each reply (raw JSON lines, or a table for a single request) and the
// first few problems, naming the file line a request came from.
class ResultPrinter {
 public:
  explicit ResultPrinter(const RequestArgs& args) : args_(args) {}

  void operator()(const RequestResult& result) {
    if (args_.json && !result.reply.empty()) print_json_line(result.reply);
    if (result.outcome == RequestResult::Outcome::answered) {
      if (!args_.json && args_.file.empty())
        fmt::print("{}", client::prediction_table(result.request, result.reply, result.latency));
      return;
    }
    if (++problems_ > kProblemsShown) return;
    std::string where = args_.file.empty() ? result.request.series.path() : fmt::format("{}:{}", args_.file, result.request.id);
    if (result.outcome == RequestResult::Outcome::timeout)
      spdlog::warn("{}: no reply within {} s, sent {} times", where, args_.timeout, result.sends);
    else
      spdlog::warn("{}: error: {}", where, result.error);
    if (problems_ == kProblemsShown) spdlog::warn("further problems are only counted in the summary");
  }

 private:
  static std::string join_lines(std::string text) {
    std::replace(text.begin(), text.end(), '\n', ' ');
    return text;
  }

  static void print_json_line(const std::string& reply) {
    // One reply per line even if a server pretty-printed it.
    json parsed;
    if (reply.find('\n') == std::string::npos) fmt::print("{}\n", reply);
    else if (parse_json_bounded(reply, parsed)) fmt::print("{}\n", dump_json_replacing(parsed));
    else fmt::print("{}\n", join_lines(reply));
    std::fflush(stdout);
  }

  const RequestArgs& args_;
  int problems_ = 0;
};

std::string milliseconds(std::chrono::nanoseconds d) {
  return fmt::format("{:.2f}", std::chrono::duration<double, std::milli>(d).count());
}

void print_summary(const client::RequestTotals& totals, std::int64_t skipped_lines, bool to_stderr) {
  auto f = totals.latency.figures();
  std::string text =
      fmt::format("sent {}, answered {}, errors {}, timeouts {} in {:.2f} s ({:.1f} req/s); ", totals.sent,
                  totals.answered, totals.errors, totals.timeouts,
                  std::chrono::duration<double>(totals.elapsed).count(), totals.throughput());
  if (f.count == 0) text += "latency: no replies";
  else
    text += fmt::format("latency ms p50 {} p90 {} p99 {} max {}", milliseconds(f.p50), milliseconds(f.p90),
                        milliseconds(f.p99), milliseconds(f.max));
  if (totals.retried > 0 || totals.duplicates > 0)
    text += fmt::format("; retried {}, duplicates {}", totals.retried, totals.duplicates);
  if (skipped_lines > 0) text += fmt::format("; skipped {} bad lines", skipped_lines);
  if (totals.unmatched > 0) text += fmt::format("; ignored {} late or unknown replies", totals.unmatched);
  fmt::print(to_stderr ? stderr : stdout, "{}\n", text);
}

// Why the command fails: "3 of 10 requests timed out; 1 got an error reply".
std::string failure(const client::RequestTotals& totals) {
  std::uint64_t all = totals.answered + totals.errors + totals.timeouts;
  std::string text;
  if (totals.timeouts > 0) text = fmt::format("{} of {} requests timed out", totals.timeouts, all);
  if (totals.errors > 0)
    text += fmt::format("{}{} of {} requests got an error reply", text.empty() ? "" : "; ", totals.errors, all);
  return text;
}

client::RequestClient::Source single_request(const RequestArgs& args) {
  Request request;
  if (Status s = parse_series_path(args.series, request.series); !s)
    throw Error(fmt::format("--series '{}': {}", args.series, s.reason()));
  request.index = args.index;
  request.value = args.value;
  request.threshold = args.threshold;
  return [request, done = false](Request& out) mutable {
    if (done) return false;
    out = request;
    done = true;
    return true;
  };
}

void run_request(RequestArgs& args) {
  args.client.timeout = std::chrono::milliseconds(std::llround(args.timeout * 1000));
  std::unique_ptr<client::RequestFile> file;
  client::RequestClient::Source source;
  if (!args.file.empty()) {
    file = std::make_unique<client::RequestFile>(args.file);
    source = [&file](Request& r) { return file->next(r); };
  } else if (!args.series.empty()) {
    source = single_request(args);
  } else {
    throw Error("say what to ask: --series S/D/A with --index, --value and --threshold, or --file");
  }
  install_stop_handlers();
  client::RequestClient client(args.client);
  client.connect();
  ResultPrinter printer(args);
  client::RequestTotals totals = client.run(source, std::ref(printer), &g_stop);
  print_summary(totals, file ? file->skipped() : 0, args.json);
  if (g_stop) throw CLI::RuntimeError(130);
  if (totals.timeouts > 0 || totals.errors > 0) throw Error(failure(totals));
}

}  // namespace

void add_request_command(CLI::App& app) {
  auto args = std::make_shared<RequestArgs>();
  auto* cmd = app.add_subcommand("request", "ask a running `edgeml serve` for predictions (MQTT 5 request/response)");
  add_connection_options(*cmd, args->client.client);
  auto* series = cmd->add_option("--series", args->series, "STATION/DATAPOINT/ALARM of a single request");
  for (auto [name, target, help] : {std::tuple{"--index", &args->index, "the request's index"},
                                    std::tuple{"--value", &args->value, "the request's value"},
                                    std::tuple{"--threshold", &args->threshold, "the request's valueThreshold"}})
    series->needs(cmd->add_option(name, *target, help)->needs(series)->required(false));
  cmd->add_option("--file", args->file, "replay a sensor file in the tutorial's raw format, one request a line")
      ->check(CLI::ExistingFile)
      ->excludes(series);
  cmd->add_option("--rate", args->client.rate, "requests per second at most; 0 = as fast as --concurrency allows")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--concurrency", args->client.concurrency, "requests in flight at most")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
  cmd->add_option("--timeout", args->timeout, "seconds to wait for each reply")
      ->check(CLI::Range(0.001, 86400.0))
      ->capture_default_str();
  cmd->add_option("--retries", args->client.retries,
                  "re-sends of a request unanswered after --timeout (same correlation data; a second reply counts as a duplicate)")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
  cmd->add_option("--qos", args->client.qos, "MQTT QoS of requests (QoS 1 stalls above 20 in flight, see request_client.h)")
      ->check(CLI::Range(0, 2))
      ->capture_default_str();
  cmd->add_flag("--json", args->json, "print each reply as it came, one JSON object a line (the summary goes to stderr)");
  cmd->footer(
      "Exits with status 1 when any request timed out after its last retry or got an error\n"
      "reply. Replies come on " + response_topic("<client id>") + "; the client id is unique unless\n"
      "--client-id is given.");
  cmd->callback([args] { run_request(*args); });
}

}  // namespace edgeml::cli
