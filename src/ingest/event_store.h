// The collector's store: every alarm event once (unique on series, index and
// event_time), and every payload it could not accept, with why. Kept in
// SQLite (a file) or PostgreSQL (a server several collectors share).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/alarm_event.h"
#include "core/error.h"

namespace edgeml::ingest {

struct StoredEvent {
  std::int64_t row = 0;  // arrival order
  AlarmEvent event;
};

// One write of a batch, as the collector's message thread judged it.
struct PendingWrite {
  // skip: nothing to store (another collector's partition), only its delivery to report.
  enum class Kind { event, reject, finish, skip };
  Kind kind = Kind::event;
  AlarmEvent event;                    // kind event
  std::string topic, payload, reason;  // kind reject
  // Where the sender wants its store receipt, and the sequence to put in it
  // (receipt.h); empty topic: no receipt.
  std::string receipt_topic;
  std::uint64_t sequence = 0;
  bool stored = false;  // set by the store: a new event, not a duplicate
  // The reader's number for the message (StreamSubscriber's delivery), which
  // it acknowledges once the write is committed; 0: none.
  std::uint64_t delivery = 0;
};

// Rejected payloads are kept whole up to this size; beyond it, the start
// (payload_bytes keeps the whole size).
inline constexpr std::size_t kMaxRejectBytes = 64 * 1024;

class EventStore {
 public:
  virtual ~EventStore() = default;

  // Stores the batch's events (each unless it is already there, setting its
  // `stored`) and rejects in one transaction, durable once this returns ok.
  // On failure nothing of it is stored; busy() then tells whether trying the
  // whole batch again later may succeed.
  virtual Status write(std::span<PendingWrite> batch) = 0;
  // True when the last failed write failed only on other writers (a lock, a
  // deadlock, a lost connection), unlike a full disk or a broken schema.
  virtual bool busy() const = 0;

  // One write as its own batch.
  virtual Status insert(const AlarmEvent& event, bool& stored);
  virtual Status reject(std::string_view topic, std::string_view payload, std::string_view reason);

  // Readers: these throw Error naming the store.
  virtual std::int64_t event_count() = 0;
  virtual std::int64_t reject_count() = 0;
  // Sorted by station, datapoint and alarm, byte by byte.
  virtual std::vector<SeriesId> series() = 0;
  // Events in arrival order with row > after, optionally of one series only.
  virtual void for_each(const std::optional<SeriesId>& series, std::int64_t after,
                        const std::function<void(const StoredEvent&)>& visit) = 0;

  // The store as messages name it: a file, or a URL without its password.
  virtual const std::string& name() const = 0;
};

enum class OpenMode {
  create,    // the collector: creates the file or the tables when missing
  existing,  // readers: a store that is not there is an Error, and none is made
};

// A location starting postgresql:// or postgres:// is a libpq connection URI
// (open_event_store.h); anything else is an SQLite file.
bool is_postgres_location(std::string_view location);
// `location` fit for messages: a URL's password (user:PASSWORD@, password=) left out.
std::string printable_location(std::string_view location);

}  // namespace edgeml::ingest
