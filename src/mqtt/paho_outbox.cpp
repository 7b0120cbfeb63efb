#include "mqtt/paho_outbox.h"

#include <mqtt/exception.h>
#include <spdlog/spdlog.h>

#include "core/error.h"

namespace edgeml::mq {

namespace {

template <typename Operation>
auto for_paho(Operation&& operation) {
  try {
    return operation();
  } catch (const Error& e) {
    spdlog::error("{}", e.what());
    throw ::mqtt::persistence_exception();
  }
}

}  // namespace

void PahoOutbox::open(const ::mqtt::string&, const ::mqtt::string&) {
  for_paho([&] { store_.open(); });
}

void PahoOutbox::close() {
  for_paho([&] { store_.close(); });
}

void PahoOutbox::clear() {
  for_paho([&] { store_.clear(); });
}

bool PahoOutbox::contains_key(const ::mqtt::string& key) {
  return for_paho([&] { return store_.contains(key); });
}

::mqtt::string_collection PahoOutbox::keys() const {
  return for_paho([&] { return ::mqtt::string_collection(store_.keys()); });
}

void PahoOutbox::put(const ::mqtt::string& key, const std::vector<::mqtt::string_view>& bufs) {
  std::vector<std::string_view> parts;
  parts.reserve(bufs.size());
  for (const auto& b : bufs) parts.emplace_back(b.data(), b.size());
  for_paho([&] { store_.put(key, parts); });
}

::mqtt::string PahoOutbox::get(const ::mqtt::string& key) const {
  return for_paho([&] { return store_.get(key); });
}

void PahoOutbox::remove(const ::mqtt::string& key) {
  for_paho([&] { store_.remove(key); });
}

}  // namespace edgeml::mq
