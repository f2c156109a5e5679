#include "rowstore/row_codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "common/value_binary.h"
#include "common/value_text.h"
#include "common/timezone.h"
#include "testing/status_matchers.h"
#include "tests/unit/rowstore/random_values.h"

namespace strata::rowstore {
namespace {

using strata::rowstore::testing::RandomValues;

std::vector<DataType> AllColumnTypes() {
  std::vector<DataType> types;
  for (uint8_t t = 1; t < static_cast<uint8_t>(TypeId::kArray); ++t) {
    types.push_back(DataType::Of(static_cast<TypeId>(t)));
  }
  types.push_back(DataType::Array(TypeId::kInt4));
  types.push_back(DataType::Array(TypeId::kText));
  types.push_back(DataType::Array(TypeId::kNumeric));
  types.push_back(DataType::Array(TypeId::kTimestampTz));
  return types;
}

// Exact identity (including numeric display scale and float bit patterns
// that print differently) rather than SQL equality.
void ExpectIdentical(const std::vector<Value>& got, const std::vector<Value>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].DebugString(), want[i].DebugString()) << "column " << i;
    EXPECT_EQ(got[i].type(), want[i].type()) << "column " << i;
  }
}

struct RandomTable {
  std::vector<ColumnSpec> columns;
};

RandomTable MakeTable(RandomValues& random) {
  RandomTable t;
  const std::vector<DataType> types = AllColumnTypes();
  const size_t n = 1 + random.Uniform(12);
  uint32_t id = static_cast<uint32_t>(random.Uniform(3));
  for (size_t i = 0; i < n; ++i) {
    id += 1 + static_cast<uint32_t>(random.Uniform(random.OneIn(8) ? 100000 : 3));
    t.columns.push_back(ColumnSpec{id, types[random.Uniform(types.size())], Value()});
  }
  // Column order in the schema need not follow ids.
  std::shuffle(t.columns.begin(), t.columns.end(), std::mt19937_64(random.Next()));
  return t;
}

std::vector<Value> MakeRow(RandomValues& random, const std::vector<ColumnSpec>& columns) {
  std::vector<Value> row;
  for (const ColumnSpec& c : columns) {
    row.push_back(random.OneIn(6) ? Value::Null(c.type.id) : random.Of(c.type));
  }
  return row;
}

TEST(RowCodecTest, EncodeDecodeRoundTripsRandomRows) {
  RandomValues random(42);
  for (int i = 0; i < 3000; ++i) {
    const RandomTable table = MakeTable(random);
    const std::vector<Value> row = MakeRow(random, table.columns);
    ASSERT_OK_AND_ASSIGN(std::string bytes, EncodeRow(table.columns, row));
    ASSERT_OK(ValidateRow(bytes));
    ASSERT_OK_AND_ASSIGN(std::vector<Value> decoded, DecodeRow(bytes, table.columns));
    ExpectIdentical(decoded, row);
    if (::testing::Test::HasFailure()) return;

    // Any subset, in any order.
    std::vector<size_t> pick;
    for (size_t c = 0; c < table.columns.size(); ++c) {
      if (random.OneIn(2)) pick.push_back(c);
    }
    std::shuffle(pick.begin(), pick.end(), std::mt19937_64(random.Next()));
    std::vector<ColumnSpec> subset;
    std::vector<Value> expected;
    for (size_t c : pick) {
      subset.push_back(table.columns[c]);
      expected.push_back(row[c]);
    }
    ASSERT_OK_AND_ASSIGN(std::vector<Value> partial, DecodeRow(bytes, subset));
    ExpectIdentical(partial, expected);
  }
}

