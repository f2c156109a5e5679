#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/sql_state.h"

namespace strata {

// The outcome of an operation that can fail. An OK status allocates nothing;
// an error carries the SQLSTATE a client will see, a message, and optionally
// detail, hint and a 1-based character position in the statement text (what
// psql uses to draw its caret).
//
// Every fallible function in Strata returns Status or Result<T>; nothing
// throws. [[nodiscard]]: ignoring one is a compile error unless `.Ignore()`
// is called, with a comment saying why.
//
// Not thread-safe for concurrent mutation; copies are independent.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(SqlState state, std::string message);
  Status(const Status& other);
  Status& operator=(const Status& other);
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;
  ~Status() = default;

  static Status OK() { return Status(); }

  // Convenience constructors for the errors that are not tied to SQL text.
  static Status InvalidArgument(std::string message) {
    return {SqlState::kInvalidParameterValue, std::move(message)};
  }
  static Status NotFound(std::string message) {
    return {SqlState::kUndefinedObject, std::move(message)};
  }
  static Status IoError(std::string message) { return {SqlState::kIoError, std::move(message)}; }
  static Status Corruption(std::string message) {
    return {SqlState::kDataCorrupted, std::move(message)};
  }
  static Status ResourceExhausted(std::string message) {
    return {SqlState::kInsufficientResources, std::move(message)};
  }
  static Status NotSupported(std::string message) {
    return {SqlState::kFeatureNotSupported, std::move(message)};
  }
  static Status ProtocolViolation(std::string message) {
    return {SqlState::kProtocolViolation, std::move(message)};
  }
  static Status Internal(std::string message) {
    return {SqlState::kInternalError, std::move(message)};
  }
  static Status Cancelled(std::string message) {
    return {SqlState::kQueryCanceled, std::move(message)};
  }

  bool ok() const { return state_ == nullptr; }
  // SQLSTATE; kSuccessfulCompletion when ok().
  SqlState sql_state() const;
  // Empty when ok(). Views stay valid while this Status is alive and unmodified.
  std::string_view message() const;
  std::string_view detail() const;
  std::string_view hint() const;
  // 1-based character offset into the statement, 0 when unknown.
  int position() const;

  // Builders that add context to an error; no-ops on an OK status.
  Status&& WithDetail(std::string detail) &&;
  Status&& WithHint(std::string hint) &&;
  Status&& WithPosition(int position) &&;
  // Returns a copy whose message starts with `context: `.
  Status Prepend(std::string_view context) const;

  // "OK" or "<SQLSTATE>: <message>".
  std::string ToString() const;

  // Marks a status as deliberately ignored.
  void Ignore() const {}

 private:
  struct State {
    SqlState sql_state;
    std::string message;
    std::string detail;
    std::string hint;
    int position = 0;
  };
  std::unique_ptr<State> state_;
};

}  // namespace strata
