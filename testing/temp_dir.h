#pragma once

#include <filesystem>
#include <string>

namespace strata::testing {

// A fresh directory under $TMPDIR (or /tmp), removed with its contents when
// this object is destroyed. Not thread-safe.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace strata::testing
