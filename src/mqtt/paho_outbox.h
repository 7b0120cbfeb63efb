// Internal to src/mqtt: a SqliteOutbox as Paho's store for messages in flight.
#pragma once

#include <filesystem>

#include <mqtt/iclient_persistence.h>

#include "mqtt/sqlite_outbox.h"

namespace edgeml::mq {

// Paho turns a thrown persistence_exception into an error code for the C
// library; what failed is logged first, as Paho does not say.
class PahoOutbox : public ::mqtt::iclient_persistence {
 public:
  explicit PahoOutbox(std::filesystem::path path) : store_(std::move(path)) {}

  void open(const ::mqtt::string& client_id, const ::mqtt::string& server_uri) override;
  void close() override;
  void clear() override;
  bool contains_key(const ::mqtt::string& key) override;
  ::mqtt::string_collection keys() const override;
  void put(const ::mqtt::string& key, const std::vector<::mqtt::string_view>& bufs) override;
  ::mqtt::string get(const ::mqtt::string& key) const override;
  void remove(const ::mqtt::string& key) override;

 private:
  SqliteOutbox store_;
};

}  // namespace edgeml::mq
