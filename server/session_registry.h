#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

namespace strata::server {

class Session;

// The live sessions of a server, keyed by their backend process id (the id
// BackendKeyData hands out and CancelRequest names). Used to enforce
// max_connections, route cancel requests and broadcast shutdown.
//
// Thread-safe.
class SessionRegistry {
 public:
  // Registers `session` under a fresh process id and a random secret.
  // Returns the id; the secret is stored with the entry.
  int32_t Add(std::shared_ptr<Session> session, int32_t* secret_key);
  void Remove(int32_t process_id);

  // The session with this id whose secret matches, or null. Comparing the
  // secret here keeps a guessed pid from cancelling someone else's query.
  std::shared_ptr<Session> FindForCancel(int32_t process_id, int32_t secret_key) const;

  // Calls `fn` on every live session (under the registry lock: `fn` must not
  // call back into the registry).
  void ForEach(const std::function<void(Session&)>& fn) const;

  size_t size() const;

  // Blocks until no session is left or `deadline` passes; true when empty.
  bool WaitUntilEmpty(std::chrono::steady_clock::time_point deadline) const;

 private:
  struct Entry {
    std::shared_ptr<Session> session;
    int32_t secret_key;
  };
  mutable std::mutex mu_;
  mutable std::condition_variable emptied_;
  std::map<int32_t, Entry> sessions_;  // guarded by mu_
  int32_t next_process_id_ = 1000;     // guarded by mu_
};

}  // namespace strata::server
