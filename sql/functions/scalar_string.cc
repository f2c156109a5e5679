// String functions (PostgreSQL 15's src/backend/utils/adt/varlena.c,
// oracle_compat.c): character counts and offsets are in UTF-8 characters.
// Case mapping follows a C.UTF-8 database; ILIKE folds ASCII only.

#include <locale.h>
#include <wctype.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <list>
#include <memory>
#include <regex>
#include <string>
#include <unordered_map>

#include "sql/functions/builtins.h"

namespace strata::sql::functions::internal {

// Compiled-regex cache shared with operators.cc. Per thread; bounded.
Result<const std::regex*> CompiledRegex(std::string_view pattern, bool icase) {
  struct Entry {
    std::string key;
    std::unique_ptr<std::regex> re;
  };
  thread_local std::list<Entry> lru;
  std::string key = std::string(icase ? "i:" : "c:") + std::string(pattern);
  for (auto it = lru.begin(); it != lru.end(); ++it) {
    if (it->key == key) {
      lru.splice(lru.begin(), lru, it);
      return lru.front().re.get();
    }
  }
  std::unique_ptr<std::regex> re;
  try {
    auto flags = std::regex::ECMAScript;
    if (icase) flags |= std::regex::icase;
    re = std::make_unique<std::regex>(pattern.begin(), pattern.end(), flags);
  } catch (const std::regex_error& e) {
    return Status(SqlState("2201B"), std::string("invalid regular expression: ") + e.what());
  }
  lru.push_front(Entry{std::move(key), std::move(re)});
  if (lru.size() > 32) lru.pop_back();
  return lru.front().re.get();
}

namespace {

using Args = std::span<const Value>;

Status SetText(std::string s, Value* out) {
  *out = Value::Text(std::move(s));
  return Status::OK();
}

std::string_view StripBpchar(const Value& v) {
  std::string_view s = v.string_value();
  if (v.type() == TypeId::kBpchar) {
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  }
  return s;
}

// Splits into UTF-8 characters.
std::vector<std::string_view> Chars(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    const size_t next = Utf8Offset(s.substr(i), 1);
    const size_t n = next == 0 ? s.size() - i : next;
    out.push_back(s.substr(i, n));
    i += n;
  }
  return out;
}

// Case mapping as PostgreSQL's libc provider in a C.UTF-8 database:
// towupper_l/towlower_l per code point (ASCII-only if that locale is
// missing).
locale_t Utf8Locale() {
  static const locale_t loc = [] {
    locale_t l = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
    return l;
  }();
  return loc;
}

uint32_t DecodeUtf8(std::string_view s, size_t* i) {
  const unsigned char c = static_cast<unsigned char>(s[*i]);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 4;
  n = std::min(n, s.size() - *i);
  uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
  for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[*i + k]) & 0x3F);
  *i += n;
  return cp;
}

void EncodeUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

enum class CaseOp { kLower, kUpper, kInitcap };

std::string MapCase(std::string_view s, CaseOp op) {
  const locale_t loc = Utf8Locale();
  std::string out;
  out.reserve(s.size());
  bool in_word = false;
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      // ASCII fast path.
      char ch = static_cast<char>(c);
      const bool alnum = std::isalnum(c) != 0;
      const bool upper = op == CaseOp::kUpper || (op == CaseOp::kInitcap && !in_word);
      if (upper && ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
      if (!upper && ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
      out.push_back(ch);
      in_word = alnum;
      ++i;
      continue;
    }
    const uint32_t cp = DecodeUtf8(s, &i);
    uint32_t mapped = cp;
    bool alnum = true;
    if (loc != static_cast<locale_t>(nullptr)) {
      const wint_t w = static_cast<wint_t>(cp);
      alnum = iswalnum_l(w, loc) != 0;
      const bool upper = op == CaseOp::kUpper || (op == CaseOp::kInitcap && !in_word);
      mapped = static_cast<uint32_t>(upper ? towupper_l(w, loc) : towlower_l(w, loc));
    }
    EncodeUtf8(mapped, &out);
    in_word = alnum;
  }
  return out;
}

Status Lower(Args args, EvalContext&, Value* out) {
  return SetText(MapCase(args[0].string_value(), CaseOp::kLower), out);
}

Status Upper(Args args, EvalContext&, Value* out) {
  return SetText(MapCase(args[0].string_value(), CaseOp::kUpper), out);
}

