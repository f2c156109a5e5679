#include "server/session_registry.h"

#include <random>

namespace strata::server {

int32_t SessionRegistry::Add(std::shared_ptr<Session> session, int32_t* secret_key) {
  static thread_local std::mt19937 rng{std::random_device{}()};
  std::lock_guard<std::mutex> lock(mu_);
  // Skip ids still in use after the counter wraps.
  do {
    next_process_id_ = next_process_id_ >= INT32_MAX - 1 ? 1000 : next_process_id_ + 1;
  } while (sessions_.count(next_process_id_) != 0);
  *secret_key = static_cast<int32_t>(rng());
  sessions_[next_process_id_] = Entry{std::move(session), *secret_key};
  return next_process_id_;
}

void SessionRegistry::Remove(int32_t process_id) {
  std::lock_guard<std::mutex> lock(mu_);
  sessions_.erase(process_id);
  if (sessions_.empty()) emptied_.notify_all();
}

std::shared_ptr<Session> SessionRegistry::FindForCancel(int32_t process_id,
                                                        int32_t secret_key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sessions_.find(process_id);
  if (it == sessions_.end() || it->second.secret_key != secret_key) return nullptr;
  return it->second.session;
}

void SessionRegistry::ForEach(const std::function<void(Session&)>& fn) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [id, entry] : sessions_) fn(*entry.session);
}

size_t SessionRegistry::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sessions_.size();
}

bool SessionRegistry::WaitUntilEmpty(std::chrono::steady_clock::time_point deadline) const {
  std::unique_lock<std::mutex> lock(mu_);
  return emptied_.wait_until(lock, deadline, [this] { return sessions_.empty(); });
}

}  // namespace strata::server
