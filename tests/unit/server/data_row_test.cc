#include "server/data_row.h"

#include "rowstore/row_codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "testing/status_matchers.h"
#include "tests/unit/rowstore/random_values.h"

namespace strata::server {
namespace {

using rowstore::ColumnSpec;
using rowstore::testing::RandomValues;

std::vector<DataType> AllColumnTypes() {
  std::vector<DataType> types;
  for (uint8_t t = 1; t < static_cast<uint8_t>(TypeId::kArray); ++t) {
    types.push_back(DataType::Of(static_cast<TypeId>(t)));
  }
  types.push_back(DataType::Array(TypeId::kInt8));
  types.push_back(DataType::Array(TypeId::kText));
  return types;
}

// DataRows from stored bytes equal DataRows from the decoded Values, for
// every type, NULLs, columns the row lacks (added later, with and without a
// missing value), dropped columns, any column order and every format mix.
TEST(DataRowTest, StoredRowsEncodeAsTheirDecodedValues) {
  RandomValues random(2024);
  const std::vector<DataType> types = AllColumnTypes();
  const TextFormatOptions options;
  for (int i = 0; i < 2000; ++i) {
    // The schema the row was written with.
    std::vector<ColumnSpec> written;
    const size_t n = 1 + random.Uniform(10);
    for (uint32_t id = 1; id <= n; ++id) {
      written.push_back(ColumnSpec{id, types[random.Uniform(types.size())], Value()});
    }
    std::vector<Value> row;
    for (const ColumnSpec& c : written) {
      row.push_back(random.OneIn(5) ? Value::Null(c.type.id) : random.Of(c.type));
    }
    ASSERT_OK_AND_ASSIGN(std::string bytes, rowstore::EncodeRow(written, row));
    // The schema it is read with: some columns dropped, some added.
    std::vector<ColumnSpec> now;
    for (const ColumnSpec& c : written) {
      if (!random.OneIn(4)) now.push_back(c);
    }
    for (uint32_t id = static_cast<uint32_t>(n) + 1; random.OneIn(2); ++id) {
      const DataType type = types[random.Uniform(types.size())];
      now.push_back(ColumnSpec{id, type, random.OneIn(2) ? Value() : random.Of(type)});
    }
    std::shuffle(now.begin(), now.end(), std::mt19937_64(random.Next()));
    const rowstore::FieldLayout layout(now);
    ASSERT_OK_AND_ASSIGN(std::vector<Value> decoded, rowstore::DecodeRow(bytes, now));

    std::vector<int16_t> per_column(now.size());
    for (int16_t& f : per_column) f = static_cast<int16_t>(random.Uniform(2));
    const std::vector<std::vector<int16_t>> format_sets = {{}, {0}, {1}, per_column};
    for (const std::vector<int16_t>& formats : format_sets) {
      std::string want = "prefix";
      std::string got = "prefix";
      ASSERT_OK(AppendDataRow(decoded, formats, options, &want));
      std::vector<rowstore::StoredField> fields(layout.size());
      ASSERT_OK(rowstore::FindFields(bytes, layout, fields));
      ASSERT_OK(AppendStoredDataRow(sql::StoredRow(bytes, layout, fields), formats, options, &got));
      ASSERT_EQ(got, want) << "row " << i << ", " << formats.size() << " formats";
    }
  }
}

TEST(DataRowTest, ErrorsAppendNothing) {
  const std::vector<ColumnSpec> columns = {{1, DataType::Of(TypeId::kInt4), Value()},
                                           {2, DataType::Of(TypeId::kBool), Value()}};
  ASSERT_OK_AND_ASSIGN(std::string bytes,
                       rowstore::EncodeRow(columns, std::vector{Value::Int4(5), Value::Bool(true)}));
  bytes.back() = 2;  // not a bool
  const rowstore::FieldLayout layout(columns);
  std::vector<rowstore::StoredField> fields(layout.size());
  ASSERT_OK(rowstore::FindFields(bytes, layout, fields));
  std::string out = "kept";
  ASSERT_SQLSTATE(AppendStoredDataRow(sql::StoredRow(bytes, layout, fields), {}, {}, &out),
                  SqlState::kDataCorrupted);
  EXPECT_EQ(out, "kept");
}

}  // namespace
}  // namespace strata::server