Status Initcap(Args args, EvalContext&, Value* out) {
  return SetText(MapCase(args[0].string_value(), CaseOp::kInitcap), out);
}

Status CharLength(Args args, EvalContext&, Value* out) {
  if (args[0].type() == TypeId::kBytea) {
    *out = Value::Int4(static_cast<int32_t>(args[0].string_value().size()));
  } else {
    *out = Value::Int4(static_cast<int32_t>(Utf8Length(StripBpchar(args[0]))));
  }
  return Status::OK();
}

Status OctetLength(Args args, EvalContext&, Value* out) {
  *out = Value::Int4(static_cast<int32_t>(args[0].string_value().size()));
  return Status::OK();
}

// substr(s, start [, count]) in characters (bytes for bytea).
Status Substr(Args args, EvalContext&, Value* out) {
  const bool bytes = args[0].type() == TypeId::kBytea;
  const std::string_view s = args[0].string_value();
  const int64_t start = args[1].int_value();
  int64_t end = INT64_MAX;  // exclusive, 1-based
  if (args.size() > 2) {
    const int64_t count = args[2].int_value();
    if (count < 0) {
      return Status(SqlState("22011"), "negative substring length not allowed");
    }
    end = start + count;
  }
  const int64_t from = std::max<int64_t>(start, 1);
  std::string result;
  if (end > from) {
    if (bytes) {
      const size_t b =
          static_cast<size_t>(std::min<int64_t>(from - 1, static_cast<int64_t>(s.size())));
      const size_t e =
          static_cast<size_t>(std::min<int64_t>(end - 1, static_cast<int64_t>(s.size())));
      result = std::string(s.substr(b, e - b));
    } else {
      const size_t b = Utf8Offset(s, from - 1);
      const size_t e = end == INT64_MAX ? s.size() : Utf8Offset(s, end - 1);
      result = std::string(s.substr(b, e - b));
    }
  }
  *out = Value::String(bytes ? TypeId::kBytea : TypeId::kText, std::move(result));
  return Status::OK();
}

// substring(s from pattern): the first parenthesized group's match, or the
// whole match.
Status SubstringRegex(Args args, EvalContext&, Value* out) {
  STRATA_ASSIGN_OR_RETURN(const std::regex* re, CompiledRegex(args[1].string_value(), false));
  const std::string_view s = args[0].string_value();
  std::match_results<std::string_view::const_iterator> m;
  if (!std::regex_search(s.begin(), s.end(), m, *re)) {
    *out = Value::Null(TypeId::kText);
    return Status::OK();
  }
  const size_t group = m.size() > 1 ? 1 : 0;
  if (!m[group].matched) {
    *out = Value::Null(TypeId::kText);
    return Status::OK();
  }
  return SetText(m[group].str(), out);
}

// strpos(string, substring) / position(substring IN string).
Status Strpos(Args args, EvalContext&, Value* out) {
  const std::string_view s = args[0].string_value();
  const std::string_view sub = args[1].string_value();
  const size_t at = s.find(sub);
  *out = Value::Int4(
      at == std::string_view::npos ? 0 : static_cast<int32_t>(Utf8Length(s.substr(0, at)) + 1));
  return Status::OK();
}

Status Replace(Args args, EvalContext&, Value* out) {
  const std::string_view s = args[0].string_value();
  const std::string_view from = args[1].string_value();
  const std::string_view to = args[2].string_value();
  if (from.empty()) return SetText(std::string(s), out);
  std::string r;
  size_t pos = 0;
  while (true) {
    const size_t at = s.find(from, pos);
    if (at == std::string_view::npos) break;
    r.append(s.substr(pos, at - pos));
    r.append(to);
    pos = at + from.size();
  }
  r.append(s.substr(pos));
  return SetText(std::move(r), out);
}

template <bool kLeft, bool kRight>
Status Trim(Args args, EvalContext&, Value* out) {
  std::string_view s = args[0].string_value();
  const std::string_view set = args.size() > 1 ? args[1].string_value() : std::string_view(" ");
  const std::vector<std::string_view> set_chars = Chars(set);
  auto in_set = [&set_chars](std::string_view c) {
    for (std::string_view x : set_chars) {
      if (x == c) return true;
    }
    return false;
  };
  std::vector<std::string_view> chars = Chars(s);
  size_t b = 0;
  size_t e = chars.size();
  if (kLeft) {
    while (b < e && in_set(chars[b])) ++b;
  }
  if (kRight) {
    while (e > b && in_set(chars[e - 1])) --e;
  }
  std::string r;
  for (size_t i = b; i < e; ++i) r.append(chars[i]);
  return SetText(std::move(r), out);
}

