// Shared test helpers: temporary directories, a real Mosquitto on an ephemeral
// loopback port, the edgeml binary, ../shared paths, bounded waits.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/error.h"
#include "core/process.h"
#include "mqtt/broker.h"
#include "mqtt/client.h"

namespace edgeml::test {

// A directory removed with everything in it when the object goes.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// Asserts that `f` throws edgeml::Error and returns its message for further checks.
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected edgeml::Error";
  return {};
}

// True when `text` has `line` as one whole line (a generated config file).
inline bool has_line(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

// A started broker on a free loopback port with its data under `dir`.
std::unique_ptr<mq::Broker> start_broker(const std::filesystem::path& dir, mq::BrokerConfig config = {});

// Client options for a broker started by start_broker().
mq::ClientOptions client_options(const mq::Broker& broker, const std::string& client_id);

// Path of a file under ../shared. Under CI=true a missing file fails the test
// (the caller asserts on the result); elsewhere the caller may skip.
std::filesystem::path shared_file(const std::string& relative);
bool shared_available(const std::string& relative);
bool running_in_ci();

// Runs `edgeml args...` with output appended to `log`.
Process run_edgeml(const std::vector<std::string>& args, const std::filesystem::path& log);

// Polls `done` every few milliseconds until it holds or `timeout` passes.
bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout);

std::string read_file(const std::filesystem::path& path);
std::int64_t count_rows(const std::filesystem::path& db, const std::string& sql);

}  // namespace edgeml::test

// Skips a test that needs ../shared when it is absent, except under CI=true
// where it fails.
#define EDGEML_REQUIRE_SHARED(relative)                                                 \
  do {                                                                                 \
    if (!::edgeml::test::shared_available(relative)) {                                 \
      if (::edgeml::test::running_in_ci()) FAIL() << "missing ../shared/" << relative; \
      GTEST_SKIP() << "../shared/" << relative << " is not here";                      \
    }                                                                                  \
  } while (0)