TEST(RowCodecTest, AddedColumnsReadTheirMissingValueAndDroppedOnesAreIgnored) {
  const std::vector<ColumnSpec> v1 = {{1, DataType::Of(TypeId::kInt8), Value()},
                                      {2, DataType::Of(TypeId::kText), Value()},
                                      {3, DataType::Of(TypeId::kFloat8), Value()}};
  ASSERT_OK_AND_ASSIGN(std::string bytes,
                       EncodeRow(v1, std::vector{Value::Int8(1), Value::Text("a"),
                                                 Value::Float8(2.5)}));
  // ALTER TABLE DROP COLUMN (id 2), ADD COLUMN d int DEFAULT 7, ADD COLUMN e text.
  const std::vector<ColumnSpec> v2 = {{1, DataType::Of(TypeId::kInt8), Value()},
                                      {3, DataType::Of(TypeId::kFloat8), Value()},
                                      {4, DataType::Of(TypeId::kInt4), Value::Int4(7)},
                                      {5, DataType::Of(TypeId::kText), Value()}};
  ASSERT_OK_AND_ASSIGN(std::vector<Value> row, DecodeRow(bytes, v2));
  ExpectIdentical(row, {Value::Int8(1), Value::Float8(2.5), Value::Int4(7), Value()});
  // An explicit NULL overrides the missing value.
  ASSERT_OK_AND_ASSIGN(std::string with_null,
                       MergePartial(bytes, std::vector{ColumnUpdate{4, Value::Null(TypeId::kInt4)}}));
  ASSERT_OK_AND_ASSIGN(row, DecodeRow(with_null, v2));
  EXPECT_TRUE(row[2].is_null());
  // Binary-compatible schema changes: varchar read as text, int4 as int8.
  ASSERT_OK_AND_ASSIGN(
      std::string b2, EncodeRow(std::vector<ColumnSpec>{{1, DataType::Varchar(5), Value()},
                                                        {2, DataType::Of(TypeId::kInt4), Value()}},
                                std::vector{Value::Varchar("ab"), Value::Int4(-3)}));
  ASSERT_OK_AND_ASSIGN(
      row, DecodeRow(b2, std::vector<ColumnSpec>{{1, DataType::Of(TypeId::kText), Value()},
                                                  {2, DataType::Of(TypeId::kInt8), Value()}}));
  ExpectIdentical(row, {Value::Text("ab"), Value::Int8(-3)});
  ASSERT_SQLSTATE(
      DecodeRow(b2, std::vector<ColumnSpec>{{2, DataType::Of(TypeId::kText), Value()}}),
      SqlState::kDataCorrupted);
}

// What FindFields + AppendField give for one row, per column: "NULL", or
// the appended bytes; or the first error.
Result<std::vector<std::string>> FieldsOutput(std::string_view bytes, const std::vector<ColumnSpec>& columns,
                                              bool binary, const TextFormatOptions& options) {
  const FieldLayout layout(columns);
  std::vector<StoredField> fields(layout.size());
  STRATA_RETURN_IF_ERROR(FindFields(bytes, layout, fields));
  std::vector<std::string> out;
  for (size_t i = 0; i < fields.size(); ++i) {
    switch (fields[i].state) {
      case StoredField::State::kNull:
        out.push_back("NULL");
        break;
      case StoredField::State::kMissing:
        out.push_back("MISSING");
        break;
      case StoredField::State::kPresent: {
        std::string text;
        STRATA_RETURN_IF_ERROR(AppendField(fields[i], columns[i], binary, options, &text));
        out.push_back(text);
        break;
      }
    }
  }
  return out;
}

// What DecodeRow + FormatText / EncodeBinary give (MISSING where the row has
// no field for the column and the missing value is what DecodeRow returns).
Result<std::vector<std::string>> ValuesOutput(std::string_view bytes, const std::vector<ColumnSpec>& columns,
                                              bool binary, const TextFormatOptions& options) {
  STRATA_ASSIGN_OR_RETURN(std::vector<Value> values, DecodeRow(bytes, columns));
  STRATA_ASSIGN_OR_RETURN(std::vector<uint32_t> ids, RowColumnIds(bytes));
  std::vector<std::string> out;
  for (size_t i = 0; i < values.size(); ++i) {
    if (std::find(ids.begin(), ids.end(), columns[i].id) == ids.end()) {
      out.push_back("MISSING");
    } else if (values[i].is_null()) {
      out.push_back("NULL");
    } else if (binary) {
      out.push_back(EncodeBinary(values[i]));
    } else {
      STRATA_ASSIGN_OR_RETURN(std::string text, FormatText(values[i], options));
      out.push_back(text);
    }
  }
  return out;
}

