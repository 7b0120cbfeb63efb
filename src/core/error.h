// Errors: exceptions at setup and configuration boundaries, Status on hot paths.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

namespace edgeml {

// Thrown where a user's input, a file or the network is wrong at setup time.
// The message says what was wrong and where.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Result of an operation on a hot path: ok, or an error with a reason.
class Status {
 public:
  static Status ok() { return Status(); }
  static Status error(std::string reason) { return Status(std::move(reason)); }

  bool is_ok() const { return !failed_; }
  explicit operator bool() const { return !failed_; }
  const std::string& reason() const { return reason_; }

 private:
  Status() = default;
  explicit Status(std::string reason) : failed_(true), reason_(std::move(reason)) {}

  bool failed_ = false;
  std::string reason_;
};

}  // namespace edgeml