Status SplitPart(Args args, EvalContext&, Value* out) {
  const std::string_view s = args[0].string_value();
  const std::string_view delim = args[1].string_value();
  const int64_t n = args[2].int_value();
  if (n == 0) return Status(SqlState::kInvalidParameterValue, "field position must not be zero");
  std::vector<std::string_view> parts;
  if (delim.empty()) {
    parts.push_back(s);
  } else {
    size_t pos = 0;
    while (true) {
      const size_t at = s.find(delim, pos);
      if (at == std::string_view::npos) break;
      parts.push_back(s.substr(pos, at - pos));
      pos = at + delim.size();
    }
    parts.push_back(s.substr(pos));
  }
  if (s.empty()) parts.clear();
  const int64_t count = static_cast<int64_t>(parts.size());
  const int64_t index = n > 0 ? n - 1 : count + n;
  if (index < 0 || index >= count) return SetText("", out);
  return SetText(std::string(parts[static_cast<size_t>(index)]), out);
}

Status Concat(Args args, EvalContext& ctx, Value* out) {
  std::string r;
  for (const Value& v : args) {
    if (v.is_null()) continue;
    STRATA_ASSIGN_OR_RETURN(std::string s, OutputText(v, ctx));
    r += s;
  }
  return SetText(std::move(r), out);
}

Status ConcatWs(Args args, EvalContext& ctx, Value* out) {
  if (args[0].is_null()) {
    *out = Value::Null(TypeId::kText);
    return Status::OK();
  }
  const std::string_view sep = args[0].string_value();
  std::string r;
  bool first = true;
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i].is_null()) continue;
    STRATA_ASSIGN_OR_RETURN(std::string s, OutputText(args[i], ctx));
    if (!first) r.append(sep);
    first = false;
    r += s;
  }
  return SetText(std::move(r), out);
}

Status Left(Args args, EvalContext&, Value* out) {
  const std::string_view s = args[0].string_value();
  const int64_t n = args[1].int_value();
  const int64_t len = static_cast<int64_t>(Utf8Length(s));
  const int64_t keep = n >= 0 ? std::min(n, len) : std::max<int64_t>(len + n, 0);
  return SetText(std::string(s.substr(0, Utf8Offset(s, keep))), out);
}

Status Right(Args args, EvalContext&, Value* out) {
  const std::string_view s = args[0].string_value();
  const int64_t n = args[1].int_value();
  const int64_t len = static_cast<int64_t>(Utf8Length(s));
  const int64_t keep = n >= 0 ? std::min(n, len) : std::max<int64_t>(len + n, 0);
  return SetText(std::string(s.substr(Utf8Offset(s, len - keep))), out);
}

Status TooLarge() { return Status(SqlState::kProgramLimitExceeded, "requested length too large"); }

template <bool kLeft>
Status Pad(Args args, EvalContext&, Value* out) {
  const std::string_view s = args[0].string_value();
  const int64_t len = std::max<int64_t>(args[1].int_value(), 0);
  const std::string_view fill = args.size() > 2 ? args[2].string_value() : std::string_view(" ");
  if (len > (1 << 28)) return TooLarge();
  const int64_t have = static_cast<int64_t>(Utf8Length(s));
  if (have >= len || fill.empty()) {
    return SetText(std::string(s.substr(0, Utf8Offset(s, std::min(have, len)))), out);
  }
  const std::vector<std::string_view> fill_chars = Chars(fill);
  std::string pad;
  for (int64_t i = 0; i < len - have; ++i)
    pad.append(fill_chars[static_cast<size_t>(i) % fill_chars.size()]);
  return SetText(kLeft ? pad + std::string(s) : std::string(s) + pad, out);
}

Status Repeat(Args args, EvalContext&, Value* out) {
  const std::string_view s = args[0].string_value();
  const int64_t n = args[1].int_value();
  if (n <= 0) return SetText("", out);
  if (static_cast<double>(s.size()) * static_cast<double>(n) > (1 << 30)) return TooLarge();
  std::string r;
  r.reserve(s.size() * static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) r.append(s);
  return SetText(std::move(r), out);
}

