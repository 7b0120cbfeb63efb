#include "promql_names.h"

#include <cctype>
#include <stdexcept>

namespace edgeml::deploy_test {
namespace {

bool starts_identifier(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':'; }
bool continues_identifier(char c) { return starts_identifier(c) || std::isdigit(static_cast<unsigned char>(c)); }

// Words that never name a metric, though "(" need not follow them: operators,
// and aggregations, whose "by (...)" or "without (...)" may come first.
const std::set<std::string, std::less<>> kKeywords = {
    "and", "or", "unless", "bool", "offset", "inf", "nan", "sum", "min", "max", "avg", "group", "stddev",
    "stdvar", "count", "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio"};
// Keywords followed by a parenthesised list of label names.
const std::set<std::string, std::less<>> kLabelListKeywords = {"by", "without", "on", "ignoring", "group_left",
                                                               "group_right"};

// PromQL's keywords and aggregations, unlike metric names, ignore case (NaN, SUM).
std::string lowercase(std::string word) {
  for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return word;
}

class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  Selectors selectors() {
    while (skip_space(), pos_ < text_.size()) step();
    return std::move(selectors_);
  }

 private:
  void step() {
    char c = text_[pos_];
    if (c == '"' || c == '\'' || c == '`') return skip_string(c);
    if (c == '{') return skip_past('{', '}');
    if (c == '[') return skip_past('[', ']');
    if (c == '$') return skip_variable();
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') return skip_word();
    if (!starts_identifier(c)) return ++pos_, void();
    std::string word = take_identifier();
    skip_space();
    bool called = pos_ < text_.size() && text_[pos_] == '(';
    if (kLabelListKeywords.count(word)) {
      if (called) skip_past('(', ')');
    } else if (!called && !kKeywords.count(lowercase(word))) {
      LabelValues& labels = selectors_[word];
      if (pos_ < text_.size() && text_[pos_] == '{') take_matchers(labels);
    }
  }

  // {label="v", label=~"re", ...}: adds each label, with v for an "=" matcher.
  void take_matchers(LabelValues& labels) {
    std::size_t start = pos_++;
    for (skip_space(); pos_ < text_.size() && text_[pos_] != '}'; skip_space()) {
      if (!starts_identifier(text_[pos_])) break;
      std::set<std::string>& values = labels[take_identifier()];
      skip_space();
      std::size_t op = pos_;
      while (pos_ < text_.size() && (text_[pos_] == '=' || text_[pos_] == '!' || text_[pos_] == '~')) ++pos_;
      bool equal = text_.substr(op, pos_ - op) == "=";
      skip_space();
      if (pos_ >= text_.size() || (text_[pos_] != '"' && text_[pos_] != '\'' && text_[pos_] != '`')) break;
      std::size_t value = pos_ + 1;
      skip_string(text_[pos_]);
      if (equal) values.insert(std::string(text_.substr(value, pos_ - 1 - value)));
      skip_space();
      if (pos_ < text_.size() && text_[pos_] == ',') ++pos_;
    }
    if (pos_ >= text_.size() || text_[pos_] != '}')
      throw std::invalid_argument("bad label matchers from offset " + std::to_string(start) + " in: " +
                                  std::string(text_));
    ++pos_;
  }

  std::string take_identifier() {
    std::size_t start = pos_;
    while (pos_ < text_.size() && continues_identifier(text_[pos_])) ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }
  void skip_word() {
    while (pos_ < text_.size() && (continues_identifier(text_[pos_]) || text_[pos_] == '.')) ++pos_;
  }
  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  void skip_variable() {
    ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '{') return skip_past('{', '}');
    while (pos_ < text_.size() && continues_identifier(text_[pos_])) ++pos_;
  }
  void skip_string(char quote) {
    std::size_t start = pos_++;
    for (; pos_ < text_.size(); ++pos_) {
      if (text_[pos_] == '\\' && quote != '`') ++pos_;
      else if (text_[pos_] == quote) return ++pos_, void();
    }
    throw std::invalid_argument("unclosed string from offset " + std::to_string(start) + " in: " + std::string(text_));
  }
  // From an opening bracket to past its closing one, over strings inside.
  void skip_past(char open, char close) {
    std::size_t start = pos_++;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == close) return ++pos_, void();
      if (c == '"' || c == '\'' || c == '`') skip_string(c);
      else if (c == open) skip_past(open, close);
      else ++pos_;
    }
    throw std::invalid_argument(std::string("unclosed '") + open + "' from offset " + std::to_string(start) +
                                " in: " + std::string(text_));
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  Selectors selectors_;
};

// label_values(expr, label) -> expr; label_values(label) -> "" (all series).
std::string_view grafana_query_expression(std::string_view query) {
  constexpr std::string_view kLabelValues = "label_values(";
  std::size_t start = query.find_first_not_of(" \t\n");
  if (start == std::string_view::npos || query.substr(start, kLabelValues.size()) != kLabelValues) return query;
  std::string_view inside = query.substr(start + kLabelValues.size());
  std::size_t close = inside.rfind(')');
  std::size_t comma = inside.rfind(',', close);
  if (close == std::string_view::npos) throw std::invalid_argument("unclosed label_values( in: " + std::string(query));
  return comma == std::string_view::npos ? std::string_view() : inside.substr(0, comma);
}

std::size_t indent_of(std::string_view line) { return line.find_first_not_of(' '); }

std::string_view trim(std::string_view s) {
  std::size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

std::string unquoted(std::string_view value) {
  if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
    return std::string(value.substr(1, value.size() - 2));
  return std::string(value);
}

// The value of "key: value" on `line` (after an optional "- "), if the key matches.
bool key_value(std::string_view line, std::string_view key, std::string_view& value) {
  line = trim(line);
  if (line.substr(0, 2) == "- ") line = trim(line.substr(2));
  if (line.substr(0, key.size()) != key || line.substr(key.size(), 1) != ":") return false;
  value = trim(line.substr(key.size() + 1));
  return true;
}

}  // namespace

Selectors metric_selectors(std::string_view promql) {
  return Scanner(grafana_query_expression(promql)).selectors();
}

std::set<std::string> metric_names(std::string_view promql) {
  std::set<std::string> names;
  for (const auto& [name, labels] : metric_selectors(promql)) names.insert(name);
  return names;
}

RuleFile read_rule_file(std::string_view yaml) {
  std::vector<std::string_view> lines;
  for (std::size_t start = 0; start <= yaml.size();) {
    std::size_t end = std::min(yaml.find('\n', start), yaml.size());
    lines.push_back(yaml.substr(start, end - start));
    start = end + 1;
  }
  RuleFile rules;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string_view value;
    if (key_value(lines[i], "record", value)) rules.recorded.insert(unquoted(value));
    if (key_value(lines[i], "alert", value)) rules.alerts.insert(unquoted(value));
    if (!key_value(lines[i], "expr", value)) continue;
    if (value.empty() || (value.front() != '|' && value.front() != '>')) {
      rules.expressions.push_back(unquoted(value));
      continue;
    }
    std::size_t key_indent = indent_of(lines[i]);
    std::string block;
    for (; i + 1 < lines.size() && (trim(lines[i + 1]).empty() || indent_of(lines[i + 1]) > key_indent); ++i)
      block += std::string(trim(lines[i + 1])) + "\n";
    rules.expressions.push_back(block);
  }
  return rules;
}

}  // namespace edgeml::deploy_test
