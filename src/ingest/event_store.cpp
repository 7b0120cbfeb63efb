#include "ingest/event_store.h"

#include <fmt/format.h>


namespace edgeml::ingest {

Status EventStore::insert(const AlarmEvent& event, bool& stored) {
  PendingWrite w;
  w.event = event;
  Status s = write({&w, 1});
  stored = w.stored;
  return s;
}

Status EventStore::reject(std::string_view topic, std::string_view payload, std::string_view reason) {
  PendingWrite w;
  w.kind = PendingWrite::Kind::reject;
  w.topic = topic;
  w.payload = payload;
  w.reason = reason;
  return write({&w, 1});
}

bool is_postgres_location(std::string_view location) {
  return location.starts_with("postgresql://") || location.starts_with("postgres://");
}

namespace {

// user:PASSWORD@host → user@host, in the part between "://" and the path.
std::string without_userinfo_password(std::string_view url) {
  const std::size_t start = url.find("://") + 3;
  const std::size_t end = std::min(url.find_first_of("/?", start), url.size());
  const std::size_t at = url.rfind('@', end);
  if (at == std::string_view::npos || at < start) return std::string(url);
  const std::size_t colon = url.find(':', start);
  if (colon == std::string_view::npos || colon > at) return std::string(url);
  return std::string(url.substr(0, colon)) + std::string(url.substr(at));
}

// ...&password=SECRET&... → ...&...
std::string without_password_parameter(std::string url) {
  const std::size_t query = url.find('?');
  if (query == std::string::npos) return url;
  std::string kept;
  std::string_view rest = std::string_view(url).substr(query + 1);
  while (!rest.empty()) {
    const std::size_t amp = rest.find('&');
    std::string_view item = rest.substr(0, amp);
    if (!item.starts_with("password=")) kept += (kept.empty() ? "" : "&") + std::string(item);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
  }
  url.resize(query);
  return kept.empty() ? url : url + "?" + kept;
}

}  // namespace

std::string printable_location(std::string_view location) {
  if (!is_postgres_location(location)) return std::string(location);
  return without_password_parameter(without_userinfo_password(location));
}

}  // namespace edgeml::ingest
