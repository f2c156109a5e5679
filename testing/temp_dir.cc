#include "testing/temp_dir.h"

#include <cstdlib>
#include <string>
#include <system_error>

#include "common/macros.h"

namespace strata::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string templ = std::string(base != nullptr ? base : "/tmp") + "/strata-test-XXXXXX";
  STRATA_CHECK(mkdtemp(templ.data()) != nullptr);
  path_ = templ;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace strata::testing
