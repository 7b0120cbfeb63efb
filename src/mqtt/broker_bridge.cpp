#include "mqtt/broker_bridge.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "core/error.h"
#include "protocol/bridged_topics.h"
#include "protocol/topic_filter.h"
#include "protocol/topics.h"

namespace edgeml::mq {

namespace fs = std::filesystem;

namespace {

// Debian's CA certificates, for a cloud broker with a public certificate.
constexpr const char* kSystemCaPath = "/etc/ssl/certs";

bool take_scheme(std::string_view& rest, std::string_view scheme) {
  if (!rest.starts_with(scheme)) return false;
  rest.remove_prefix(scheme.size());
  return true;
}

// "HOST", "HOST:PORT", "[V6]" or "[V6]:PORT".
void split_host_port(std::string_view hostport, const std::string& url, BridgeAddress& out) {
  std::string_view port;
  if (hostport.starts_with('[')) {
    const std::size_t close = hostport.find(']');
    if (close == std::string_view::npos) throw Error(fmt::format("bridge URL '{}': '[' without ']'", url));
    out.host = hostport.substr(1, close - 1);
    std::string_view after = hostport.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) throw Error(fmt::format("bridge URL '{}': junk after ']'", url));
    if (!after.empty()) port = after.substr(1);
  } else {
    const std::size_t colon = hostport.find(':');
    out.host = hostport.substr(0, colon);
    if (colon != std::string_view::npos) port = hostport.substr(colon + 1);
  }
  if (out.host.empty()) throw Error(fmt::format("bridge URL '{}' has no host", url));
  if (port.empty()) return;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), out.port);
  if (ec != std::errc() || end != port.data() + port.size() || out.port < 1 || out.port > 65535)
    throw Error(fmt::format("bridge URL '{}': port '{}' is not in 1..65535", url, port));
}

void require_file(const fs::path& path, const char* what) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec))
    throw Error(fmt::format("bridge {} '{}' does not exist or is not a file", what, path.string()));
}

// Mosquitto reads a value to the end of its line, and splits a topic line at spaces.
void check_value(const std::string& value, const char* what) {
  if (value.find_first_of("\r\n") != std::string::npos || (!value.empty() && (value.front() == ' ' || value.back() == ' ')))
    throw Error(fmt::format("the bridge {} may not hold a line break or start or end with a space", what));
}

void check_filters(const std::vector<std::string>& filters, const char* option) {
  for (const auto& f : filters)
    if (!is_valid_filter(f, 512) || f.find_first_of(" \t\"") != std::string::npos)
      throw Error(fmt::format("{} '{}' is not an MQTT topic filter without spaces or quotes", option, f));
}

std::string address_list(const BridgeConfig& b) {
  std::string list;
  for (const auto& url : b.urls) {
    BridgeAddress a = parse_bridge_url(url);
    list += fmt::format("{}{}:{}", list.empty() ? "" : " ", a.host, a.port);
  }
  return list;
}

std::string topic_line(std::string_view filter, BridgeDirection direction, int qos, const std::string& remote_prefix) {
  const char* dir = direction == BridgeDirection::out ? "out" : "in";
  if (remote_prefix.empty()) return fmt::format("topic {} {} {}\n", filter, dir, qos);
  return fmt::format("topic {} {} {} \"\" {}\n", filter, dir, qos, remote_prefix);
}

std::string topic_lines(const BridgeConfig& b) {
  const std::string prefix = station_prefix(b.station);
  std::string lines;
  for (const auto& t : bridged_topics())
    lines += topic_line(t.filter, t.direction, t.qos, t.station_prefixed ? prefix : "");
  for (const auto& f : b.extra_out) lines += topic_line(f, BridgeDirection::out, 1, prefix);
  for (const auto& f : b.extra_in) lines += topic_line(f, BridgeDirection::in, 1, "");
  return lines;
}

std::string tls_lines(const BridgeConfig& b) {
  std::string lines = b.ca_file.empty() ? fmt::format("bridge_capath {}\n", kSystemCaPath)
                                        : fmt::format("bridge_cafile {}\n", fs::absolute(b.ca_file).string());
  // The host name is checked against the certificate: never turned off.
  lines += "bridge_insecure false\nbridge_tls_version tlsv1.2\n";
  if (!b.cert_file.empty())
    lines += fmt::format("bridge_certfile {}\nbridge_keyfile {}\n", fs::absolute(b.cert_file).string(),
                         fs::absolute(b.key_file).string());
  return lines;
}

}  // namespace

