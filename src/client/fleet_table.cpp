// fleet_table(): FleetStatus as text, every figure read tolerantly.
#include <algorithm>
#include <cmath>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "client/fleet_status.h"
#include "core/json_fields.h"

namespace edgeml::client {

namespace {

using nlohmann::json;

constexpr std::size_t kLongestCell = 48;    // code points
constexpr std::size_t kViolationsShown = 5;  // a node

// Control characters (C0, DEL and C1, U+0080-U+009F, which holds an 8-bit
// CSI) of a payload's text replaced, so they cannot move the cursor or
// recolour the terminal; cut to kLongestCell.
std::string printable(std::string_view text) {
  std::string out;
  std::size_t shown = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    const bool continues = (byte & 0xc0) == 0x80;
    if (!continues && ++shown > kLongestCell) return out + "...";
    const bool c1 = byte == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) <= 0x9f &&
                    static_cast<unsigned char>(text[i + 1]) >= 0x80;
    if (c1) ++i;
    out += byte < 0x20 || byte == 0x7f || c1 ? '?' : text[i];
  }
  return out;
}

std::size_t display_width(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xc0) != 0x80;
  }));
}

// Columns as wide as their widest cell, aligned as `align` says: 'l'
// (text) or 'r' (figures) a column.
class TextTable {
 public:
  TextTable(std::vector<std::string> header, std::string align) : align_(std::move(align)) {
    align_.resize(header.size(), 'r');
    rows_.push_back(std::move(header));
  }
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }

  std::string text() const {
    std::vector<std::size_t> widths(rows_.front().size(), 0);
    for (const auto& row : rows_)
      for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) widths[i] = std::max(widths[i], display_width(row[i]));
    std::string out;
    for (const auto& row : rows_) {
      std::string line;
      for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) {
        std::string pad(widths[i] - display_width(row[i]), ' ');
        line += (i ? "  " : "") + (align_[i] == 'l' ? row[i] + pad : pad + row[i]);
      }
      line.erase(line.find_last_not_of(' ') + 1);
      out += line + '\n';
    }
    return out;
  }

 private:
  std::string align_;
  std::vector<std::vector<std::string>> rows_;
};

// Beyond this a figure is shown in exponent form: no cell grows without bound.
constexpr double kLargest = 1e12;

std::string decimal(std::optional<double> v) {
  if (!v) return "-";
  const double a = std::abs(*v);
  if (a >= kLargest) return fmt::format("{:.3g}", *v);
  if (a >= 1000 || a == 0) return fmt::format("{:.0f}", *v);
  if (a >= 1) return fmt::format("{:.3g}", *v);
  if (a < 1e-9) return fmt::format("{:.2g}", *v);
  // Two significant digits without an exponent: 0.38, 0.0013, 0.000066.
  const int decimals = 1 - static_cast<int>(std::floor(std::log10(a)));
  std::string text = fmt::format("{:.{}f}", *v, decimals);
  text.erase(text.find_last_not_of('0') + 1);
  if (text.back() == '.') text.pop_back();
  return text;
}

std::string count(const json& object, std::initializer_list<std::string_view> path) {
  std::optional<double> v = json_number(object, path);
  if (!v) return "-";
  return std::abs(*v) >= kLargest ? fmt::format("{:.3g}", *v) : fmt::format("{:.0f}", *v);
}

std::string text(const json& object, std::initializer_list<std::string_view> path) {
  std::optional<std::string> t = json_text(object, path);
  return t ? printable(*t) : "-";
}

std::string duration(std::optional<double> seconds) {
  if (!seconds || *seconds < 0) return "-";
  if (*seconds >= kLargest) return fmt::format("{:.3g}s", *seconds);
  auto s = static_cast<long long>(*seconds);
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  if (s < 86400) return fmt::format("{}h{:02}m", s / 3600, s % 3600 / 60);
  return fmt::format("{}d{:02}h", s / 86400, s % 86400 / 3600);
}

std::string heard(const FleetStatus::Freshness& f) {
  if (!f.age_s) return "none";
  return fmt::format("{}{} ago", f.stale ? "STALE " : "", duration(f.age_s));
}

// The sum of a quality_counts_json()'s findings by check.
std::string findings_total(const json& quality) {
  const json* findings = json_at(quality, {"findings"});
  if (!findings || !findings->is_object()) return "-";
  double total = 0;
  for (const auto& [check, n] : findings->items())
    if (n.is_number()) total += n.get<double>();
  return decimal(total);
}