Status Reverse(Args args, EvalContext&, Value* out) {
  std::vector<std::string_view> chars = Chars(args[0].string_value());
  std::string r;
  for (auto it = chars.rbegin(); it != chars.rend(); ++it) r.append(*it);
  return SetText(std::move(r), out);
}

Status Translate(Args args, EvalContext&, Value* out) {
  const std::vector<std::string_view> from = Chars(args[1].string_value());
  const std::vector<std::string_view> to = Chars(args[2].string_value());
  std::string r;
  for (std::string_view c : Chars(args[0].string_value())) {
    size_t i = 0;
    while (i < from.size() && from[i] != c) ++i;
    if (i == from.size()) {
      r.append(c);
    } else if (i < to.size()) {
      r.append(to[i]);
    }
  }
  return SetText(std::move(r), out);
}

Status StartsWith(Args args, EvalContext&, Value* out) {
  *out = Value::Bool(args[0].string_value().starts_with(args[1].string_value()));
  return Status::OK();
}

Status Ascii(Args args, EvalContext&, Value* out) {
  const std::string_view s = args[0].string_value();
  if (s.empty()) {
    *out = Value::Int4(0);
    return Status::OK();
  }
  const unsigned char c = static_cast<unsigned char>(s[0]);
  uint32_t cp = c;
  size_t n = 1;
  if (c >= 0xF0) {
    cp = c & 0x07;
    n = 4;
  } else if (c >= 0xE0) {
    cp = c & 0x0F;
    n = 3;
  } else if (c >= 0xC0) {
    cp = c & 0x1F;
    n = 2;
  }
  for (size_t i = 1; i < n && i < s.size(); ++i)
    cp = (cp << 6) | (static_cast<unsigned char>(s[i]) & 0x3F);
  *out = Value::Int4(static_cast<int32_t>(cp));
  return Status::OK();
}

Status Chr(Args args, EvalContext&, Value* out) {
  const int64_t cp = args[0].int_value();
  if (cp == 0) return Status(SqlState::kProgramLimitExceeded, "null character not permitted");
  if (cp < 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return Status(SqlState::kProgramLimitExceeded,
                  "requested character too large for encoding: " + std::to_string(cp));
  }
  std::string r;
  const uint32_t c = static_cast<uint32_t>(cp);
  if (c < 0x80) {
    r.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    r.push_back(static_cast<char>(0xC0 | (c >> 6)));
    r.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    r.push_back(static_cast<char>(0xE0 | (c >> 12)));
    r.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    r.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    r.push_back(static_cast<char>(0xF0 | (c >> 18)));
    r.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    r.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    r.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
  return SetText(std::move(r), out);
}

Status ToHex(Args args, EvalContext&, Value* out) {
  char buf[32];
  if (args[0].type() == TypeId::kInt4) {
    std::snprintf(buf, sizeof(buf), "%x", static_cast<uint32_t>(args[0].int_value()));
  } else {
    std::snprintf(buf, sizeof(buf), "%llx",
                  static_cast<unsigned long long>(static_cast<uint64_t>(args[0].int_value())));
  }
  return SetText(buf, out);
}

// like_escape(pattern, escape): rewrites `pattern` so that '\\' is its
// escape character.
Status LikeEscape(Args args, EvalContext&, Value* out) {
  const std::string_view p = args[0].string_value();
  const std::vector<std::string_view> esc = Chars(args[1].string_value());
  if (esc.size() > 1) {
    return Status(SqlState("22025"), "invalid escape string")
        .WithHint("Escape string must be empty or one character.");
  }
  std::string r;
  const std::vector<std::string_view> chars = Chars(p);
  if (esc.empty()) {
    // No escape character: backslashes are literal.
    for (std::string_view c : chars) {
      if (c == "\\") r += "\\";
      r.append(c);
    }
    return SetText(std::move(r), out);
  }
  if (esc[0] == "\\") return SetText(std::string(p), out);
  bool after_escape = false;
  for (std::string_view c : chars) {
    if (after_escape) {
      r += "\\";
      r.append(c);
      after_escape = false;
    } else if (c == esc[0]) {
      after_escape = true;
    } else if (c == "\\") {
      r += "\\\\";
    } else {
      r.append(c);
    }
  }
  if (after_escape) {
    return Status(SqlState("22025"), "LIKE pattern must not end with escape character");
  }
  return SetText(std::move(r), out);
}

// PostgreSQL replacement syntax (\1..\9, \&, \\) to ECMAScript's ($1, $&, $$).
std::string ConvertReplacement(std::string_view s) {
  std::string r;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '$') {
      r += "$$";
    } else if (s[i] == '\\' && i + 1 < s.size() &&
               ((s[i + 1] >= '1' && s[i + 1] <= '9') || s[i + 1] == '&')) {
      r += '$';
      r += s[++i];
    } else if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] == '\\') {
      r += '\\';
      ++i;
    } else {
      r += s[i];
    }
  }
  return r;
}

