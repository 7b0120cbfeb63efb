#include "cluster/node_resources.h"

#include <sched.h>
#include <sys/utsname.h>

#include <cctype>
#include <cmath>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "core/error.h"

namespace edgeml::cluster {

namespace {

bool is_label_name(const std::string& s) {
  if (s.empty() || s.size() > 64 || s[0] == '.' || s[0] == '-') return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') return false;
  return true;
}

// "k=v" pairs of a comma-separated list.
std::map<std::string, std::string> pairs(const std::string& text, const char* what) {
  std::map<std::string, std::string> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    if (item.empty()) continue;
    std::size_t eq = item.find('=');
    if (eq == std::string::npos) throw Error(fmt::format("{}: '{}' is not NAME=VALUE", what, item));
    out[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return out;
}

double number(const std::string& text, const std::string& where) {
  std::size_t used = 0;
  double x = 0;
  try {
    x = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || !std::isfinite(x) || x < 0)
    throw Error(fmt::format("{}: '{}' is not a number of zero or more", where, text));
  return x;
}

double mebibytes(std::string text) {
  double scale = 1;
  for (auto [suffix, s] : {std::pair{"GiB", 1024.0}, {"G", 1024.0}, {"MiB", 1.0}, {"M", 1.0}})
    if (text.size() > std::string(suffix).size() && text.ends_with(suffix)) {
      text.resize(text.size() - std::string(suffix).size());
      scale = s;
      break;
    }
  return number(text, "--capacity memory") * scale;
}

}  // namespace

Resources measured_resources() {
  Resources r;
  cpu_set_t set;
  r.cores = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : std::thread::hardware_concurrency();
  std::ifstream meminfo("/proc/meminfo");
  for (std::string line; std::getline(meminfo, line);)
    if (line.starts_with("MemTotal:")) r.memory_mib = std::stod(line.substr(9)) / 1024;  // given in kB
  return r;
}

std::string machine_arch() {
  utsname name{};
  if (uname(&name) != 0) return "unknown";
  std::string m = name.machine;
  if (m == "aarch64" || m == "arm64") return "arm64";
  if (m.starts_with("armv7") || m.starts_with("armv6")) return "armhf";
  if (m == "x86_64") return "amd64";
  if (m.size() == 4 && m[0] == 'i' && m.ends_with("86")) return "i386";
  return m;
}

std::map<std::string, std::string> parse_labels(const std::string& text) {
  std::map<std::string, std::string> labels = pairs(text, "--labels");
  for (const auto& [key, value] : labels)
    if (!is_label_name(key) || !is_label_name(value))
      throw Error(fmt::format("--labels: '{}={}' is not NAME=VALUE of letters, digits, '_', '-' and '.'", key, value));
  return labels;
}

Resources parse_capacity(const std::string& text, const Resources& measured) {
  Resources r = measured;
  for (const auto& [key, value] : pairs(text, "--capacity")) {
    if (key == "cores")
      r.cores = number(value, "--capacity cores");
    else if (key == "memory")
      r.memory_mib = mebibytes(value);
    else
      throw Error(fmt::format("--capacity: unknown '{}'; give cores=N and memory=SIZE", key));
  }
  return r;
}

}  // namespace edgeml::cluster