// "gap 3, not_finite 2", "none" or "-".
std::string findings_by_check(const json& quality) {
  const json* findings = json_at(quality, {"findings"});
  if (!findings || !findings->is_object()) return "-";
  std::string out;
  for (const auto& [check, n] : findings->items())
    if (n.is_number() && n.get<double>() != 0)
      out += fmt::format("{}{} {}", out.empty() ? "" : ", ", printable(check), decimal(n.get<double>()));
  return out.empty() ? "none" : out;
}

// Active contract violations, "-" when the stats do not carry contracts.
std::string violations(const json& stats) {
  if (!json_at(stats, {"contracts"})) return "-";
  const json* active = json_at(stats, {"contracts", "active"});
  return active && active->is_array() ? std::to_string(active->size()) : "?";
}

std::vector<std::string> node_row(const std::string& name, const FleetStatus::Node& n, FleetStatus::Clock::time_point now) {
  const json& s = n.stats;
  std::optional<double> rss = json_number(s, {"process", "resident_bytes"});
  const json quality = json_at(s, {"quality"}) ? *json_at(s, {"quality"}) : json();
  return {printable(name),
          n.status.empty() ? "unknown" : n.status,
          heard(FleetStatus::freshness(n, now)),
          duration(json_number(s, {"uptime_s"})),
          count(s, {"requests"}),
          count(s, {"errors"}),
          decimal(json_number(s, {"latency_ms", "p50"})),
          decimal(json_number(s, {"latency_ms", "p99"})),
          count(s, {"queue"}),
          rss ? fmt::format("{:.1f}", *rss / (1024.0 * 1024.0)) : "-",
          count(quality, {"records"}),
          count(quality, {"passed"}),
          findings_total(quality),
          count(quality, {"dropped"}),
          violations(s)};
}

std::string alert_flag(const json& accuracy) {
  const json* alert = json_at(accuracy, {"alert"});
  return !alert || !alert->is_boolean() ? "-" : alert->get<bool>() ? "ALERT" : "no";
}

// The array at `path`, or an empty one (with a note when something else is there).
const json& array_at(const json& stats, std::initializer_list<std::string_view> path, std::string_view what,
                     std::vector<std::string>& problems) {
  static const json none = json::array();
  const json* at = json_at(stats, path);
  if (at && at->is_array()) return *at;
  if (at) problems.push_back(fmt::format("{} unreadable (not a list)", what));
  return none;
}

// A row per model the node serves, per series it was scored on, and per
// scored model it no longer serves; what cannot be read goes to `problems`.
void add_model_rows(TextTable& table, const std::string& node, const json& stats, std::vector<std::string>& problems) {
  const json& models = array_at(stats, {"models"}, "models", problems);
  const json& scored = array_at(stats, {"accuracy", "models"}, "accuracy", problems);
  auto row = [&](const json& model, const json& accuracy) {
    std::string version = json_text(accuracy, {"version"}) ? text(accuracy, {"version"}) : text(model, {"version"});
    table.add({printable(node), json_text(model, {"name"}) ? text(model, {"name"}) : text(accuracy, {"model"}), version,
               text(accuracy, {"series"}), decimal(json_number(model, {"inference_ms", "p99"})),
               count(accuracy, {"scored"}), decimal(json_number(accuracy, {"mae"})),
               decimal(json_number(accuracy, {"window_mae"})), decimal(json_number(accuracy, {"test_mae"})),
               alert_flag(accuracy)});
  };
  auto readable = [](const json& entry, std::string_view name) { return json_text(entry, {name}).has_value(); };
  std::size_t unreadable = 0;
  std::vector<bool> shown(scored.size(), false);
  for (std::size_t i = 0; i < scored.size(); ++i) {
    if (readable(scored[i], "model")) continue;
    shown[i] = true;
    ++unreadable;
  }
  for (const json& model : models) {
    if (!readable(model, "name")) {
      ++unreadable;
      continue;
    }
    bool any = false;
    for (std::size_t i = 0; i < scored.size(); ++i)
      if (!shown[i] && json_text(scored[i], {"model"}) == json_text(model, {"name"})) {
        row(model, scored[i]);
        shown[i] = any = true;
      }
    if (!any) row(model, json());
  }
  for (std::size_t i = 0; i < scored.size(); ++i)
    if (!shown[i]) row(json(), scored[i]);
  if (unreadable > 0) problems.push_back(fmt::format("{} model entries unreadable (no name)", unreadable));
}

