#include "sql/plan_cache.h"

#include <cctype>
#include <limits>

namespace strata::sql {

namespace {

bool IsIdentStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}
bool IsIdentChar(char c) {
  return IsIdentStart(c) || std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '$';
}
bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// Characters after which a constant may become a parameter: operators and
// opening/separating punctuation.
bool LiftsAfter(char c) {
  switch (c) {
    case '=':
    case '<':
    case '>':
    case '!':
    case '(':
    case ',':
    case '+':
    case '-':
    case '*':
    case '/':
    case '%':
    case '[':
    case '|':
    case '^':
    case '~':
    case '&':
    case '#':
    case '@':
      return true;
    default:
      return false;
  }
}

LiteralKind IntegerKind(std::string_view digits) {
  size_t i = 0;
  while (i + 1 < digits.size() && digits[i] == '0') ++i;  // leading zeros do not widen
  digits = digits.substr(i);
  if (digits.size() > 19) return LiteralKind::kNumeric;
  unsigned long long v = 0;
  for (char c : digits) v = v * 10 + static_cast<unsigned>(c - '0');
  if (digits.size() == 19 && digits > std::string_view("9223372036854775807")) return LiteralKind::kNumeric;
  if (v <= static_cast<unsigned long long>(std::numeric_limits<int32_t>::max())) return LiteralKind::kInt4;
  return LiteralKind::kInt8;
}

}  // namespace

std::optional<LiftedQuery> LiftLiterals(std::string_view text) {
  LiftedQuery out;
  out.normalized.reserve(text.size() + 8);
  bool lift_ok = false;  // the last token allows a following constant to be lifted
  size_t i = 0;
  const size_t n = text.size();
  auto add_param = [&](LiteralKind kind, std::string value) {
    out.literals.push_back(Literal{kind, std::move(value)});
    out.normalized += '$';
    out.normalized += std::to_string(out.literals.size());
  };
  while (i < n) {
    const char c = text[i];
    if (std::isspace(static_cast<unsigned char>(c)) != 0) {
      out.normalized += c;
      ++i;
      continue;
    }
    if (c == '-' && i + 1 < n && text[i + 1] == '-') {
      const size_t end = text.find('\n', i);
      const size_t stop = end == std::string_view::npos ? n : end;
      out.normalized.append(text.substr(i, stop - i));
      i = stop;
      continue;
    }
    if (c == '/' && i + 1 < n && text[i + 1] == '*') {
      size_t j = i + 2;
      int depth = 1;
      while (j < n && depth > 0) {
        if (text[j] == '/' && j + 1 < n && text[j + 1] == '*') {
          ++depth;
          j += 2;
        } else if (text[j] == '*' && j + 1 < n && text[j + 1] == '/') {
          --depth;
          j += 2;
        } else {
          ++j;
        }
      }
      if (depth > 0) return std::nullopt;
      out.normalized.append(text.substr(i, j - i));
      i = j;
      continue;
    }
    if (c == '\'') {
      // U&'...' is a Unicode-escape string: not lifted.
      if (i >= 2 && text[i - 1] == '&' && (text[i - 2] == 'U' || text[i - 2] == 'u')) return std::nullopt;
      std::string value;
      size_t j = i + 1;
      bool closed = false;
      while (j < n) {
        if (text[j] == '\'') {
          if (j + 1 < n && text[j + 1] == '\'') {
            value += '\'';
            j += 2;
            continue;
          }
          closed = true;
          ++j;
          break;
        }
        value += text[j++];
      }
      if (!closed) return std::nullopt;
      if (lift_ok) {
        add_param(LiteralKind::kString, std::move(value));
      } else {
        out.normalized.append(text.substr(i, j - i));
      }
      i = j;
      lift_ok = false;
      continue;
    }
    if (c == '"') {
      size_t j = i + 1;
      bool closed = false;
      while (j < n) {
        if (text[j] == '"') {
          if (j + 1 < n && text[j + 1] == '"') {
            j += 2;
            continue;
          }
          closed = true;
          ++j;
          break;
        }
        ++j;
      }
      if (!closed) return std::nullopt;
      out.normalized.append(text.substr(i, j - i));
      i = j;
      lift_ok = false;
      continue;
    }
    if (c == '$') return std::nullopt;  // a parameter or dollar quoting
    if (IsIdentStart(c)) {
      size_t j = i + 1;
      while (j < n && IsIdentChar(text[j])) ++j;
      // E'..', B'..', X'..', N'..' and typed literals like date'..'.
      if (j < n && text[j] == '\'') return std::nullopt;
      out.normalized.append(text.substr(i, j - i));
      i = j;
      lift_ok = false;
      continue;
    }
    if (IsDigit(c) || (c == '.' && i + 1 < n && IsDigit(text[i + 1]))) {
      size_t j = i;
      bool integer = true;
      while (j < n && IsDigit(text[j])) ++j;
      if (j < n && text[j] == '.' && !(j + 1 < n && text[j + 1] == '.')) {
        integer = false;
        ++j;
        while (j < n && IsDigit(text[j])) ++j;
      }
      if (j < n && (text[j] == 'e' || text[j] == 'E')) {
        size_t k = j + 1;
        if (k < n && (text[k] == '+' || text[k] == '-')) ++k;
        if (k < n && IsDigit(text[k])) {
          integer = false;
          j = k;
          while (j < n && IsDigit(text[j])) ++j;
        }
      }
      // 123abc: PostgreSQL lexes this oddly; leave such text alone.
      if (j < n && (IsIdentChar(text[j]) || text[j] == '.')) return std::nullopt;
      const std::string_view number = text.substr(i, j - i);
      if (lift_ok) {
        add_param(integer ? IntegerKind(number) : LiteralKind::kNumeric, std::string(number));
      } else {
        out.normalized.append(number);
      }
      i = j;
      lift_ok = false;
      continue;
    }
    if (c == ';') {
      // Only a trailing semicolon: several statements are not cached.
      for (size_t j = i + 1; j < n; ++j) {
        if (std::isspace(static_cast<unsigned char>(text[j])) == 0) return std::nullopt;
      }
      out.normalized.append(text.substr(i));
      break;
    }
    out.normalized += c;
    lift_ok = LiftsAfter(c);
    ++i;
  }
  out.key = out.normalized;
  out.key += '\0';
  for (const Literal& literal : out.literals) out.key += static_cast<char>('0' + static_cast<int>(literal.kind));
  return out;
}

uint32_t LiteralTypeOid(LiteralKind kind) {
  switch (kind) {
    case LiteralKind::kInt4:
      return 23;
    case LiteralKind::kInt8:
      return 20;
    case LiteralKind::kNumeric:
      return 1700;
    case LiteralKind::kString:
      return 0;
  }
  return 0;
}

}  // namespace strata::sql
