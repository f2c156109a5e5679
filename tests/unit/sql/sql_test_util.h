#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/value_text.h"
#include "sql/engine.h"
#include "storage/database.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace strata::sql::testing {

// Records everything a session sends; rows are kept as PostgreSQL text
// ("NULL" for NULL), one string per row with '|' between columns.
class RecordingSink final : public ResultSink {
 public:
  Status BeginRows(const std::vector<ResultColumn>& cols) override {
    columns = cols;
    return Status::OK();
  }
  Status Row(std::span<const Value> values) override {
    std::string line;
    for (size_t i = 0; i < values.size(); ++i) {
      if (i > 0) line += "|";
      if (values[i].is_null()) {
        line += "NULL";
      } else {
        auto text = FormatText(values[i]);
        line += text.ok() ? *text : "<" + text.status().ToString() + ">";
      }
    }
    rows.push_back(std::move(line));
    return Status::OK();
  }
  // With accept_stored_rows, point reads arrive here (counted in
  // stored_rows) and are formatted from the stored bytes.
  bool AcceptsStoredRows() const override { return accept_stored_rows; }
  Status StoredRow(const class StoredRow& row) override {
    ++stored_rows;
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      if (i > 0) line += "|";
      if (row.is_null(i)) {
        line += "NULL";
      } else {
        STRATA_RETURN_IF_ERROR(row.AppendColumn(i, /*binary=*/false, {}, &line));
      }
    }
    rows.push_back(std::move(line));
    return Status::OK();
  }
  Status Complete(std::string_view tag) override {
    tags.emplace_back(tag);
    return Status::OK();
  }
  void Notice(std::string_view severity, const Status& notice) override {
    notices.push_back(std::string(severity) + ": " + std::string(notice.message()));
  }
  Status BeginCopyIn(int, bool) override { return Status::OK(); }
  Result<std::optional<std::string>> ReadCopyData() override {
    if (copy_in_next < copy_in.size()) return std::optional<std::string>(copy_in[copy_in_next++]);
    if (!copy_in_error.ok()) return copy_in_error;  // the client's CopyFail
    return std::optional<std::string>();
  }
  Status BeginCopyOut(int, bool) override { return Status::OK(); }
  Status CopyOutData(std::string_view data) override {
    copy_out += data;
    return Status::OK();
  }
  Status EndCopyOut() override { return Status::OK(); }

  bool accept_stored_rows = false;
  int64_t stored_rows = 0;
  std::vector<ResultColumn> columns;
  std::vector<std::string> rows;
  std::vector<std::string> tags;
  std::vector<std::string> notices;
  std::vector<std::string> copy_in;
  size_t copy_in_next = 0;
  Status copy_in_error;  // returned after copy_in's chunks when set
  std::string copy_out;
};

// A database in a temp dir with an engine and one session.
class SqlFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::StorageOptions options;
    options.sync_commit = sync_commit_;
    auto db = storage::Database::Open(dir_.str(), options);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    engine_ = std::make_unique<Engine>(db_.get(), nullptr);
    session_ = NewSession();
  }
  void TearDown() override {
    session_.reset();
    engine_.reset();
    db_.reset();
  }

  // Tests skip the WAL sync unless a fixture turns it on before SetUp.
  bool sync_commit_ = false;

  std::unique_ptr<SqlSession> NewSession() {
    SessionInfo info;
    info.user = "strata";
    info.database = "strata";
    return engine_->NewSession(info);
  }

  // Runs `sql` and returns the sink; the status goes to *status.
  RecordingSink Run(const std::string& sql, Status* status, SqlSession* session = nullptr) {
    RecordingSink sink;
    *status = (session ? session : session_.get())->ExecuteSimple(sql, &sink);
    return sink;
  }
  // Runs `sql`, expecting success; returns the rows.
  std::vector<std::string> Query(const std::string& sql, SqlSession* session = nullptr) {
    Status s;
    RecordingSink sink = Run(sql, &s, session);
    EXPECT_TRUE(s.ok()) << sql << ": " << s.ToString();
    return sink.rows;
  }
  // Runs `sql`, expecting success; returns the last command tag.
  std::string Exec(const std::string& sql, SqlSession* session = nullptr) {
    Status s;
    RecordingSink sink = Run(sql, &s, session);
    EXPECT_TRUE(s.ok()) << sql << ": " << s.ToString();
    return sink.tags.empty() ? "" : sink.tags.back();
  }
  // Runs `sql`, expecting an error; returns it.
  Status Error(const std::string& sql, SqlSession* session = nullptr) {
    Status s;
    Run(sql, &s, session);
    EXPECT_FALSE(s.ok()) << sql << " unexpectedly succeeded";
    return s;
  }

  strata::testing::TempDir dir_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<SqlSession> session_;
};

}  // namespace strata::sql::testing
