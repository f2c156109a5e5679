#pragma once

#include <gtest/gtest.h>

#include "common/result.h"
#include "common/status.h"

// gtest assertions for Status and Result<T>; failures print the SQLSTATE and
// message.
#define ASSERT_OK(expr)                                            \
  do {                                                             \
    const ::strata::Status _s = ::strata::testing::ToStatus(expr); \
    ASSERT_TRUE(_s.ok()) << _s.ToString();                         \
  } while (0)
#define EXPECT_OK(expr)                                            \
  do {                                                             \
    const ::strata::Status _s = ::strata::testing::ToStatus(expr); \
    EXPECT_TRUE(_s.ok()) << _s.ToString();                         \
  } while (0)
// Asserts that `expr` failed with SQLSTATE `state` (a ::strata::SqlState).
#define ASSERT_SQLSTATE(expr, state)                                   \
  do {                                                                 \
    const ::strata::Status _s = ::strata::testing::ToStatus(expr);     \
    ASSERT_FALSE(_s.ok()) << "expected an error, got OK";              \
    ASSERT_EQ(_s.sql_state().code(), (state).code()) << _s.ToString(); \
  } while (0)

#define ASSERT_OK_AND_ASSIGN(decl, expr) \
  ASSERT_OK_AND_ASSIGN_IMPL(STRATA_CONCAT(_assert_result_, __LINE__), decl, expr)
#define ASSERT_OK_AND_ASSIGN_IMPL(tmp, decl, expr)  \
  auto tmp = (expr);                                \
  ASSERT_TRUE(tmp.ok()) << tmp.status().ToString(); \
  decl = std::move(tmp).value()

namespace strata::testing {

inline Status ToStatus(const Status& s) { return s; }
template <typename T>
Status ToStatus(const Result<T>& r) {
  return r.status();
}

}  // namespace strata::testing
