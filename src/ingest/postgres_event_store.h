// The collector's store in PostgreSQL, which several collectors of one MQTT
// $share group write at once. A batch is one statement (its columns as array
// parameters) and so one round trip and one transaction, committed with
// synchronous_commit on before write() returns. A deadlock, a serialization
// failure or a lost connection is busy(): the batch was rolled back, and the
// next write() reconnects first when it must.
#pragma once

#include <string>

#include "ingest/event_store.h"

struct pg_conn;

namespace edgeml::ingest {

class PostgresEventStore : public EventStore {
 public:
  // `url`: a libpq connection URI (postgresql://USER:PASSWORD@HOST:PORT/DB?...).
  // Creates the tables when missing (OpenMode::create), or finds them.
  // Throws Error naming the URL without its password, with PostgreSQL's message.
  explicit PostgresEventStore(const std::string& url, OpenMode mode = OpenMode::create);
  ~PostgresEventStore() override;
  PostgresEventStore(const PostgresEventStore&) = delete;
  PostgresEventStore& operator=(const PostgresEventStore&) = delete;

  Status write(std::span<PendingWrite> batch) override;
  bool busy() const override { return busy_; }

  std::int64_t event_count() override;
  std::int64_t reject_count() override;
  std::vector<SeriesId> series() override;
  void for_each(const std::optional<SeriesId>& series, std::int64_t after,
                const std::function<void(const StoredEvent&)>& visit) override;

  const std::string& name() const override { return name_; }

 private:
  void connect();
  void prepare_session();
  void create_tables();
  void find_tables();
  // Reconnects when the connection was lost; false (busy) when it cannot yet.
  Status reconnect_if_lost();
  std::int64_t count(const char* sql);

  std::string url_, name_;
  pg_conn* conn_ = nullptr;
  std::string sequence_;  // of events.id: ids are drawn in arrival order
  bool busy_ = false;
};

}  // namespace edgeml::ingest
