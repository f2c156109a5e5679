#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "common/status.h"
#include "common/types.h"
#include "common/value.h"
#include "columnstore/column_vector.h"
#include "columnstore/encoding.h"

namespace strata::columnstore {

// A filter pushed down into a column scan: `column op operand`. A scan
// ANDs all its predicates. SQL semantics: a NULL column value satisfies only
// kIsNull; a NULL operand makes a comparison match nothing.
enum class CompareOp : uint8_t {
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kBetween,  // operand <= column <= operand2
  kIsNull,
  kIsNotNull,
};

struct ColumnPredicate {
  uint32_t column_id = 0;
  CompareOp op = CompareOp::kEq;
  // Of the column's value kind (int2 vs int8 is fine; int vs numeric is
  // not), or NULL. Unused for kIsNull / kIsNotNull.
  Value operand;
  // Upper bound of kBetween.
  Value operand2;
};

// OK when the operands fit a column of `type`; 42804 otherwise.
Status ValidatePredicate(const ColumnPredicate& predicate, const DataType& type);

// Whether `value` (NULL or of the column's kind) satisfies the predicate.
bool MatchValue(const ColumnPredicate& predicate, const Value& value);

// Whether any row of a block with zone map `zone` may satisfy the
// predicate; false means the block can be skipped. Always true when the
// zone map carries no min/max for non-null rows.
bool ZoneMayMatch(const ColumnPredicate& predicate, const ZoneMap& zone);

// Whether every row of a block with zone map `zone` satisfies the
// predicate, so the scan need not evaluate it (nor decode the column for
// it). False whenever that cannot be proven: NULLs in the block, no
// min/max, float and string columns (NaN, -0 and bpchar padding make
// those bounds loose), NaN numeric bounds.
bool ZoneAllMatch(const ColumnPredicate& predicate, const ZoneMap& zone);

// Keeps in *selection (row indexes into `column`) only the rows that
// satisfy the predicate; order is preserved. Typed loops for kInt, kFloat
// and kString columns.
void FilterColumn(const ColumnPredicate& predicate, const ColumnVector& column,
                  std::vector<uint32_t>* selection);

}  // namespace strata::columnstore
