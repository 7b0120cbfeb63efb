// One store's events into another, in the first one's arrival order: the
// cloud's PostgreSQL rows as an SQLite file a station or a laptop can train
// from, with the same rows in the same order, so the same models.
#pragma once

#include <cstdint>
#include <optional>

#include "ingest/event_store.h"

namespace edgeml::ingest {

// Copies the events (of `series` only, when given) from `from` into `to` in
// batches. Returns how many `to` stored anew. Throws Error naming the store
// that failed.
std::int64_t copy_events(EventStore& from, const std::optional<SeriesId>& series, EventStore& to);

}  // namespace edgeml::ingest
