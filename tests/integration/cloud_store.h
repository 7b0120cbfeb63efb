// The cloud collectors' PostgreSQL database in the fleet tests, on a private
// server of the test's own, and what it holds.
#pragma once

#include <cstdlib>
#include <string>

#include "support/postgres_server.h"
#include "support/postgres_testing.h"

namespace edgeml::test {

class CloudStore {
 public:
  CloudStore() : url_(server_.create_database("cloud")) {}

  // What `edgeml collect --db` and `edgeml train --data` take.
  const std::string& location() const { return url_; }
  // 0 until a collector has made the tables.
  std::int64_t events() const { return number("SELECT count(*) FROM events"); }
  // Events whose station starts with `prefix` (each site's synthetic stations share a first digit).
  std::int64_t events_of_station_prefix(const std::string& prefix) const {
    return number("SELECT count(*) FROM events WHERE station LIKE '" + prefix + "%'");
  }

 private:
  std::int64_t number(const std::string& sql) const {
    const std::string value = query_value(url_, sql);
    return value.empty() ? 0 : std::atoll(value.c_str());
  }

  PostgresServer server_;
  std::string url_;
};

}  // namespace edgeml::test
