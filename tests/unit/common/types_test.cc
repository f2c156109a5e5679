#include "common/types.h"

#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace strata {
namespace {

TEST(TypesTest, ReportsPostgresOidsLengthsAndNames) {
  EXPECT_EQ(TypeOid(DataType::Of(TypeId::kBool)), 16u);
  EXPECT_EQ(TypeOid(DataType::Of(TypeId::kInt4)), 23u);
  EXPECT_EQ(TypeOid(DataType::Of(TypeId::kInt8)), 20u);
  EXPECT_EQ(TypeOid(DataType::Of(TypeId::kNumeric)), 1700u);
  EXPECT_EQ(TypeOid(DataType::Of(TypeId::kTimestampTz)), 1184u);
  EXPECT_EQ(TypeOid(DataType::Of(TypeId::kJsonb)), 3802u);
  EXPECT_EQ(TypeOid(DataType::Array(TypeId::kInt4)), 1007u);
  EXPECT_EQ(TypeOid(DataType::Array(TypeId::kText)), 1009u);
  EXPECT_EQ(TypeOid(DataType::Array(TypeId::kInt8)), 1016u);
  EXPECT_EQ(TypeLen(DataType::Of(TypeId::kInt2)), 2);
  EXPECT_EQ(TypeLen(DataType::Of(TypeId::kUuid)), 16);
  EXPECT_EQ(TypeLen(DataType::Of(TypeId::kText)), -1);
  EXPECT_EQ(TypeLen(DataType::Array(TypeId::kInt4)), -1);
  EXPECT_EQ(TypeInternalName(DataType::Array(TypeId::kInt4)), "_int4");
  EXPECT_EQ(TypeInternalName(DataType::Of(TypeId::kTimestampTz)), "timestamptz");

  EXPECT_EQ(DataType::Of(TypeId::kInt4).ToString(), "integer");
  EXPECT_EQ(DataType::Of(TypeId::kFloat8).ToString(), "double precision");
  EXPECT_EQ(DataType::Varchar(10).ToString(), "character varying(10)");
  EXPECT_EQ(DataType::Of(TypeId::kVarchar).ToString(), "character varying");
  EXPECT_EQ(DataType::Bpchar(3).ToString(), "character(3)");
  EXPECT_EQ(DataType::Of(TypeId::kBpchar).ToString(), "bpchar");
  EXPECT_EQ(DataType::Numeric(12, 2).ToString(), "numeric(12,2)");
  EXPECT_EQ(DataType::Of(TypeId::kTimestamp).ToString(), "timestamp without time zone");
  EXPECT_EQ((DataType{TypeId::kTimestampTz, 3}).ToString(), "timestamp(3) with time zone");
  EXPECT_EQ(DataType::Array(TypeId::kVarchar, 14).ToString(), "character varying(10)[]");
  EXPECT_EQ(DataType::Numeric(12, 2).typmod, 786438);  // atttypmod as PostgreSQL stores it
  EXPECT_EQ(DataType::Varchar(10).typmod, 14);
}

TEST(TypesTest, FindsTypesByOid) {
  ASSERT_OK_AND_ASSIGN(DataType t, DataTypeFromOid(1043, 14));
  EXPECT_EQ(t, DataType::Varchar(10));
  ASSERT_OK_AND_ASSIGN(DataType a, DataTypeFromOid(1016));
  EXPECT_EQ(a, DataType::Array(TypeId::kInt8));
  EXPECT_FALSE(DataTypeFromOid(600).ok());  // point
}

TEST(TypesTest, ParsesNamesAndAliases) {
  struct Case {
    const char* text;
    DataType want;
  };
  const Case cases[] = {
      {"int", DataType::Of(TypeId::kInt4)},
      {"INTEGER", DataType::Of(TypeId::kInt4)},
      {"int4", DataType::Of(TypeId::kInt4)},
      {"pg_catalog.int8", DataType::Of(TypeId::kInt8)},
      {"bigint", DataType::Of(TypeId::kInt8)},
      {"smallint", DataType::Of(TypeId::kInt2)},
      {"real", DataType::Of(TypeId::kFloat4)},
      {"float", DataType::Of(TypeId::kFloat8)},
      {"float(10)", DataType::Of(TypeId::kFloat4)},
      {"double   precision", DataType::Of(TypeId::kFloat8)},
      {"boolean", DataType::Of(TypeId::kBool)},
      {"varchar(20)", DataType::Varchar(20)},
      {"character varying", DataType::Of(TypeId::kVarchar)},
      {"char", DataType::Bpchar(1)},
      {"character(5)", DataType::Bpchar(5)},
      {"bpchar", DataType::Of(TypeId::kBpchar)},
      {"decimal(10, 2)", DataType::Numeric(10, 2)},
      {"numeric(7)", DataType::Numeric(7, 0)},
      {"numeric", DataType::Of(TypeId::kNumeric)},
      {"timestamp with time zone", DataType::Of(TypeId::kTimestampTz)},
      {"timestamptz", DataType::Of(TypeId::kTimestampTz)},
      {"timestamp(3) without time zone", DataType{TypeId::kTimestamp, 3}},
      {"timestamp", DataType::Of(TypeId::kTimestamp)},
      {"time", DataType::Of(TypeId::kTime)},
      {"int[]", DataType::Array(TypeId::kInt4)},
      {"text array", DataType::Array(TypeId::kText)},
      {"varchar(3)[]", DataType::Array(TypeId::kVarchar, 7)},
      {"uuid", DataType::Of(TypeId::kUuid)},
      {"jsonb", DataType::Of(TypeId::kJsonb)},
  };
  for (const Case& c : cases) {
    ASSERT_OK_AND_ASSIGN(DataType t, ParseTypeName(c.text));
    EXPECT_EQ(t, c.want) << c.text << " -> " << t.ToString();
  }
  ASSERT_SQLSTATE(ParseTypeName("serial"), SqlState::kUndefinedObject);
  ASSERT_SQLSTATE(ParseTypeName("varchar(0)"), SqlState::kInvalidParameterValue);
  ASSERT_SQLSTATE(ParseTypeName("numeric(1001)"), SqlState::kInvalidParameterValue);
  ASSERT_SQLSTATE(ParseTypeName("text(5)"), SqlState::kSyntaxError);
  ASSERT_SQLSTATE(ParseTypeName("varchar(a)"), SqlState::kSyntaxError);
  EXPECT_EQ(NumericPrecision(DataType::Numeric(10, 2)), 10);
  EXPECT_EQ(NumericScale(DataType::Numeric(10, -3)), -3);
  EXPECT_EQ(CharLength(DataType::Bpchar(4)), 4);
  EXPECT_EQ(CharLength(DataType::Of(TypeId::kText)), -1);
}

TEST(TypesTest, RecordLayoutsAreInternedByContent) {
  const DataType a = RecordType({RecordField{"x", DataType::Of(TypeId::kInt2)}, RecordField{"n", DataType::Of(TypeId::kInt4)}});
  const DataType b = RecordType({RecordField{"x", DataType::Of(TypeId::kInt2)}, RecordField{"n", DataType::Of(TypeId::kInt4)}});
  const DataType c = RecordType({RecordField{"x", DataType::Varchar(3)}, RecordField{"n", DataType::Of(TypeId::kInt4)}});
  EXPECT_EQ(a.id, TypeId::kRecord);
  EXPECT_GE(a.typmod, 0);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);  // the field types (typmods included) are part of the layout
  const std::vector<RecordField>* fields = RecordFields(c);
  ASSERT_NE(fields, nullptr);
  ASSERT_EQ(fields->size(), 2u);
  EXPECT_EQ((*fields)[0].name, "x");
  EXPECT_EQ((*fields)[0].type, DataType::Varchar(3));
  EXPECT_EQ((*fields)[1].name, "n");
  EXPECT_EQ(RecordFields(DataType::Of(TypeId::kRecord)), nullptr);
  EXPECT_EQ(RecordFields(DataType::Of(TypeId::kInt4)), nullptr);
}

TEST(TypesTest, RecordIsPostgresRecordPseudoType) {
  const DataType r = RecordType({RecordField{"f1", DataType::Of(TypeId::kText)}});
  EXPECT_EQ(TypeOid(r), 2249u);
  EXPECT_EQ(TypeLen(r), -1);
  EXPECT_EQ(TypeInternalName(r), "record");
  EXPECT_EQ(r.ToString(), "record");
  // The layout id is process-internal: clients see -1, as from PostgreSQL.
  EXPECT_EQ(ClientTypmod(r), -1);
  EXPECT_EQ(ClientTypmod(DataType::Varchar(3)), 7);
  // A client cannot declare a parameter of an anonymous record type.
  EXPECT_FALSE(DataTypeFromOid(2249).ok());
}

}  // namespace
}  // namespace strata
