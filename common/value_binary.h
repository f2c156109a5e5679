#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "common/status.h"
#include "common/types.h"
#include "common/value.h"

namespace strata {

// PostgreSQL's binary send/receive formats (typsend / typreceive), the
// payloads of binary-format columns in DataRow and of binary Bind
// parameters. Stateless; thread-safe. All integers are big-endian.
//
//   bool         1 byte 0/1
//   int2/4/8     2/4/8 bytes two's complement
//   float4/8     IEEE 754 bits
//   numeric      int16 ndigits, int16 weight, uint16 sign (0x0000 +,
//                0x4000 -, 0xC000 NaN), int16 dscale, ndigits x int16
//                base-10000 digits (no leading/trailing zero digits)
//   text/varchar/bpchar/json   the bytes
//   jsonb        version byte 1, then the (normalized) text
//   bytea        the bytes
//   date         int32 days since 2000-01-01
//   time         int64 microseconds since midnight
//   timestamp(tz) int64 microseconds since 2000-01-01 (UTC)
//   interval     int64 microseconds, int32 days, int32 months
//   uuid         16 bytes
//   array        int32 ndim (0 for empty, else 1), int32 has_null flag,
//                uint32 element OID, per dimension int32 length and int32
//                lower bound (1), then each element as int32 length (-1
//                for NULL) followed by its binary form.
//   record       int32 field count, then per field uint32 type OID (0 when
//                a NULL field's type is unknown), int32 length (-1 for
//                NULL) and the binary form (PostgreSQL's record_send);
//                binary input of records is 0A000.

// Appends the binary form of a non-null value to *out (without the int32
// length word the protocol puts before it). REQUIRES: !value.is_null().
void EncodeBinary(const Value& value, std::string* out);
// Convenience: the binary form as a new string.
std::string EncodeBinary(const Value& value);

// Decodes a binary-format value of `type` (the whole of `bytes` must be
// consumed), then applies the typmod like text input does (22001 for
// over-long varchar(n), numeric(p,s) rounding, char(n) padding). Errors:
// 22P03 invalid_binary_representation ("insufficient data left in
// message", "incorrect binary data format", "invalid numeric sign",
// "unsupported jsonb version number 2", ...), 42804 when an array names
// another element type, 22021 for invalid UTF-8 text, 22003
// / 22008 for out-of-range values, 0A000 for multi-dimensional arrays.
Result<Value> DecodeBinary(const DataType& type, std::string_view bytes);

}  // namespace strata
