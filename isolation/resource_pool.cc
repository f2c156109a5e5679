#include "isolation/resource_pool.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <exception>

#include <spdlog/spdlog.h>

#include "common/macros.h"

namespace strata::isolation {

ResourcePool::ResourcePool(PoolOptions options, MemoryBudget* parent_budget)
    : options_(std::move(options)),
      budget_(options_.name, options_.memory_limit_bytes, parent_budget) {
  STRATA_CHECK(options_.threads >= 1);
  workers_.reserve(options_.threads);
  for (int i = 0; i < options_.threads; ++i) {
    workers_.emplace_back([this] { WorkerLoop(); });
  }
}

ResourcePool::~ResourcePool() {
  const bool drained = Shutdown(std::chrono::milliseconds::max());
  STRATA_DCHECK(drained);
  (void)drained;
  for (auto& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
}

Status ResourcePool::Submit(Task task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (shutting_down_) {
      return Status(SqlState::kAdminShutdown, "pool \"" + options_.name + "\" is shutting down");
    }
    if (static_cast<int>(queue_.size()) >= options_.queue_capacity) {
      rejected_.fetch_add(1, std::memory_order_relaxed);
      return Status(SqlState::kInsufficientResources,
                    "pool \"" + options_.name + "\" is overloaded: " +
                        std::to_string(options_.queue_capacity) + " requests already queued")
          .WithHint("Retry later, or raise pool." + options_.name + ".queue_size.");
    }
    queue_.push_back(std::move(task));
  }
  work_available_.notify_one();
  return Status::OK();
}

bool ResourcePool::Shutdown(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  shutting_down_ = true;
  work_available_.notify_all();
  auto drained = [this] { return queue_.empty() && running_.load() == 0; };
  bool done;
  if (timeout == std::chrono::milliseconds::max()) {
    idle_.wait(lock, drained);
    done = true;
  } else {
    done = idle_.wait_for(lock, timeout, drained);
  }
  lock.unlock();
  if (done) {
    for (auto& worker : workers_) {
      if (worker.joinable() && worker.get_id() != std::this_thread::get_id()) worker.join();
    }
  }
  return done;
}

int ResourcePool::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(queue_.size());
}

void ResourcePool::WorkerLoop() {
  if (options_.nice != 0) {
    // Linux applies setpriority(PRIO_PROCESS, tid) to one thread only.
    const auto tid = static_cast<id_t>(syscall(SYS_gettid));
    if (setpriority(PRIO_PROCESS, tid, options_.nice) != 0) {
      spdlog::warn("pool {}: cannot set nice {} on a worker", options_.name, options_.nice);
    }
  }
  for (;;) {
    Task task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_available_.wait(lock, [this] { return shutting_down_ || !queue_.empty(); });
      if (queue_.empty()) return;  // shutting down and drained
      task = std::move(queue_.front());
      queue_.pop_front();
      running_.fetch_add(1);
    }
    try {
      task();
    } catch (const std::exception& e) {
      spdlog::error("pool {}: task threw: {}", options_.name, e.what());
    } catch (...) {
      spdlog::error("pool {}: task threw a non-standard exception", options_.name);
    }
    completed_.fetch_add(1, std::memory_order_relaxed);
    {
      // Decrement under the lock so Shutdown's predicate can't miss the wakeup.
      std::lock_guard<std::mutex> lock(mu_);
      running_.fetch_sub(1);
    }
    idle_.notify_all();
  }
}

PoolSet::PoolSet(const std::vector<PoolOptions>& pools, MemoryBudget* root_budget) {
  for (const auto& options : pools) {
    STRATA_CHECK(Find(options.name) == nullptr);
    pools_.push_back(std::make_unique<ResourcePool>(options, root_budget));
  }
}

ResourcePool* PoolSet::Find(const std::string& name) const {
  for (const auto& pool : pools_) {
    if (pool->name() == name) return pool.get();
  }
  return nullptr;
}

bool PoolSet::ShutdownAll(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool all = true;
  for (auto& pool : pools_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() < 0) left = std::chrono::milliseconds(0);
    all = pool->Shutdown(left) && all;
  }
  return all;
}

std::vector<PoolOptions> DefaultPools() {
  const int cores = std::max(1u, std::thread::hardware_concurrency());
  // A write worker spends most of a statement waiting for its commit's WAL
  // sync, not on a CPU. Group commit can only batch the commits that are in
  // flight at once, so the write pool needs about as many workers as there
  // are concurrent committers, not one per core.
  constexpr int kWriteWorkers = 64;
  constexpr int kReplicationWorkers = 12;
  return {
      {"serving", cores, 4096, 0, 0},
      {"write", kWriteWorkers, 4096, 0, 0},
      {"olap", cores, 256, 5, 0},
      {"stream", 1, 256, 5, 0},
      {"background", 1, 1024, 10, 0},
      // Walsenders: one worker per START_REPLICATION stream for its whole
      // life (max_wal_senders of them), plus room for the other
      // replication commands.
      {"replication", kReplicationWorkers, 64, 0, 0},
  };
}

}  // namespace strata::isolation
