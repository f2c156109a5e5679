#include "common/status.h"

namespace strata {

Status::Status(SqlState state, std::string message)
    : state_(std::make_unique<State>(State{state, std::move(message), {}, {}, 0})) {}

Status::Status(const Status& other)
    : state_(other.state_ ? std::make_unique<State>(*other.state_) : nullptr) {}

Status& Status::operator=(const Status& other) {
  if (this != &other) state_ = other.state_ ? std::make_unique<State>(*other.state_) : nullptr;
  return *this;
}

SqlState Status::sql_state() const {
  return state_ ? state_->sql_state : SqlState::kSuccessfulCompletion;
}
std::string_view Status::message() const { return state_ ? state_->message : std::string_view(); }
std::string_view Status::detail() const { return state_ ? state_->detail : std::string_view(); }
std::string_view Status::hint() const { return state_ ? state_->hint : std::string_view(); }
int Status::position() const { return state_ ? state_->position : 0; }

Status&& Status::WithDetail(std::string detail) && {
  if (state_) state_->detail = std::move(detail);
  return std::move(*this);
}
Status&& Status::WithHint(std::string hint) && {
  if (state_) state_->hint = std::move(hint);
  return std::move(*this);
}
Status&& Status::WithPosition(int position) && {
  if (state_) state_->position = position;
  return std::move(*this);
}

Status Status::Prepend(std::string_view context) const {
  if (ok()) return Status();
  Status copy(*this);
  copy.state_->message = std::string(context) + ": " + copy.state_->message;
  return copy;
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(state_->sql_state.code());
  out += ": ";
  out += state_->message;
  return out;
}

}  // namespace strata