void add_alert_notes(std::vector<std::string>& notes, const std::string& node, const FleetStatus::Node& n) {
  for (const json& a : n.alerts)
    notes.push_back(fmt::format("{}: accuracy alert {}: model {} version {} on {}: online MAE {} against a bound of {}",
                                printable(node), text(a, {"state"}), text(a, {"model"}), text(a, {"version"}),
                                text(a, {"series"}), decimal(json_number(a, {"online_mae"})),
                                decimal(json_number(a, {"bound"}))));
}

// contract_monitor.h's active bounds: {"model" (absent: the node), "metric",
// "bound", "value" (absent until measured), "detail"}, under the contract's "name".
void add_violation_notes(std::vector<std::string>& notes, const std::string& node, const json& stats) {
  const json* contracts = json_at(stats, {"contracts"});
  if (!contracts) return;
  const json* active = json_at(*contracts, {"active"});
  if (!active || !active->is_array()) {
    notes.push_back(fmt::format("{}: contracts unreadable (no list of active violations)", printable(node)));
    return;
  }
  std::size_t shown = 0;
  for (const json& v : *active) {
    if (++shown > kViolationsShown) {
      notes.push_back(fmt::format("{}: {} more contract violations", printable(node), active->size() - kViolationsShown));
      return;
    }
    std::string contract = json_text(v, {"contract"}) ? text(v, {"contract"}) : text(*contracts, {"name"});
    std::string model = json_text(v, {"model"}) ? "model " + text(v, {"model"}) : "the node";
    std::string detail = json_text(v, {"detail"}) ? " on " + text(v, {"detail"}) : "";
    notes.push_back(fmt::format("{}: contract {} violated: {} {} {}{} against a bound of {}", printable(node), contract,
                                model, text(v, {"metric"}), decimal(json_number(v, {"value"})), detail,
                                decimal(json_number(v, {"bound"}))));
  }
}

std::string summary(const FleetStatus& fleet, const std::string& source, FleetStatus::Clock::time_point now) {
  auto online = std::count_if(fleet.nodes().begin(), fleet.nodes().end(),
                              [](const auto& entry) { return entry.second.status == "online"; });
  return fmt::format("edgeml status of {} at {:%Y-%m-%d %H:%M:%S} UTC: {} node(s), {} online; {} collector(s)\n",
                     printable(source), std::chrono::floor<std::chrono::seconds>(now), fleet.nodes().size(), online,
                     fleet.collectors().size());
}

}  // namespace

std::string fleet_table(const FleetStatus& fleet, const std::string& source, FleetStatus::Clock::time_point now) {
  std::string out = summary(fleet, source, now);
  std::vector<std::string> notes;
  if (!fleet.nodes().empty()) {
    TextTable nodes({"node", "status", "stats", "uptime", "requests", "errors", "p50 ms", "p99 ms", "queue", "rss MiB",
                     "dq records", "dq passed", "dq findings", "dq dropped", "violations"},
                    "lll");
    TextTable models({"node", "model", "version", "series", "p99 ms", "scored", "online mae", "window mae",
                      "test mae", "alert"},
                     "llll");
    for (const auto& [name, n] : fleet.nodes()) {
      nodes.add(node_row(name, n, now));
      std::vector<std::string> problems;
      add_model_rows(models, name, n.stats, problems);
      for (const std::string& problem : problems) notes.push_back(fmt::format("{}: {}", printable(name), problem));
      for (const auto& [kind, note] : n.notes) notes.push_back(fmt::format("{}: {}", printable(name), note));
      add_alert_notes(notes, name, n);
      add_violation_notes(notes, name, n.stats);
    }
    out += '\n' + nodes.text() + '\n' + models.text();
  }
  if (!fleet.collectors().empty()) {
    TextTable collectors({"collector", "heard", "records", "passed", "dropped", "findings"}, "llrrrl");
    for (const auto& [name, c] : fleet.collectors()) {
      std::optional<double> age = FleetStatus::age(c, now);
      collectors.add({printable(name), age ? duration(age) + " ago" : "retained", count(c.quality, {"records"}),
                      count(c.quality, {"passed"}), count(c.quality, {"dropped"}), findings_by_check(c.quality)});
      if (!c.note.empty()) notes.push_back(fmt::format("collector {}: {}", printable(name), c.note));
    }
    out += '\n' + collectors.text();
  }
  if (fleet.ignored() > 0)
    notes.push_back(fmt::format("{} messages ignored: more than {} nodes or collectors", fleet.ignored(), FleetStatus::kMaxNodes));
  if (!notes.empty()) {
    out += "\nnotes:\n";
    for (const std::string& note : notes) out += "  " + note + '\n';
  }
  return out;
}

}  // namespace edgeml::client
