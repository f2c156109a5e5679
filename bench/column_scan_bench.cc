// Scanning and summing one int8 column of a 1M-row table: column replica
// segments (ColumnScan) vs the row replica (Scan), at one ReadView.

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "storage/database.h"

namespace strata::storage {
namespace {

constexpr int64_t kRows = 1'000'000;

struct Fixture {
  std::string dir;
  std::unique_ptr<Database> db;
  const TableDef* table = nullptr;
  int64_t expected_sum = 0;

  Fixture() {
    dir = std::filesystem::temp_directory_path() / ("strata_column_scan_bench_" +
                                                    std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    StorageOptions options;
    options.sync_commit = false;
    options.column_background = false;
    db = std::move(Database::Open(dir, options)).value();
    CreateTableRequest req;
    req.name = {"", "lineitem"};
    auto col = [](std::string name, TypeId type, bool pk) {
      NewColumn c;
      c.name = std::move(name);
      c.type = DataType::Of(type);
      c.primary_key = pk;
      return c;
    };
    req.columns = {col("id", TypeId::kInt8, true), col("quantity", TypeId::kInt8, false),
                   col("price", TypeId::kFloat8, false), col("flag", TypeId::kText, false),
                   col("comment", TypeId::kText, false)};
    auto txn = db->BeginTransaction();
    if (!txn->CreateTable(req).ok() || !txn->Commit().ok()) std::abort();
    table = db->catalog()->FindTable("", "lineitem");
    const char* flags[] = {"A", "N", "R"};
    for (int64_t base = 0; base < kRows; base += 50'000) {
      auto t = db->BeginTransaction();
      for (int64_t i = base; i < base + 50'000; ++i) {
        const int64_t q = 1 + (i * 7919) % 50;
        expected_sum += q;
        Row row = {Value::Int8(i), Value::Int8(q), Value::Float8(static_cast<double>(i % 1000) * 1.5),
                   Value::Text(flags[i % 3]), Value::Text("comment number " + std::to_string(i % 977))};
        if (!t->InsertIfAbsent(*table, std::move(row)).ok()) std::abort();
      }
      if (!t->Commit().ok()) std::abort();
    }
    if (!db->FlushAll().ok()) std::abort();
    std::printf("segments: %zu files, %.1f MB on disk\n", db->column_segment_file_count(),
                static_cast<double>(DirBytes(dir + "/colseg")) / 1e6);
  }
  ~Fixture() {
    db.reset();
    std::filesystem::remove_all(dir);
  }
  static uint64_t DirBytes(const std::string& path) {
    uint64_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(path)) n += e.file_size();
    return n;
  }
};

Fixture& GetFixture() {
  static Fixture fixture;
  return fixture;
}

void BM_ColumnReplicaSum(benchmark::State& state) {
  Fixture& f = GetFixture();
  for (auto _ : state) {
    ReadView view = f.db->TakeReadView();
    ColumnScanSpec spec;
    spec.projection = {f.table->columns[1].id};
    auto scanner = std::move(view.ColumnScan(*f.table, spec)).value();
    columnstore::ColumnBatch batch;
    int64_t sum = 0;
    while (*scanner->Next(&batch)) {
      const auto& c = batch.columns[0];
      for (size_t i = 0; i < c.size(); ++i) sum += c.ints[i];
    }
    if (sum != f.expected_sum) state.SkipWithError("wrong sum");
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * kRows);
}

void BM_ColumnReplicaSumFiltered(benchmark::State& state) {
  // WHERE id BETWEEN 500000 AND 509999: zone maps skip almost every block.
  Fixture& f = GetFixture();
  for (auto _ : state) {
    ReadView view = f.db->TakeReadView();
    ColumnScanSpec spec;
    spec.projection = {f.table->columns[1].id};
    spec.predicates = {{f.table->columns[0].id, columnstore::CompareOp::kBetween,
                        Value::Int8(500'000), Value::Int8(509'999)}};
    auto scanner = std::move(view.ColumnScan(*f.table, spec)).value();
    columnstore::ColumnBatch batch;
    int64_t sum = 0;
    while (*scanner->Next(&batch)) {
      for (const int64_t v : batch.columns[0].ints) sum += v;
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * kRows);
}

void BM_RowReplicaSum(benchmark::State& state) {
  Fixture& f = GetFixture();
  for (auto _ : state) {
    ReadView view = f.db->TakeReadView();
    ScanSpec spec;
    spec.projection = {f.table->columns[1].id};
    auto scanner = std::move(view.Scan(*f.table, spec)).value();
    RowBatch batch;
    int64_t sum = 0;
    while (*scanner->Next(&batch)) {
      for (const Row& r : batch.rows) sum += r[0].int_value();
    }
    if (sum != f.expected_sum) state.SkipWithError("wrong sum");
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * kRows);
}

BENCHMARK(BM_ColumnReplicaSum)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ColumnReplicaSumFiltered)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RowReplicaSum)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace strata::storage

BENCHMARK_MAIN();
