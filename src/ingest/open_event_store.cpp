#include "ingest/open_event_store.h"

#include <filesystem>

#include <fmt/format.h>

#include "ingest/sqlite_event_store.h"
#ifdef EDGEML_POSTGRES
#include "ingest/postgres_event_store.h"
#endif

namespace edgeml::ingest {

std::unique_ptr<EventStore> open_event_store(const std::string& location, OpenMode mode) {
  if (is_postgres_location(location)) {
#ifdef EDGEML_POSTGRES
    return std::make_unique<PostgresEventStore>(location, mode);
#else
    throw Error(fmt::format("cannot open '{}': this edgeml was built without PostgreSQL (EDGEML_POSTGRES=OFF)",
                            printable_location(location)));
#endif
  }
  if (mode == OpenMode::existing && !std::filesystem::exists(location))
    throw Error(fmt::format("database '{}' does not exist", location));
  return std::make_unique<SqliteEventStore>(location);
}

}  // namespace edgeml::ingest