TEST(RowCodecTest, AppendFieldMatchesDecodeRowThenFormatForEveryType) {
  RandomValues random(7);
  TextFormatOptions options[3];
  options[1].extra_float_digits = 0;
  options[2].extra_float_digits = -3;
  const Result<const TimeZone*> zone = TimeZone::Load("America/New_York");
  ASSERT_OK(zone.status());
  options[2].zone = *zone;
  for (int i = 0; i < 3000; ++i) {
    const RandomTable table = MakeTable(random);
    const std::vector<Value> row = MakeRow(random, table.columns);
    ASSERT_OK_AND_ASSIGN(std::string bytes, EncodeRow(table.columns, row));
    // Any subset, in any order, with repeats; and a column the row lacks.
    std::vector<ColumnSpec> pick;
    for (size_t c = 0; c < table.columns.size(); ++c) {
      if (random.OneIn(3)) continue;
      pick.push_back(table.columns[c]);
      if (random.OneIn(5)) pick.push_back(table.columns[c]);
    }
    if (random.OneIn(3)) pick.push_back(ColumnSpec{999999, DataType::Of(TypeId::kInt4), Value()});
    std::shuffle(pick.begin(), pick.end(), std::mt19937_64(random.Next()));
    for (const bool binary : {false, true}) {
      const TextFormatOptions& o = options[random.Uniform(3)];
      ASSERT_OK_AND_ASSIGN(std::vector<std::string> want, ValuesOutput(bytes, pick, binary, o));
      ASSERT_OK_AND_ASSIGN(std::vector<std::string> got, FieldsOutput(bytes, pick, binary, o));
      ASSERT_EQ(got, want) << "binary " << binary;
    }
  }
}

TEST(RowCodecTest, AppendFieldConvertsStoredTypesAsDecodeRowDoes) {
  ASSERT_OK_AND_ASSIGN(
      std::string bytes,
      EncodeRow(std::vector<ColumnSpec>{{1, DataType::Varchar(5), Value()},
                                        {2, DataType::Of(TypeId::kInt4), Value()},
                                        {3, DataType::Of(TypeId::kBool), Value()},
                                        {4, DataType::Of(TypeId::kBytea), Value()},
                                        {5, DataType::Of(TypeId::kJsonb), Value()}},
                std::vector{Value::Varchar("ab"), Value::Int4(-3), Value::Bool(true),
                            Value::Bytea(std::string("\x01\xff", 2)), Value::String(TypeId::kJsonb, "{\"a\": 1}")}));
  // Read back as text / int8 / bool / bytea / jsonb, plus an added column
  // with a missing value (left to the caller) and a dropped one (id 6).
  const std::vector<ColumnSpec> now = {{1, DataType::Of(TypeId::kText), Value()},
                                       {2, DataType::Of(TypeId::kInt8), Value()},
                                       {3, DataType::Of(TypeId::kBool), Value()},
                                       {4, DataType::Of(TypeId::kBytea), Value()},
                                       {5, DataType::Of(TypeId::kJsonb), Value()},
                                       {7, DataType::Of(TypeId::kInt4), Value::Int4(7)}};
  const TextFormatOptions options;
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> text, FieldsOutput(bytes, now, false, options));
  EXPECT_EQ(text, (std::vector<std::string>{"ab", "-3", "t", "\\x01ff", "{\"a\": 1}", "MISSING"}));
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> binary, FieldsOutput(bytes, now, true, options));
  EXPECT_EQ(binary, (std::vector<std::string>{"ab", std::string("\xff\xff\xff\xff\xff\xff\xff\xfd", 8),
                                              std::string("\x01", 1), std::string("\x01\xff", 2),
                                              std::string("\x01{\"a\": 1}"), "MISSING"}));
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> want, ValuesOutput(bytes, now, true, options));
  EXPECT_EQ(binary, want);
  // A stored kind that does not match the column's is corruption, as in DecodeRow.
  const std::vector<ColumnSpec> wrong = {{2, DataType::Of(TypeId::kText), Value()}};
  ASSERT_SQLSTATE(FieldsOutput(bytes, wrong, false, options), SqlState::kDataCorrupted);
}