BridgeAddress parse_bridge_url(const std::string& url) {
  std::string_view rest = url;
  BridgeAddress out;
  if (take_scheme(rest, "mqtts://")) {
    out.tls = true;
    out.port = 8883;
  } else if (!take_scheme(rest, "mqtt://")) {
    throw Error(fmt::format("bridge URL '{}' is not mqtt://HOST[:PORT] or mqtts://HOST[:PORT]", url));
  }
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.find_first_of("/@ ") != std::string_view::npos)
    throw Error(fmt::format("bridge URL '{}' may hold only a host and a port (credentials come from "
                            "--bridge-user and its password file)", url));
  split_host_port(rest, url, out);
  return out;
}

void validate(const BridgeConfig& b) {
  if (Status s = check_station_name(b.station); !s) throw Error(fmt::format("--station: {}", s.reason()));
  if (b.urls.empty()) throw Error("a bridge needs the cloud broker's URL (--bridge)");
  bool tls = false;
  for (std::size_t i = 0; i < b.urls.size(); ++i) {
    BridgeAddress a = parse_bridge_url(b.urls[i]);
    if (i > 0 && a.tls != tls) throw Error("the bridge's URLs must be all mqtts:// or all mqtt://");
    tls = a.tls;
  }
  check_value(b.username, "user name");
  check_value(b.password, "password");
  if (b.username.find(' ') != std::string::npos) throw Error("the bridge user name may not hold a space");
  if (!b.password.empty() && b.username.empty()) throw Error("a bridge password needs a user (--bridge-user)");
  if (b.cert_file.empty() != b.key_file.empty()) throw Error("a bridge client certificate needs both --bridge-cert and --bridge-key");
  if (!tls && !(b.ca_file.empty() && b.cert_file.empty()))
    throw Error("--bridge-ca, --bridge-cert and --bridge-key need an mqtts:// bridge URL");
  if (!b.ca_file.empty()) require_file(b.ca_file, "CA file");
  if (!b.cert_file.empty()) require_file(b.cert_file, "certificate");
  if (!b.key_file.empty()) require_file(b.key_file, "key");
  check_filters(b.extra_out, "--bridge-out");
  check_filters(b.extra_in, "--bridge-in");
  if (b.mqtt_version != 4 && b.mqtt_version != 5) throw Error(fmt::format("bridge MQTT version {} is not 4 (3.1.1) or 5", b.mqtt_version));
}

std::string render_bridge_conf(const BridgeConfig& b) {
  std::string conf = fmt::format("\nconnection edgeml-cloud\naddresses {}\n", address_list(b));
  // Several addresses are the nodes of one clustered broker, all equal.
  if (b.urls.size() > 1) conf += "round_robin true\n";
  conf += fmt::format("remote_clientid edgeml-bridge-{}\n", b.station);
  // A persistent session on both sides: while the link is down the station's
  // broker queues what goes up, and the cloud broker what comes down.
  conf += "cleansession false\nstart_type automatic\nrestart_timeout 1 10\nkeepalive_interval 20\n";
  conf += fmt::format("bridge_protocol_version {}\n", b.mqtt_version == 5 ? "mqttv50" : "mqttv311");
  conf += fmt::format("try_private {}\n", b.mosquitto_peer ? "true" : "false");
  conf += fmt::format("notifications true\nnotification_topic {}\n", bridge_state_topic(b.station));
  if (!b.username.empty()) conf += fmt::format("remote_username {}\n", b.username);
  if (!b.password.empty()) conf += fmt::format("remote_password {}\n", b.password);
  if (parse_bridge_url(b.urls.front()).tls) conf += tls_lines(b);
  return conf + topic_lines(b);
}

std::vector<std::string> bridged_down_filters() {
  std::vector<std::string> filters;
  for (const auto& t : bridged_topics()) {
    if (t.direction != BridgeDirection::in) continue;
    std::string filter(t.filter);
    if (std::find(filters.begin(), filters.end(), filter) == filters.end()) filters.push_back(std::move(filter));
  }
  return filters;
}

}  // namespace edgeml::mq
