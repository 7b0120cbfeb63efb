// What the PostgreSQL store's tests share: events, batches, and one value
// asked of the database over a connection of their own (libpq).
#pragma once

#include <string>
#include <vector>

#include "ingest/event_store.h"

namespace edgeml::test {

AlarmEvent event(double index, std::string station = "1160629000");
ingest::PendingWrite event_write(double index, std::string station = "1160629000");

// Three batches of three series, out of key order, with duplicates: the same
// into two stores makes them hold the same rows.
void write_sample_batches(ingest::EventStore& store);

// The first column of the first row of `sql`, as text; empty for none or NULL.
std::string query_value(const std::string& url, const std::string& sql);

}  // namespace edgeml::test
