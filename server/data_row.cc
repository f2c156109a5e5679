#include "server/data_row.h"

#include <vector>

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

Status AppendStoredDataRow(std::string_view bytes, const rowstore::FieldLayout& layout,
                           std::span<const int16_t> formats, const TextFormatOptions& options,
                           std::string* out) {
  constexpr size_t kInlineColumns = 32;
  rowstore::StoredField inline_fields[kInlineColumns];
  std::vector<rowstore::StoredField> heap_fields;
  std::span<rowstore::StoredField> fields(inline_fields, layout.size());
  if (layout.size() > kInlineColumns) {
    heap_fields.resize(layout.size());
    fields = heap_fields;
  }
  STRATA_RETURN_IF_ERROR(rowstore::FindFields(bytes, layout, fields));
  const size_t start = out->size();
  protocol::DataRowWriter row(out, layout.size());
  for (size_t i = 0; i < fields.size(); ++i) {
    const rowstore::ColumnSpec& column = layout.columns()[i];
    const bool binary = IsBinary(formats, i);
    Status s;
    switch (fields[i].state) {
      case rowstore::StoredField::State::kNull:
        row.AddNull();
        break;
      case rowstore::StoredField::State::kMissing:
        if (column.missing_value.is_null()) {
          row.AddNull();
        } else {
          s = AddValue(column.missing_value, binary, options, &row, out);
        }
        break;
      case rowstore::StoredField::State::kPresent:
        row.BeginColumn();
        s = rowstore::AppendField(fields[i], column, binary, options, out);
        if (s.ok()) row.EndColumn();
        break;
    }
    if (!s.ok()) {
      out->resize(start);
      return s;
    }
  }
  row.Finish();
  return Status::OK();
}

}  // namespace strata::server