TEST(RowCodecTest, FindFieldsRejectsWhatDecodeRowRejects) {
  RandomValues random(99);
  for (int i = 0; i < 3000; ++i) {
    const RandomTable table = MakeTable(random);
    ASSERT_OK_AND_ASSIGN(std::string bytes, EncodeRow(table.columns, MakeRow(random, table.columns)));
    std::string mutated = bytes;
    if (random.OneIn(2)) {
      mutated[random.Uniform(mutated.size())] = static_cast<char>(random.Next());
    } else {
      mutated.resize(random.Uniform(mutated.size() + 1));
    }
    const Result<std::vector<Value>> decoded = DecodeRow(mutated, table.columns);
    for (const bool binary : {false, true}) {
      const Result<std::vector<std::string>> got = FieldsOutput(mutated, table.columns, binary, {});
      ASSERT_EQ(got.ok(), decoded.ok()) << (got.ok() ? decoded.status() : got.status()).ToString();
      if (!got.ok()) ASSERT_SQLSTATE(got, SqlState::kDataCorrupted);
    }
  }
}

TEST(RowCodecTest, MergePartialChangesOnlyNamedColumns) {
  RandomValues random(7);
  for (int i = 0; i < 2000; ++i) {
    RandomTable table = MakeTable(random);
    std::vector<Value> row = MakeRow(random, table.columns);
    ASSERT_OK_AND_ASSIGN(std::string bytes, EncodeRow(table.columns, row));

    std::vector<ColumnUpdate> updates;
    std::vector<Value> expected = row;
    for (size_t c = 0; c < table.columns.size(); ++c) {
      if (!random.OneIn(3)) continue;
      Value v = random.OneIn(5) ? Value::Null(table.columns[c].type.id)
                                : random.Of(table.columns[c].type);
      updates.push_back({table.columns[c].id, v});
      expected[c] = v;
    }
    // Sometimes set a column the row has never had (added by ALTER TABLE).
    if (random.OneIn(3)) {
      const uint32_t new_id = 200000 + static_cast<uint32_t>(random.Uniform(10));
      ColumnSpec added{new_id, DataType::Of(TypeId::kText), Value::Text("default")};
      Value v = random.Of(added.type);
      updates.push_back({new_id, v});
      table.columns.push_back(added);
      expected.push_back(v);
    }
    std::shuffle(updates.begin(), updates.end(), std::mt19937_64(random.Next()));

    ASSERT_OK_AND_ASSIGN(std::string merged, MergePartial(bytes, updates));
    ASSERT_OK(ValidateRow(merged));
    ASSERT_OK_AND_ASSIGN(std::vector<Value> decoded, DecodeRow(merged, table.columns));
    ExpectIdentical(decoded, expected);
    if (::testing::Test::HasFailure()) return;
    if (updates.empty()) {
      EXPECT_EQ(merged, bytes);
    }
  }
}

TEST(RowCodecTest, MergePartialRejectsDuplicateIds) {
  const std::vector<ColumnSpec> cols = {{1, DataType::Of(TypeId::kInt4), Value()}};
  ASSERT_OK_AND_ASSIGN(std::string bytes, EncodeRow(cols, std::vector{Value::Int4(1)}));
  ASSERT_SQLSTATE(MergePartial(bytes, std::vector{ColumnUpdate{2, Value::Int4(1)},
                                                  ColumnUpdate{2, Value::Int4(2)}}),
                  SqlState::kInvalidParameterValue);
}

