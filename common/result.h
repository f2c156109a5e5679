#pragma once

#include <type_traits>
#include <utility>
#include <variant>

#include "common/macros.h"
#include "common/status.h"

namespace strata {

// Either a value of T or an error Status; replaces out-parameters.
// Accessing value() on an error is a bug (checked in debug builds).
template <typename T>
class [[nodiscard]] Result {
 public:
  // REQUIRES: !status.ok() — an OK Result must carry a value.
  Result(Status status) : data_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    STRATA_DCHECK(!std::get<Status>(data_).ok());
  }
  Result(T value) : data_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  template <typename U>
  requires(std::is_convertible_v<U&&, T> && !std::is_same_v<std::decay_t<U>, T> &&
           !std::is_same_v<std::decay_t<U>, Status>) Result(U&& value)
      : data_(T(std::forward<U>(value))) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(data_); }
  // OK when a value is held.
  Status status() const { return ok() ? Status::OK() : std::get<Status>(data_); }

  const T& value() const& {
    STRATA_DCHECK(ok());
    return std::get<T>(data_);
  }
  T& value() & {
    STRATA_DCHECK(ok());
    return std::get<T>(data_);
  }
  T&& value() && {
    STRATA_DCHECK(ok());
    return std::get<T>(std::move(data_));
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  // Moves the error out; REQUIRES: !ok().
  Status TakeStatus() && { return std::get<Status>(std::move(data_)); }

  void Ignore() const {}

 private:
  std::variant<Status, T> data_;
};

}  // namespace strata
