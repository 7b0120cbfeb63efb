// The collector's store by its location, as --db and --data give it.
#pragma once

#include <memory>
#include <string>

#include "ingest/event_store.h"

namespace edgeml::ingest {

// A location starting postgresql:// or postgres:// is a libpq connection URI;
// anything else is an SQLite file. Throws Error naming the store (a URL
// without its password), and saying so when this build has no PostgreSQL.
std::unique_ptr<EventStore> open_event_store(const std::string& location, OpenMode mode = OpenMode::create);

}  // namespace edgeml::ingest
