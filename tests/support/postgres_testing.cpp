#include "support/postgres_testing.h"

#include <libpq-fe.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/error.h"

namespace edgeml::test {

using ingest::PendingWrite;

AlarmEvent event(double index, std::string station) {
  return {{std::move(station), "121", "308"}, index, 1487441883 + 100 * index, 231 + index, 230, true};
}

PendingWrite event_write(double index, std::string station) {
  PendingWrite w;
  w.event = event(index, std::move(station));
  return w;
}

void write_sample_batches(ingest::EventStore& store) {
  for (int round = 0; round < 3; ++round) {
    std::vector<PendingWrite> batch;
    for (int i = 0; i < 20; ++i) {
      batch.push_back(event_write(19 - i + 10 * round, "1160629000"));
      batch.push_back(event_write(i, i % 2 ? "B" : "a"));  // "B" before "a" in byte order
    }
    ASSERT_TRUE(store.write(batch));
  }
}

std::string query_value(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  std::string value, failure;
  if (PQstatus(conn) != CONNECTION_OK) failure = PQerrorMessage(conn);
  PGresult* r = failure.empty() ? PQexec(conn, sql.c_str()) : nullptr;
  if (r && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0) value = PQgetvalue(r, 0, 0);
  else if (r) failure = PQresultErrorMessage(r);
  PQclear(r);
  PQfinish(conn);
  if (!failure.empty()) throw Error(fmt::format("{}: {}", sql, failure));
  return value;
}

}  // namespace edgeml::test
