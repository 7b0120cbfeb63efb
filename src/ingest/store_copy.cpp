#include "ingest/store_copy.h"

#include <vector>

#include <fmt/format.h>

#include "core/error.h"

namespace edgeml::ingest {

namespace {

constexpr std::size_t kBatch = 1000;

std::int64_t flush(std::vector<PendingWrite>& batch, EventStore& to) {
  if (batch.empty()) return 0;
  if (Status s = to.write(batch); !s) throw Error(fmt::format("copying into {}: {}", to.name(), s.reason()));
  std::int64_t stored = 0;
  for (const auto& w : batch) stored += w.stored ? 1 : 0;
  batch.clear();
  return stored;
}

}  // namespace

std::int64_t copy_events(EventStore& from, const std::optional<SeriesId>& series, EventStore& to) {
  std::vector<PendingWrite> batch;
  batch.reserve(kBatch);
  std::int64_t stored = 0;
  from.for_each(series, 0, [&](const StoredEvent& row) {
    PendingWrite w;
    w.event = row.event;
    batch.push_back(std::move(w));
    if (batch.size() == kBatch) stored += flush(batch, to);
  });
  return stored + flush(batch, to);
}

}  // namespace edgeml::ingest
