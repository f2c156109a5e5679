#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "isolation/memory_budget.h"

namespace strata::isolation {

struct PoolOptions {
  std::string name;
  // Fixed number of worker threads; >= 1.
  int threads = 1;
  // Tasks that may wait for a worker; a Submit beyond this is rejected.
  int queue_capacity = 1024;
  // Linux nice value applied to each worker thread (0 = normal; higher runs
  // less). Only raising is portable without privileges, so pools start at the
  // process' priority and go down from there.
  int nice = 0;
  // Memory this pool's statements may hold at once; 0 = only the parent's limit.
  uint64_t memory_limit_bytes = 0;
};

// A named set of worker threads with a bounded FIFO queue: the unit of
// isolation between kinds of work (serving, write, olap, stream, background).
// A full queue rejects new work with SQLSTATE 53000 instead of growing, so an
// overloaded pool sheds load rather than memory.
//
// Thread-safe. Tasks must not throw (an escaping exception is logged and the
// worker survives). The pool must outlive every task submitted to it.
class ResourcePool {
 public:
  using Task = std::function<void()>;

  // `parent_budget` is borrowed, may be null, and must outlive the pool.
  ResourcePool(PoolOptions options, MemoryBudget* parent_budget);
  // Equivalent to Shutdown(infinite), then joins the workers.
  ~ResourcePool();
  ResourcePool(const ResourcePool&) = delete;
  ResourcePool& operator=(const ResourcePool&) = delete;

  // Queues `task` to run on one of the workers. Returns
  // kInsufficientResources (53000) when the queue is full and kAdminShutdown
  // (57P01) once Shutdown has begun; the task is not run in either case.
  Status Submit(Task task);

  // Stops accepting work and lets queued and running tasks finish. Returns
  // true when every task finished within `timeout` (the workers are then
  // joined), false otherwise (the workers keep draining in the background).
  bool Shutdown(std::chrono::milliseconds timeout);

  const std::string& name() const { return options_.name; }
  const PoolOptions& options() const { return options_; }
  MemoryBudget* memory_budget() { return &budget_; }

  // Counters; racy, for metrics and tests only.
  int queued() const;
  int running() const { return running_.load(std::memory_order_relaxed); }
  uint64_t completed() const { return completed_.load(std::memory_order_relaxed); }
  uint64_t rejected() const { return rejected_.load(std::memory_order_relaxed); }

 private:
  void WorkerLoop();

  const PoolOptions options_;
  MemoryBudget budget_;

  mutable std::mutex mu_;
  std::condition_variable work_available_;  // signalled on Submit and Shutdown
  std::condition_variable idle_;            // signalled when a task finishes
  std::deque<Task> queue_;                  // guarded by mu_
  bool shutting_down_ = false;              // guarded by mu_
  std::vector<std::thread> workers_;

  std::atomic<int> running_{0};
  std::atomic<uint64_t> completed_{0};
  std::atomic<uint64_t> rejected_{0};
};

// The server's pools by name. Pools are created once at start from the
// config and live until the process ends.
//
// Thread-safe after construction (lookups only).
class PoolSet {
 public:
  // `root_budget` is borrowed, may be null, and must outlive the PoolSet.
  // REQUIRES: names are unique.
  PoolSet(const std::vector<PoolOptions>& pools, MemoryBudget* root_budget);

  // The pool called `name`, or null.
  ResourcePool* Find(const std::string& name) const;
  const std::vector<std::unique_ptr<ResourcePool>>& pools() const { return pools_; }

  // Shuts every pool down, sharing one deadline; true when all drained.
  bool ShutdownAll(std::chrono::milliseconds timeout);

 private:
  std::vector<std::unique_ptr<ResourcePool>> pools_;
};

// The pools every server has (DESIGN §6); the config may resize them and
// add more.
std::vector<PoolOptions> DefaultPools();

}  // namespace strata::isolation