Status RegexpReplace(Args args, EvalContext&, Value* out) {
  bool global = false;
  bool icase = false;
  if (args.size() > 3) {
    for (char f : args[3].string_value()) {
      if (f == 'g') {
        global = true;
      } else if (f == 'i') {
        icase = true;
      } else if (f != 'c') {
        return Status(SqlState::kInvalidParameterValue,
                      std::string("invalid regular expression option: \"") + f + "\"");
      }
    }
  }
  STRATA_ASSIGN_OR_RETURN(const std::regex* re, CompiledRegex(args[1].string_value(), icase));
  const std::string s(args[0].string_value());
  const std::string replacement = ConvertReplacement(args[2].string_value());
  auto flags =
      global ? std::regex_constants::format_default : std::regex_constants::format_first_only;
  return SetText(std::regex_replace(s, *re, replacement, flags), out);
}

// ---- md5 (RFC 1321) ----------------------------------------------------------

std::string Md5Hex(std::string_view input) {
  static const uint32_t kS[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                                  5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
                                  4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                                  6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};
  uint32_t k[64];
  for (int i = 0; i < 64; ++i) {
    k[i] = static_cast<uint32_t>(std::fabs(std::sin(static_cast<double>(i + 1))) * 4294967296.0);
  }
  uint32_t a0 = 0x67452301, b0 = 0xefcdab89, c0 = 0x98badcfe, d0 = 0x10325476;
  std::string msg(input);
  const uint64_t bit_len = static_cast<uint64_t>(input.size()) * 8;
  msg.push_back(static_cast<char>(0x80));
  while (msg.size() % 64 != 56) msg.push_back(0);
  for (int i = 0; i < 8; ++i) msg.push_back(static_cast<char>(bit_len >> (8 * i)));
  for (size_t chunk = 0; chunk < msg.size(); chunk += 64) {
    uint32_t m[16];
    for (int i = 0; i < 16; ++i) {
      m[i] = 0;
      for (int b = 3; b >= 0; --b) {
        m[i] =
            (m[i] << 8) | static_cast<unsigned char>(msg[chunk + static_cast<size_t>(i * 4 + b)]);
      }
    }
    uint32_t a = a0, b = b0, c = c0, d = d0;
    for (uint32_t i = 0; i < 64; ++i) {
      uint32_t f;
      uint32_t g;
      if (i < 16) {
        f = (b & c) | (~b & d);
        g = i;
      } else if (i < 32) {
        f = (d & b) | (~d & c);
        g = (5 * i + 1) % 16;
      } else if (i < 48) {
        f = b ^ c ^ d;
        g = (3 * i + 5) % 16;
      } else {
        f = c ^ (b | ~d);
        g = (7 * i) % 16;
      }
      f = f + a + k[i] + m[g];
      a = d;
      d = c;
      c = b;
      b = b + ((f << kS[i]) | (f >> (32 - kS[i])));
    }
    a0 += a;
    b0 += b;
    c0 += c;
    d0 += d;
  }
  std::string hex;
  char buf[4];
  for (uint32_t w : {a0, b0, c0, d0}) {
    for (int i = 0; i < 4; ++i) {
      std::snprintf(buf, sizeof(buf), "%02x", (w >> (8 * i)) & 0xFF);
      hex += buf;
    }
  }
  return hex;
}

Status Md5(Args args, EvalContext&, Value* out) {
  return SetText(Md5Hex(args[0].string_value()), out);
}

void Add(std::vector<FunctionDef>* defs, std::string_view name, std::vector<ParamType> params,
         TypeId ret, ScalarFn fn) {
  defs->push_back(FunctionDef{name, std::move(params), ret, fn});
}

}  // namespace

