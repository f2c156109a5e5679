#include "sql/copy.h"

#include <algorithm>
#include <cctype>
#include <future>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "common/macros.h"
#include "common/value_text.h"
#include "sql/functions/cast.h"
#include "storage/database.h"

namespace strata::sql {
namespace {

struct CopyOptions {
  bool csv = false;
  bool header = false;
  char delimiter = '\t';
  std::string null_string = "\\N";
  char quote = '"';
  char escape = '"';
  bool force_quote_all = false;
};

Status BadCopy(std::string message) { return Status(SqlState("22P04"), std::move(message)); }

Result<char> SingleChar(const ast::DefElem& o, const char* what) {
  if (o.value.size() != 1) {
    return Status(SqlState::kFeatureNotSupported, std::string("COPY ") + what + " must be a single one-byte character");
  }
  return o.value[0];
}

Result<CopyOptions> ParseOptions(const std::vector<ast::DefElem>& options) {
  CopyOptions out;
  bool delimiter_set = false;
  bool null_set = false;
  bool escape_set = false;
  for (const auto& o : options) {
    if (o.name == "format") {
      if (o.value == "csv") {
        out.csv = true;
      } else if (o.value == "binary") {
        return Status(SqlState::kFeatureNotSupported, "COPY BINARY is not supported");
      } else if (o.value != "text") {
        return Status(SqlState::kInvalidParameterValue, "COPY format \"" + o.value + "\" not recognized");
      }
    } else if (o.name == "header") {
      out.header = !o.has_value || o.value == "true" || o.value == "on" || o.value == "1" || o.value == "match";
    } else if (o.name == "delimiter") {
      STRATA_ASSIGN_OR_RETURN(out.delimiter, SingleChar(o, "delimiter"));
      delimiter_set = true;
    } else if (o.name == "null") {
      out.null_string = o.value;
      null_set = true;
    } else if (o.name == "quote") {
      STRATA_ASSIGN_OR_RETURN(out.quote, SingleChar(o, "quote"));
    } else if (o.name == "escape") {
      STRATA_ASSIGN_OR_RETURN(out.escape, SingleChar(o, "escape"));
      escape_set = true;
    } else if (o.name == "force_quote") {
      out.force_quote_all = o.value == "*";
    } else if (o.name == "freeze" || o.name == "encoding" || o.name == "force_not_null" || o.name == "force_null") {
      continue;
    } else {
      return Status(SqlState::kSyntaxError, "option \"" + o.name + "\" not recognized");
    }
  }
  if (out.csv) {
    if (!delimiter_set) out.delimiter = ',';
    if (!null_set) out.null_string = "";
    if (!escape_set) out.escape = out.quote;
  } else if (out.header) {
    // PostgreSQL 15 accepts HEADER in text format too.
  }
  return out;
}

// Splits the incoming byte stream into records (text: lines; CSV: lines
// outside quotes, so a quoted field may hold newlines). CopyData chunks may
// end anywhere, even inside a quoted field or between an escape and the
// character it escapes: the scan state is kept across chunks and each byte
// is examined once.
class RecordReader {
 public:
  RecordReader(ResultSink* sink, const CopyOptions& options) : sink_(sink), options_(options) {}

  // The next record without its line terminator; nullopt at the end of data.
  Result<std::optional<std::string>> Next() {
    while (true) {
      if (auto rec = TakeRecord()) return rec;
      if (eof_) {
        if (pos_ < buffer_.size()) {
          std::string rest = buffer_.substr(pos_);
          pos_ = buffer_.size();
          scan_ = pos_;
          in_quotes_ = false;
          if (!rest.empty() && rest.back() == '\r') rest.pop_back();
          ++line_;
          return std::optional<std::string>(std::move(rest));
        }
        return std::optional<std::string>();
      }
      STRATA_ASSIGN_OR_RETURN(std::optional<std::string> chunk, sink_->ReadCopyData());
      if (!chunk) {
        eof_ = true;
      } else {
        if (pos_ > 0) {
          buffer_.erase(0, pos_);
          scan_ -= pos_;
          pos_ = 0;
        }
        buffer_ += *chunk;
      }
    }
  }

