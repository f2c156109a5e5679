#pragma once

#include <cstdio>
#include <cstdlib>

// Invariant checks: a broken invariant is a bug, never a Status. Compiled out
// of NDEBUG builds (STRATA_CHECK stays on in every build).
#define STRATA_CHECK(cond)                                                          \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                 \
    }                                                                               \
  } while (0)

#ifdef NDEBUG
#define STRATA_DCHECK(cond) \
  do {                      \
    (void)sizeof(cond);     \
  } while (0)
#else
#define STRATA_DCHECK(cond) STRATA_CHECK(cond)
#endif

#define STRATA_CONCAT_INNER(a, b) a##b
#define STRATA_CONCAT(a, b) STRATA_CONCAT_INNER(a, b)

// Returns the Status of `expr` from the enclosing function if it is an error.
#define STRATA_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    ::strata::Status _strata_status = (expr);        \
    if (!_strata_status.ok()) return _strata_status; \
  } while (0)

// As STRATA_RETURN_IF_ERROR, with `context: ` prepended to the message.
#define STRATA_RETURN_IF_ERROR_PREPEND(expr, context)                 \
  do {                                                                \
    ::strata::Status _strata_status = (expr);                         \
    if (!_strata_status.ok()) return _strata_status.Prepend(context); \
  } while (0)

// `STRATA_ASSIGN_OR_RETURN(auto x, F());` declares x from F()'s value or
// returns F()'s error.
#define STRATA_ASSIGN_OR_RETURN(decl, expr) \
  STRATA_ASSIGN_OR_RETURN_IMPL(STRATA_CONCAT(_strata_result_, __LINE__), decl, expr)
#define STRATA_ASSIGN_OR_RETURN_IMPL(tmp, decl, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return std::move(tmp).TakeStatus();  \
  decl = std::move(tmp).value()