std::string Utf8Lower(std::string_view s) { return MapCase(s, CaseOp::kLower); }

void AddStringFunctions(std::vector<FunctionDef>* defs) {
  using T = TypeId;
  const ParamType text = P(T::kText);
  const ParamType int4 = P(T::kInt4);
  Add(defs, "lower", {text}, T::kText, Lower);
  Add(defs, "upper", {text}, T::kText, Upper);
  Add(defs, "initcap", {text}, T::kText, Initcap);
  for (std::string_view name : {"length", "char_length", "character_length"}) {
    Add(defs, name, {text}, T::kInt4, CharLength);
    Add(defs, name, {P(T::kBpchar)}, T::kInt4, CharLength);
  }
  Add(defs, "length", {P(T::kBytea)}, T::kInt4, CharLength);
  Add(defs, "octet_length", {text}, T::kInt4, OctetLength);
  Add(defs, "octet_length", {P(T::kBpchar)}, T::kInt4, OctetLength);
  Add(defs, "octet_length", {P(T::kBytea)}, T::kInt4, OctetLength);
  for (std::string_view name : {"substr", "substring"}) {
    Add(defs, name, {text, int4}, T::kText, Substr);
    Add(defs, name, {text, int4, int4}, T::kText, Substr);
    Add(defs, name, {P(T::kBytea), int4}, T::kBytea, Substr);
    Add(defs, name, {P(T::kBytea), int4, int4}, T::kBytea, Substr);
  }
  Add(defs, "substring", {text, text}, T::kText, SubstringRegex);
  Add(defs, "strpos", {text, text}, T::kInt4, Strpos);
  Add(defs, "position", {text, text}, T::kInt4, Strpos);
  Add(defs, "replace", {text, text, text}, T::kText, Replace);
  Add(defs, "btrim", {text}, T::kText, Trim<true, true>);
  Add(defs, "btrim", {text, text}, T::kText, Trim<true, true>);
  Add(defs, "ltrim", {text}, T::kText, Trim<true, false>);
  Add(defs, "ltrim", {text, text}, T::kText, Trim<true, false>);
  Add(defs, "rtrim", {text}, T::kText, Trim<false, true>);
  Add(defs, "rtrim", {text, text}, T::kText, Trim<false, true>);
  Add(defs, "split_part", {text, text, int4}, T::kText, SplitPart);
  defs->push_back(FunctionDef{
      "concat", {Any()}, T::kText, Concat, false, Volatility::kStable, ReturnRule::kFixed, true});
  defs->push_back(FunctionDef{"concat_ws",
                              {text, Any()},
                              T::kText,
                              ConcatWs,
                              false,
                              Volatility::kStable,
                              ReturnRule::kFixed,
                              true});
  Add(defs, "left", {text, int4}, T::kText, Left);
  Add(defs, "right", {text, int4}, T::kText, Right);
  Add(defs, "lpad", {text, int4}, T::kText, Pad<true>);
  Add(defs, "lpad", {text, int4, text}, T::kText, Pad<true>);
  Add(defs, "rpad", {text, int4}, T::kText, Pad<false>);
  Add(defs, "rpad", {text, int4, text}, T::kText, Pad<false>);
  Add(defs, "repeat", {text, int4}, T::kText, Repeat);
  Add(defs, "reverse", {text}, T::kText, Reverse);
  Add(defs, "translate", {text, text, text}, T::kText, Translate);
  Add(defs, "starts_with", {text, text}, T::kBool, StartsWith);
  Add(defs, "ascii", {text}, T::kInt4, Ascii);
  Add(defs, "chr", {int4}, T::kText, Chr);
  Add(defs, "to_hex", {int4}, T::kText, ToHex);
  Add(defs, "to_hex", {P(T::kInt8)}, T::kText, ToHex);
  Add(defs, "md5", {text}, T::kText, Md5);
  Add(defs, "md5", {P(T::kBytea)}, T::kText, Md5);
  Add(defs, "like_escape", {text, text}, T::kText, LikeEscape);
  Add(defs, "regexp_replace", {text, text, text}, T::kText, RegexpReplace);
  Add(defs, "regexp_replace", {text, text, text, text}, T::kText, RegexpReplace);
}

}  // namespace strata::sql::functions::internal
