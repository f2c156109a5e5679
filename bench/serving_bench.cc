// Micro benchmarks of the serving fast path: primary-key and row encoding,
// hot-row cache probes, and the whole decode -> Get -> encode loop of a point read through
// SqlSession (prepared: Bind/Execute/Sync; simple: a plan-cache hit),
// rows encoded into DataRow bytes as the server does.
//
//   build/bench/strata_serving_bench [--benchmark_filter=...]

#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "common/macros.h"
#include "common/value.h"
#include "common/value_text.h"
#include "protocol/writer.h"
#include "rowstore/key_codec.h"
#include "rowstore/row_codec.h"
#include "server/data_row.h"
#include "sql/engine.h"
#include "storage/database.h"
#include "storage/hot_row_cache.h"

namespace strata {
namespace {

std::vector<Value> FeatRow(int64_t id) {
  return {Value::Int8(id), Value::Int4(static_cast<int32_t>(id * 7)), Value::Int8(id * 1000003),
          Value::Float8(static_cast<double>(id) * 0.25), Value::Text("feature row " + std::to_string(id))};
}

std::vector<rowstore::ColumnSpec> FeatSpecs() {
  std::vector<rowstore::ColumnSpec> specs(5);
  const TypeId types[] = {TypeId::kInt8, TypeId::kInt4, TypeId::kInt8, TypeId::kFloat8, TypeId::kText};
  for (uint32_t i = 0; i < 5; ++i) {
    specs[i].id = i + 1;
    specs[i].type = DataType::Of(types[i]);
  }
  return specs;
}

void BM_EncodeRowKey(benchmark::State& state) {
  int64_t id = 0;
  for (auto _ : state) {
    const Value key[] = {Value::Int8(++id)};
    auto encoded = rowstore::EncodeRowKey(42, 0, key);
    benchmark::DoNotOptimize(encoded);
  }
}
BENCHMARK(BM_EncodeRowKey);

void BM_EncodeRow(benchmark::State& state) {
  const auto specs = FeatSpecs();
  const auto row = FeatRow(123456);
  for (auto _ : state) {
    auto encoded = rowstore::EncodeRow(specs, row);
    benchmark::DoNotOptimize(encoded);
  }
}
BENCHMARK(BM_EncodeRow);

void BM_DecodeRow(benchmark::State& state) {
  const auto specs = FeatSpecs();
  const std::string encoded = *rowstore::EncodeRow(specs, FeatRow(123456));
  for (auto _ : state) {
    auto decoded = rowstore::DecodeRow(encoded, specs);
    benchmark::DoNotOptimize(decoded);
  }
}
BENCHMARK(BM_DecodeRow);

// Row values -> one DataRow message in text format, as the server's sink does.
void BM_EncodeDataRow(benchmark::State& state) {
  const auto row = FeatRow(123456);
  std::string out;
  for (auto _ : state) {
    out.clear();
    protocol::DataRowWriter writer(&out, row.size());
    for (const Value& v : row) writer.AddColumn(*FormatText(v));
    writer.Finish();
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_EncodeDataRow);

// Stored row bytes -> one DataRow (text) without Values: the serving fast
// path's replacement for BM_DecodeRow + BM_EncodeDataRow.
void BM_EncodeStoredDataRow(benchmark::State& state) {
  const auto specs = FeatSpecs();
  const rowstore::FieldLayout layout(specs);
  const std::string encoded = *rowstore::EncodeRow(specs, FeatRow(123456));
  const TextFormatOptions options;
  std::vector<rowstore::StoredField> fields(layout.size());
  std::string out;
  for (auto _ : state) {
    out.clear();
    STRATA_CHECK(rowstore::FindFields(encoded, layout, fields).ok());
    STRATA_CHECK(server::AppendStoredDataRow(sql::StoredRow(encoded, layout, fields), {}, options, &out).ok());
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_EncodeStoredDataRow);

// The hot-row cache alone (storage/hot_row_cache.h), warm with kCachedRows
// rows of the benchmark's shape: arg 1 looks keys up one at a time (a point
// read), arg 100 in batches of 100 (an IN list, with prefetching).
void BM_HotRowCacheLookup(benchmark::State& state) {
  constexpr int64_t kCachedRows = 1000000;
  static storage::HotRowCache* cache = [] {
    auto* c = new storage::HotRowCache(512u << 20);
    const std::vector<rowstore::ColumnSpec> specs = FeatSpecs();
    for (int64_t id = 1; id <= kCachedRows; ++id) {
      const Value key[] = {Value::Int8(id)};
      const std::string k = *rowstore::EncodeRowKey(42, 0, key);
      const std::string row = *rowstore::EncodeRow(specs, FeatRow(id));
      c->Insert(storage::HotRowCache::HashRowKey(k), k, 1, row);
    }
    return c;
  }();
  const size_t batch = static_cast<size_t>(state.range(0));
  std::vector<std::string> keys(batch);
  std::vector<std::string_view> views(batch);
  std::vector<uint64_t> hashes(batch);
  std::vector<rocksdb::PinnableSlice> values(batch);
  std::unique_ptr<bool[]> hits(new bool[batch]);
  int64_t id = 0;
  for (auto _ : state) {
    for (size_t i = 0; i < batch; ++i) {
      id = (id + 7919) % kCachedRows + 1;
      const Value key[] = {Value::Int8(id)};
      keys[i] = *rowstore::EncodeRowKey(42, 0, key);
      views[i] = keys[i];
      hashes[i] = storage::HotRowCache::HashRowKey(keys[i]);
      values[i].Reset();
    }
    cache->LookupMany(batch, hashes.data(), views.data(), 1, values.data(), hits.get());
    for (size_t i = 0; i < batch; ++i) STRATA_CHECK(hits[i]);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(batch));
}
BENCHMARK(BM_HotRowCacheLookup)->Arg(1)->Arg(100);

// Encodes rows into DataRow bytes as server::SessionSink does (text
// format), taking stored rows straight from the row replica's bytes unless
// `stored_rows` is false.
class DataRowSink final : public sql::ResultSink {
 public:
  explicit DataRowSink(bool stored_rows = true) : stored_rows_(stored_rows) {}
  Status BeginRows(const std::vector<sql::ResultColumn>&) override { return Status::OK(); }
  Status Row(std::span<const Value> values) override {
    ++rows;
    return server::AppendDataRow(values, {}, options_, &out);
  }
  bool AcceptsStoredRows() const override { return stored_rows_; }
  Status StoredRow(const sql::StoredRow& row) override {
    ++rows;
    return server::AppendStoredDataRow(row, {}, options_, &out);
  }
  Status Complete(std::string_view) override { return Status::OK(); }
  void Notice(std::string_view, const Status&) override {}
  Status BeginCopyIn(int, bool) override { return Status::NotSupported("no COPY"); }
  Result<std::optional<std::string>> ReadCopyData() override { return Status::NotSupported("no COPY"); }
  Status BeginCopyOut(int, bool) override { return Status::NotSupported("no COPY"); }
  Status CopyOutData(std::string_view) override { return Status::NotSupported("no COPY"); }
  Status EndCopyOut() override { return Status::NotSupported("no COPY"); }

  std::string out;
  int64_t rows = 0;

 private:
  const bool stored_rows_;
  const TextFormatOptions options_;
};

constexpr int64_t kRows = 100000;

// One database with feat(id bigint primary key, ...) of kRows rows.
struct Fixture {
  Fixture() {
    const char* base = std::getenv("TMPDIR");
    dir = std::string(base != nullptr ? base : "/tmp") + "/strata-serving-bench-XXXXXX";
    STRATA_CHECK(mkdtemp(dir.data()) != nullptr);
    storage::StorageOptions options;
    options.sync_commit = false;
    db = std::move(storage::Database::Open(dir, options)).value();
    engine = std::make_unique<sql::Engine>(db.get(), nullptr);
    session = engine->NewSession(sql::SessionInfo{"strata", "strata", "bench", 1});
    Run("CREATE TABLE feat (id bigint PRIMARY KEY, f1 int, f2 bigint, f3 double precision, f4 text) "
        "WITH (orientation = 'row')");
    // In chunks: one statement's write set is bounded.
    for (int64_t start = 1; start <= kRows; start += 10000) {
      Run("INSERT INTO feat SELECT g, g * 7, g::bigint * 1000003, g * 0.25, 'feature row ' || g "
          "FROM generate_series(" + std::to_string(start) + ", " + std::to_string(start + 9999) + ") g");
    }
  }
  void Run(const std::string& sql) {
    DataRowSink sink;
    Status s = session->ExecuteSimple(sql, &sink);
    if (!s.ok()) {
      fprintf(stderr, "%s: %s\n", sql.c_str(), s.ToString().c_str());
      std::abort();
    }
  }
  ~Fixture() {
    session.reset();
    engine.reset();
    db.reset();
    std::filesystem::remove_all(dir);
  }
  std::string dir;
  std::unique_ptr<storage::Database> db;
  std::unique_ptr<sql::Engine> engine;
  std::unique_ptr<sql::SqlSession> session;
};

Fixture& Shared() {
  static Fixture* fixture = new Fixture();  // lives for the process
  return *fixture;
}

// Bind (text parameter) -> Execute -> Sync of a prepared point read.
void BM_PreparedPointRead(benchmark::State& state) {
  Fixture& f = Shared();
  (void)f.session->CloseStatement("get");
  STRATA_CHECK(f.session->Prepare("get", "SELECT * FROM feat WHERE id = $1", {}).ok());
  DataRowSink sink;
  int64_t id = 0;
  for (auto _ : state) {
    id = id % kRows + 1;
    const std::optional<std::string> params[] = {std::to_string(id)};
    STRATA_CHECK(f.session->Bind("", "get", {}, params, {}).ok());
    STRATA_CHECK(f.session->Execute("", 0, &sink).ok());
    STRATA_CHECK(f.session->Sync().ok());
    sink.out.clear();
  }
  STRATA_CHECK(sink.rows == static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_PreparedPointRead);

// A simple-protocol point read answered from the plan cache (no parse).
void BM_SimplePointRead(benchmark::State& state) {
  Fixture& f = Shared();
  DataRowSink sink;
  int64_t id = 0;
  for (auto _ : state) {
    id = id % kRows + 1;
    STRATA_CHECK(f.session->ExecuteSimple("SELECT * FROM feat WHERE id = " + std::to_string(id), &sink).ok());
    sink.out.clear();
  }
  STRATA_CHECK(f.session->IsCachedPointRead("SELECT * FROM feat WHERE id = 1"));
}
BENCHMARK(BM_SimplePointRead);

// A 100-key IN list through a prepared statement (MultiGet); arg 0: rows
// through Values (the sink declines stored rows), 1: the serving fast path.
void BM_PreparedIn100(benchmark::State& state) {
  Fixture& f = Shared();
  std::string text = "SELECT * FROM feat WHERE id IN (";
  for (int i = 1; i <= 100; ++i) text += (i > 1 ? ", $" : "$") + std::to_string(i);
  text += ")";
  (void)f.session->CloseStatement("in100");
  STRATA_CHECK(f.session->Prepare("in100", text, {}).ok());
  DataRowSink sink(/*stored_rows=*/state.range(0) != 0);
  int64_t id = 0;
  std::vector<std::optional<std::string>> params(100);
  for (auto _ : state) {
    for (auto& p : params) {
      id = (id + 997) % kRows + 1;
      p = std::to_string(id);
    }
    STRATA_CHECK(f.session->Bind("", "in100", {}, params, {}).ok());
    STRATA_CHECK(f.session->Execute("", 0, &sink).ok());
    STRATA_CHECK(f.session->Sync().ok());
    sink.out.clear();
  }
  STRATA_CHECK(sink.rows == static_cast<int64_t>(state.iterations()) * 100);
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_PreparedIn100)->Arg(0)->Arg(1);

}  // namespace
}  // namespace strata

BENCHMARK_MAIN();