  // Reads and discards the rest of the client's data.
  void Drain() {
    while (!eof_) {
      auto chunk = sink_->ReadCopyData();
      if (!chunk.ok() || !chunk->has_value()) eof_ = true;
    }
  }

  int64_t line() const { return line_; }

 private:
  // Continues scanning the current record from scan_; returns it once its
  // terminating newline is in the buffer.
  std::optional<std::string> TakeRecord() {
    size_t i = scan_;
    for (; i < buffer_.size(); ++i) {
      const char c = buffer_[i];
      if (options_.csv) {
        if (in_quotes_) {
          if (c == options_.escape && options_.escape != options_.quote) {
            if (i + 1 >= buffer_.size()) break;  // need the next byte
            if (buffer_[i + 1] == options_.quote || buffer_[i + 1] == options_.escape) ++i;
          } else if (c == options_.quote) {
            // A doubled quote (escape == quote) closes and reopens.
            in_quotes_ = false;
          }
          continue;
        }
        if (c == options_.quote) {
          in_quotes_ = true;
          continue;
        }
      } else if (c == '\\') {
        if (i + 1 >= buffer_.size()) break;  // need the escaped byte
        ++i;
        continue;
      }
      if (c == '\n') {
        std::string rec = buffer_.substr(pos_, i - pos_);
        if (!rec.empty() && rec.back() == '\r') rec.pop_back();
        pos_ = i + 1;
        scan_ = pos_;
        ++line_;
        return rec;
      }
    }
    scan_ = i;
    return std::nullopt;
  }

