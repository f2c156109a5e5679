#include "server/data_row.h"

#include "common/macros.h"
#include "common/value_binary.h"
#include "protocol/messages.h"
#include "protocol/writer.h"

namespace strata::server {
namespace {

bool IsBinary(std::span<const int16_t> formats, size_t i) {
  const int16_t format = formats.size() == 1 ? formats[0] : (i < formats.size() ? formats[i] : 0);
  return format == protocol::kBinaryFormat;
}

// One non-null value as a column of `row`.
Status AddValue(const Value& value, bool binary, const TextFormatOptions& options,
                protocol::DataRowWriter* row, std::string* out) {
  if (binary) {
    row->BeginColumn();
    EncodeBinary(value, out);
    row->EndColumn();
    return Status::OK();
  }
  STRATA_ASSIGN_OR_RETURN(std::string text, FormatText(value, options));
  row->AddColumn(text);
  return Status::OK();
}

}  // namespace

Status AppendDataRow(std::span<const Value> values, std::span<const int16_t> formats,
                     const TextFormatOptions& options, std::string* out) {
  const size_t start = out->size();
  protocol::DataRowWriter row(out, values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i].is_null()) {
      row.AddNull();
      continue;
    }
    const Status s = AddValue(values[i], IsBinary(formats, i), options, &row, out);
    if (!s.ok()) {
      out->resize(start);
      return s;
    }
  }
  row.Finish();
  return Status::OK();
}

Status AppendStoredDataRow(const sql::StoredRow& row, std::span<const int16_t> formats,
                           const TextFormatOptions& options, std::string* out) {
  const size_t start = out->size();
  protocol::DataRowWriter writer(out, row.size());
  for (size_t i = 0; i < row.size(); ++i) {
    if (row.is_null(i)) {
      writer.AddNull();
      continue;
    }
    writer.BeginColumn();
    const Status s = row.AppendColumn(i, IsBinary(formats, i), options, out);
    if (!s.ok()) {
      out->resize(start);
      return s;
    }
    writer.EndColumn();
  }
  writer.Finish();
  return Status::OK();
}

}  // namespace strata::server
