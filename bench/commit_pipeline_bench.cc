// Single-row commits per second through the commit pipeline, WAL fsync on,
// with 1, 8 and 32 committing threads. commits_per_sync shows how many
// commits group commit folded into each fsync.

#include <stdlib.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <rocksdb/write_batch.h>

#include "common/macros.h"
#include "storage/engine.h"

namespace strata::storage {
namespace {

// A fresh directory on the same file system as $TMPDIR (default /tmp), so
// the fsyncs measured are that disk's. Not tmpfs, or the numbers mean little.
std::string MakeTempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string templ = std::string(base != nullptr ? base : "/tmp") + "/strata-bench-XXXXXX";
  STRATA_CHECK(mkdtemp(templ.data()) != nullptr);
  return templ;
}

// Shared by the benchmark's threads; thread 0 sets them up before the timed
// loop and tears them down after it (google-benchmark puts barriers at both).
std::string g_dir;
std::unique_ptr<Engine> g_engine;
std::atomic<uint64_t> g_next_key{0};

void BM_SingleRowCommit(benchmark::State& state) {
  if (state.thread_index() == 0) {
    g_dir = MakeTempDir();
    StorageOptions options;
    options.sync_commit = true;
    Result<std::unique_ptr<Engine>> engine = Engine::Open(g_dir, options);
    STRATA_CHECK(engine.ok());
    g_engine = std::move(engine).value();
  }
  const std::string value(100, 'v');
  for (auto _ : state) {
    rocksdb::WriteBatch batch;
    const std::string key = fmt::format("row{:016}", g_next_key.fetch_add(1));
    STRATA_CHECK(batch.Put(g_engine->handle(ColumnFamily::kRows), key, value).ok());
    Result<Lsn> lsn = g_engine->Commit(&batch);
    STRATA_CHECK(lsn.ok());
    benchmark::DoNotOptimize(lsn);
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    const CommitStats stats = g_engine->commit_stats();
    state.counters["commits_per_sync"] =
        static_cast<double>(stats.commits) / static_cast<double>(stats.wal_syncs);
    g_engine.reset();
    std::filesystem::remove_all(g_dir);
  }
}

BENCHMARK(BM_SingleRowCommit)->Threads(1)->Threads(8)->Threads(32)->UseRealTime();

}  // namespace
}  // namespace strata::storage

BENCHMARK_MAIN();