  ResultSink* sink_;
  const CopyOptions& options_;
  std::string buffer_;
  size_t pos_ = 0;          // start of the current record
  size_t scan_ = 0;         // first byte of the current record not yet examined
  bool in_quotes_ = false;  // CSV: scan_ is inside a quoted field
  bool eof_ = false;
  int64_t line_ = 0;
};

// One parsed field: nullopt for NULL.
using Field = std::optional<std::string>;

// Text format: fields split at the delimiter, backslash escapes decoded. A
// field is NULL when its raw text (before decoding) is the NULL string.
Result<std::vector<Field>> SplitText(const std::string& rec, const CopyOptions& o) {
  std::vector<Field> out;
  out.reserve(8);
  const size_t n = rec.size();
  size_t i = 0;
  while (true) {
    const size_t start = i;
    // Most fields have no escape: one scan, one copy.
    while (i < n && rec[i] != o.delimiter && rec[i] != '\\') ++i;
    std::string cur;
    if (i < n && rec[i] == '\\') {
      cur.assign(rec, start, i - start);
      for (; i < n && rec[i] != o.delimiter; ++i) {
        const char c = rec[i];
        if (c != '\\' || i + 1 >= n) {
          cur += c;
          continue;
        }
        const char e = rec[++i];
        switch (e) {
          case 'b': cur += '\b'; break;
          case 'f': cur += '\f'; break;
          case 'n': cur += '\n'; break;
          case 'r': cur += '\r'; break;
          case 't': cur += '\t'; break;
          case 'v': cur += '\v'; break;
          case 'x': {
            int v = 0;
            int digits = 0;
            while (digits < 2 && i + 1 < n && std::isxdigit(static_cast<unsigned char>(rec[i + 1]))) {
              const char h = rec[++i];
              v = v * 16 + (std::isdigit(static_cast<unsigned char>(h)) ? h - '0' : (std::tolower(h) - 'a' + 10));
              ++digits;
            }
            cur += digits == 0 ? 'x' : static_cast<char>(v);
            break;
          }
          default:
            if (e >= '0' && e <= '7') {
              int v = e - '0';
              int digits = 1;
              while (digits < 3 && i + 1 < n && rec[i + 1] >= '0' && rec[i + 1] <= '7') {
                v = v * 8 + (rec[++i] - '0');
                ++digits;
              }
              cur += static_cast<char>(v);
            } else {
              cur += e;
            }
            break;
        }
      }
    } else {
      cur.assign(rec, start, i - start);
    }
    if (std::string_view(rec).substr(start, i - start) == o.null_string) {
      out.emplace_back(std::nullopt);
    } else {
      out.emplace_back(std::move(cur));
    }
    if (i >= n) break;
    ++i;  // the delimiter
  }
  return out;
}

Result<std::vector<Field>> SplitCsv(const std::string& rec, const CopyOptions& o) {
  std::vector<Field> out;
  std::string cur;
  bool quoted = false;
  size_t i = 0;
  while (true) {
    cur.clear();
    quoted = false;
    bool in_quotes = false;
    while (i < rec.size()) {
      const char c = rec[i];
      if (in_quotes) {
        // A doubled quote (escape == quote) or an escaped quote.
        if (c == o.escape && i + 1 < rec.size() && rec[i + 1] == o.quote) {
          cur += o.quote;
          i += 2;
          continue;
        }
        if (c == o.escape && o.escape != o.quote && i + 1 < rec.size() && rec[i + 1] == o.escape) {
          cur += o.escape;
          i += 2;
          continue;
        }
        if (c == o.quote) {
          in_quotes = false;
          ++i;
          continue;
        }
        cur += c;
        ++i;
        continue;
      }
      if (c == o.delimiter) break;
      if (c == o.quote) {
        in_quotes = true;
        quoted = true;
        ++i;
        continue;
      }
      cur += c;
      ++i;
    }
    if (in_quotes) return BadCopy("unterminated CSV quoted field");
    if (!quoted && cur == o.null_string) {
      out.emplace_back(std::nullopt);
    } else {
      out.emplace_back(cur);
    }
    if (i >= rec.size()) break;
    ++i;  // delimiter
  }
  return out;
}

void AppendTextField(const std::string& s, const CopyOptions& o, std::string* out) {
  for (char c : s) {
    switch (c) {
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      case '\r': *out += "\\r"; break;
      case '\t': *out += o.delimiter == '\t' ? "\\t" : "\t"; break;
      case '\b': *out += "\\b"; break;
      case '\f': *out += "\\f"; break;
      case '\v': *out += "\\v"; break;
      default:
        if (c == o.delimiter) *out += '\\';
        *out += c;
    }
  }
}

void AppendCsvField(const std::string& s, const CopyOptions& o, std::string* out) {
  bool needs_quotes = o.force_quote_all || s.empty() || s == o.null_string;
  for (char c : s) {
    if (c == o.delimiter || c == o.quote || c == '\n' || c == '\r' || c == o.escape) needs_quotes = true;
  }
  if (!needs_quotes) {
    *out += s;
    return;
  }
  *out += o.quote;
  for (char c : s) {
    if (c == o.quote || c == o.escape) *out += o.escape;
    *out += c;
  }
  *out += o.quote;
}

Status CopyOut(const ast::CopyStmt& stmt, const CopyOptions& o, CopyContext& ctx) {
  binder::BoundQuery query;
  std::vector<DataType> params;
  binder::Binder binder(ctx.catalog, ctx.binder_options, &params);
  if (stmt.query) {
    if (stmt.query->kind != ast::StmtKind::kSelect) {
      return Status(SqlState::kFeatureNotSupported, "COPY (query) TO supports only SELECT");
    }
    STRATA_ASSIGN_OR_RETURN(query, binder.BindQuery(static_cast<const ast::SelectStmt&>(*stmt.query)));
  } else {
    // COPY t (cols) TO: SELECT cols FROM t.
    ast::SelectStmt select;
    auto ref = std::make_unique<ast::TableRef>();
    ref->table = stmt.table;
    ref->location = stmt.table.location;
    select.from.push_back(std::move(ref));
    if (stmt.columns.empty()) {
      ast::ResTarget star;
      star.expr = std::make_unique<ast::Expr>(ast::ExprKind::kStar);
      select.targets.push_back(std::move(star));
    } else {
      for (const auto& c : stmt.columns) {
        ast::ResTarget t;
        t.expr = std::make_unique<ast::Expr>(ast::ExprKind::kColumnRef);
        t.expr->names = {c};
        select.targets.push_back(std::move(t));
      }
    }
    STRATA_ASSIGN_OR_RETURN(query, binder.BindQuery(select));
  }
  const int ncols = static_cast<int>(query.columns.size());
  STRATA_ASSIGN_OR_RETURN(auto op, executor::BuildOperator(*query.plan, ctx.exec));
  STRATA_RETURN_IF_ERROR(ctx.sink->BeginCopyOut(ncols, false));
  std::string line;
  if (o.header) {
    for (int i = 0; i < ncols; ++i) {
      if (i > 0) line += o.delimiter;
      if (o.csv) {
        AppendCsvField(query.columns[static_cast<size_t>(i)].name, o, &line);
      } else {
        AppendTextField(query.columns[static_cast<size_t>(i)].name, o, &line);
      }
    }
    line += '\n';
    STRATA_RETURN_IF_ERROR(ctx.sink->CopyOutData(line));
  }
  int64_t count = 0;
  std::vector<Row> batch;
  while (true) {
    STRATA_RETURN_IF_ERROR(ctx.exec.CheckInterrupts());
    STRATA_ASSIGN_OR_RETURN(bool more, op->Next(&batch));
    for (const Row& row : batch) {
      line.clear();
      for (size_t i = 0; i < row.size(); ++i) {
        if (i > 0) line += o.delimiter;
        if (row[i].is_null()) {
          line += o.null_string;
          continue;
        }
        STRATA_ASSIGN_OR_RETURN(std::string text, FormatText(row[i], ctx.exec.eval->format));
        if (o.csv) {
          AppendCsvField(text, o, &line);
        } else {
          AppendTextField(text, o, &line);
        }
      }
      line += '\n';
      STRATA_RETURN_IF_ERROR(ctx.sink->CopyOutData(line));
      ++count;
    }
    if (!more) break;
  }
  STRATA_RETURN_IF_ERROR(ctx.sink->EndCopyOut());
  return ctx.sink->Complete("COPY " + std::to_string(count));
}

Status CopyIn(const ast::CopyStmt& stmt, const CopyOptions& o, CopyContext& ctx) {
  std::vector<DataType> params;
  binder::Binder binder(ctx.catalog, ctx.binder_options, &params);
  STRATA_ASSIGN_OR_RETURN(const storage::TableDef* def, binder.LookupTable(stmt.table));
  std::vector<size_t> targets;
  if (stmt.columns.empty()) {
    for (size_t i = 0; i < def->columns.size(); ++i) targets.push_back(i);
  } else {
    for (const auto& c : stmt.columns) {
      const storage::ColumnDef* col = def->FindColumn(c);
      if (col == nullptr) {
        return Status(SqlState::kUndefinedColumn,
                      "column \"" + c + "\" of relation \"" + stmt.table.name + "\" does not exist");
      }
      for (size_t i = 0; i < def->columns.size(); ++i) {
        if (def->columns[i].id == col->id) targets.push_back(i);
      }
    }
  }
  std::vector<BoundExprPtr> defaults(def->columns.size());
  for (size_t i = 0; i < def->columns.size(); ++i) {
    if (def->columns[i].default_sql.empty()) continue;
    STRATA_ASSIGN_OR_RETURN(defaults[i], binder::BindColumnDefault(ctx.catalog, ctx.binder_options,
                                                                   def->columns[i].default_sql,
                                                                   def->columns[i].type, def->columns[i].name));
  }
  STRATA_RETURN_IF_ERROR(ctx.sink->BeginCopyIn(static_cast<int>(targets.size()), false));
  RecordReader reader(ctx.sink, o);
  int64_t count = 0;
  auto at_line = [&](Status s, int64_t line) {
    if (s.ok()) return s;
    reader.Drain();
    std::string detail = std::string(s.detail());
    return std::move(s).WithDetail((detail.empty() ? "" : detail + "\n") + "COPY " + stmt.table.name + ", line " +
                                   std::to_string(line));
  };
  auto with_line_raw = [&](Status s) { return at_line(std::move(s), reader.line()); };
  // Rows go to storage in batches (one uniqueness MultiGet per batch); the
  // line of each row is kept for error details. A batch is encoded here
  // (PrepareRows) and, once the load is larger than one batch, written by a
  // helper thread while the next one is read and encoded: the two halves of
  // a load take about the same time. Not when omitted columns take
  // defaults other than constants: evaluating one (txid_current()) may use
  // the transaction the helper is writing to.
  constexpr size_t kBatchRows = 4096;
  std::vector<size_t> omitted;  // columns not in the input, by position
  bool evaluates_defaults = false;
  for (size_t pos = 0; pos < def->columns.size(); ++pos) {
    if (std::find(targets.begin(), targets.end(), pos) != targets.end()) continue;
    omitted.push_back(pos);
    evaluates_defaults = evaluates_defaults ||
                         (defaults[pos] != nullptr && defaults[pos]->kind != BoundExprKind::kConst);
  }
  std::vector<storage::Row> batch;
  std::vector<int64_t> batch_lines;
  batch.reserve(kBatchRows);
  batch_lines.reserve(kBatchRows);
  // A written batch's outcome: OK, or the error and its row's input line.
  struct Written {
    Status status;
    int64_t line = 0;
  };
  auto write = [txn = ctx.txn](storage::DatabaseTransaction::PreparedRows rows,
                               std::vector<int64_t> lines) {
    size_t failed = 0;
    Status s = txn->InsertPreparedRows(&rows, &failed);
    if (s.ok()) return Written{};
    return Written{std::move(s), lines[std::min(failed, lines.size() - 1)]};
  };
  std::future<Written> writing;  // the helper's batch, if one is in flight
  auto wait_for_writing = [&]() -> Status {
    if (!writing.valid()) return Status::OK();
    Written w = writing.get();
    return at_line(std::move(w.status), w.line);
  };
  // A cancel or a read error ends the COPY, but an error of the batch in
  // flight (earlier lines) is the one reported, as it would be had the rows
  // been written as they came.
  auto stop_after_writing = [&](Status s) {
    Status earlier = wait_for_writing();
    return earlier.ok() ? s : earlier;
  };
  auto stop_if_interrupted = [&]() -> Status {
    Status s = ctx.exec.CheckInterrupts();
    if (s.ok()) return s;
    return stop_after_writing(at_line(std::move(s), reader.line()));
  };
  // `last`: no batch follows, so this one is written here and now.
  auto flush_batch = [&](bool last) -> Status {
    if (batch.empty()) return wait_for_writing();
    const size_t n = batch.size();
    storage::DatabaseTransaction::PreparedRows prepared =
        storage::DatabaseTransaction::PrepareRows(*def, std::move(batch));
    batch = {};
    batch.reserve(kBatchRows);
    // The batch before this one holds earlier lines: its error comes first.
    STRATA_RETURN_IF_ERROR(wait_for_writing());
    if (last || evaluates_defaults) {
      Written w = write(std::move(prepared), std::move(batch_lines));
      STRATA_RETURN_IF_ERROR(at_line(std::move(w.status), w.line));
    } else {
      try {
        writing =
            std::async(std::launch::async, write, std::move(prepared), std::move(batch_lines));
      } catch (const std::system_error& e) {
        // No thread to be had: the batch is lost with it, so the COPY fails.
        return at_line(Status(SqlState::kInsufficientResources,
                              std::string("could not start a thread for COPY: ") + e.what()),
                       reader.line());
      }
    }
    batch_lines = {};
    batch_lines.reserve(kBatchRows);
    count += static_cast<int64_t>(n);
    return stop_if_interrupted();
  };
  // An error found while reading a line comes after every buffered row's:
  // those are inserted (and fail) first, as row-by-row processing would.
  auto with_line = [&](Status s) {
    if (s.ok()) return s;
    Status earlier = flush_batch(/*last=*/true);
    if (!earlier.ok()) return earlier;
    return with_line_raw(std::move(s));
  };
  bool first = true;
  const Row empty;
  while (true) {
    auto rec = reader.Next();
    if (!rec.ok()) return stop_after_writing(rec.status());
    if (!rec->has_value()) break;
    const std::string& line = **rec;
    if (first && o.header) {
      first = false;
      continue;
    }
    first = false;
    if (!o.csv && line == "\\.") {
      reader.Drain();
      break;
    }
    if (o.csv && line == "\\.") {
      reader.Drain();
      break;
    }
    auto fields = o.csv ? SplitCsv(line, o) : SplitText(line, o);
    if (!fields.ok()) return with_line(fields.status());
    if (fields->size() < targets.size()) {
      if (line.empty() && targets.size() > 1) return with_line(BadCopy("missing data for column \"" + def->columns[targets[1]].name + "\""));
      return with_line(BadCopy("missing data for column \"" + def->columns[targets[fields->size()]].name + "\""));
    }
    if (fields->size() > targets.size()) return with_line(BadCopy("extra data after last expected column"));
    storage::Row row(def->columns.size());
    for (size_t i = 0; i < targets.size(); ++i) {
      const size_t pos = targets[i];
      const auto& type = def->columns[pos].type;
      if (!(*fields)[i]) {
        row[pos] = Value::Null(type.is_array() ? TypeId::kArray : type.id);
        continue;
      }
      auto v = functions::CoerceUnknownLiteral(*(*fields)[i], type, *ctx.exec.eval);
      if (!v.ok()) return with_line(v.status());
      row[pos] = std::move(v).value();
    }
    for (const size_t pos : omitted) {
      if (defaults[pos]) {
        Status s = executor::Eval(*defaults[pos], empty, ctx.exec, &row[pos]);
        if (!s.ok()) return with_line(s);
      } else {
        row[pos] = Value::Null(def->columns[pos].type.is_array() ? TypeId::kArray : def->columns[pos].type.id);
      }
    }
    batch.push_back(std::move(row));
    batch_lines.push_back(reader.line());
    if (batch.size() >= kBatchRows) STRATA_RETURN_IF_ERROR(flush_batch(/*last=*/false));
  }
  STRATA_RETURN_IF_ERROR(flush_batch(/*last=*/true));
  return ctx.sink->Complete("COPY " + std::to_string(count));
}

}  // namespace

Status ExecuteCopy(const ast::CopyStmt& stmt, CopyContext& ctx) {
  if (!stmt.filename.empty() || stmt.is_program) {
    return Status(SqlState::kInsufficientPrivilege,
                  "COPY to or from a file or program is not supported; use COPY ... FROM STDIN / TO STDOUT");
  }
  STRATA_ASSIGN_OR_RETURN(CopyOptions options, ParseOptions(stmt.options));
  if (stmt.is_from) {
    if (stmt.query) return Status(SqlState::kSyntaxError, "COPY FROM does not support a query");
    return CopyIn(stmt, options, ctx);
  }
  return CopyOut(stmt, options, ctx);
}

}  // namespace strata::sql