TEST(RowCodecTest, EncodeRejectsMismatchedValues) {
  const std::vector<ColumnSpec> cols = {{1, DataType::Of(TypeId::kInt2), Value()},
                                        {2, DataType::Of(TypeId::kText), Value()}};
  ASSERT_SQLSTATE(EncodeRow(cols, std::vector{Value::Int8(70000), Value::Text("a")}),
                  SqlState::kNumericValueOutOfRange);
  ASSERT_SQLSTATE(EncodeRow(cols, std::vector{Value::Int8(1), Value::Int8(1)}),
                  SqlState::kDatatypeMismatch);
  ASSERT_SQLSTATE(EncodeRow(cols, std::vector{Value::Int8(1)}), SqlState::kInvalidParameterValue);
  const std::vector<ColumnSpec> dup = {{1, DataType::Of(TypeId::kInt4), Value()},
                                       {1, DataType::Of(TypeId::kInt4), Value()}};
  ASSERT_SQLSTATE(EncodeRow(dup, std::vector{Value::Int4(1), Value::Int4(2)}),
                  SqlState::kInvalidParameterValue);
}

TEST(RowCodecTest, MalformedBytesAreCorruption) {
  const std::vector<ColumnSpec> cols = {{1, DataType::Of(TypeId::kInt4), Value()}};
  for (std::string_view bad :
       {std::string_view(""), std::string_view("\x02", 1),
        std::string_view("\x01\x01\x03\x01", 4),              // truncated int4
        std::string_view("\x01\x02\x00\x01\x00", 5),          // ids out of order
        std::string_view("\x01\x01\x00\x01\x00", 5),          // duplicate id
        std::string_view("\x01\x01\x63", 3),                  // unknown tag
        std::string_view("\x01\x01\x08\x05" "ab", 5),         // text length past the end
        std::string_view("\x01\x01\x01\x02", 4),              // bool 2
        std::string_view("\x01\xff\xff\xff\xff\xff\x01\x00", 8)}) {  // id > u32
    EXPECT_FALSE(ValidateRow(bad).ok()) << ::testing::PrintToString(bad);
    ASSERT_SQLSTATE(ValidateRow(bad), SqlState::kDataCorrupted);
  }
}

TEST(RowCodecTest, GarbageAndMutationsNeverCrash) {
  RandomValues random(1234);
  const std::vector<DataType> types = AllColumnTypes();
  for (int i = 0; i < 3000; ++i) {
    const RandomTable table = MakeTable(random);
    ASSERT_OK_AND_ASSIGN(std::string bytes, EncodeRow(table.columns, MakeRow(random, table.columns)));
    std::string mutated = bytes;
    switch (random.Uniform(3)) {
      case 0:  // flip bytes
        for (int k = 0; k < 3; ++k) {
          mutated[random.Uniform(mutated.size())] = static_cast<char>(random.Next());
        }
        break;
      case 1:  // truncate
        mutated.resize(random.Uniform(mutated.size() + 1));
        break;
      default:  // pure garbage
        mutated.resize(random.Uniform(40));
        for (char& c : mutated) c = static_cast<char>(random.Next());
        if (!mutated.empty() && random.OneIn(2)) mutated[0] = static_cast<char>(kRowFormatVersion);
        break;
    }
    Status validated = ValidateRow(mutated);
    Result<std::vector<Value>> decoded = DecodeRow(mutated, table.columns);
    Result<std::string> merged =
        MergePartial(mutated, std::vector{ColumnUpdate{table.columns[0].id, Value::Int8(1)}});
    for (const Status& s : {validated, decoded.status(), merged.status()}) {
      if (!s.ok()) {
        ASSERT_EQ(s.sql_state().code(), SqlState::kDataCorrupted.code()) << s.ToString();
      }
    }
    // DecodeRow and MergePartial check only the framing of fields they do
    // not touch, so they may accept what ValidateRow rejects; never the
    // reverse for framing errors.
    if (!merged.ok()) {
      ASSERT_FALSE(validated.ok());
    }
  }
}

}  // namespace
}  // namespace strata::rowstore
