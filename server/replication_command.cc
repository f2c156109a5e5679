#include "server/replication_command.h"

#include <cctype>

#include "common/status.h"

namespace strata::server {

namespace {

struct Token {
  enum class Kind { kEnd, kWord, kQuotedIdent, kString, kLsn, kPunct };
  Kind kind = Kind::kEnd;
  std::string text;  // words are lower-cased; quoted forms are unescaped
};

bool IsWordChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$';
}

bool IsHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

Status SyntaxError(std::string_view near) {
  if (near.empty()) return Status(SqlState::kSyntaxError, "syntax error at end of input");
  return Status(SqlState::kSyntaxError, "syntax error at or near \"" + std::string(near) + "\"");
}

Result<std::vector<Token>> Tokenize(std::string_view text) {
  std::vector<Token> tokens;
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    if (c == '"' || c == '\'') {
      Token token;
      token.kind = c == '"' ? Token::Kind::kQuotedIdent : Token::Kind::kString;
      ++i;
      bool closed = false;
      while (i < text.size()) {
        if (text[i] == c) {
          if (i + 1 < text.size() && text[i + 1] == c) {
            token.text += c;
            i += 2;
            continue;
          }
          ++i;
          closed = true;
          break;
        }
        token.text += text[i++];
      }
      if (!closed) {
        return Status(SqlState::kSyntaxError, c == '"' ? "unterminated quoted identifier"
                                                       : "unterminated quoted string");
      }
      if (token.kind == Token::Kind::kQuotedIdent && token.text.empty()) {
        return Status(SqlState::kSyntaxError, "zero-length delimited identifier");
      }
      tokens.push_back(std::move(token));
      continue;
    }
    if (c == '(' || c == ')' || c == ',' || c == ';') {
      tokens.push_back(Token{Token::Kind::kPunct, std::string(1, c)});
      ++i;
      continue;
    }
    if (IsWordChar(c)) {
      size_t end = i;
      while (end < text.size() && IsWordChar(text[end])) ++end;
      // X/Y: hex digits, '/', hex digits.
      if (end < text.size() && text[end] == '/') {
        bool all_hex = true;
        for (size_t k = i; k < end; ++k) all_hex = all_hex && IsHex(text[k]);
        size_t rest = end + 1;
        while (rest < text.size() && IsHex(text[rest])) ++rest;
        if (all_hex && rest > end + 1) {
          tokens.push_back(Token{Token::Kind::kLsn, std::string(text.substr(i, rest - i))});
          i = rest;
          continue;
        }
      }
      std::string word(text.substr(i, end - i));
      for (char& ch : word) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      tokens.push_back(Token{Token::Kind::kWord, std::move(word)});
      i = end;
      continue;
    }
    return SyntaxError(std::string_view(&text[i], 1));
  }
  // A trailing ';' ends the command, as in the SQL grammar.
  if (!tokens.empty() && tokens.back().kind == Token::Kind::kPunct && tokens.back().text == ";") {
    tokens.pop_back();
  }
  tokens.push_back(Token{});
  return tokens;
}

Result<uint64_t> ParseLsnText(std::string_view text) {
  const size_t slash = text.find('/');
  const std::string_view hi = text.substr(0, slash);
  const std::string_view lo = text.substr(slash + 1);
  if (hi.empty() || hi.size() > 8 || lo.empty() || lo.size() > 8) {
    return Status(SqlState::kSyntaxError, "invalid streaming start location");
  }
  auto hex = [](std::string_view digits) {
    uint64_t v = 0;
    for (char ch : digits) {
      v = v * 16 + static_cast<uint64_t>(std::isdigit(static_cast<unsigned char>(ch))
                                             ? ch - '0'
                                             : std::tolower(static_cast<unsigned char>(ch)) - 'a' + 10);
    }
    return v;
  };
  return (hex(hi) << 32) | hex(lo);
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  Result<ReplicationCommand> Parse() {
    ReplicationCommand cmd;
    const std::string head = Peek().text;
    Advance();
    if (head == "identify_system") {
      cmd.kind = ReplicationCommand::Kind::kIdentifySystem;
    } else if (head == "timeline_history") {
      cmd.kind = ReplicationCommand::Kind::kTimelineHistory;
      STRATA_ASSIGN_OR_RETURN(cmd.timeline, Number());
    } else if (head == "read_replication_slot") {
      cmd.kind = ReplicationCommand::Kind::kReadReplicationSlot;
      STRATA_ASSIGN_OR_RETURN(cmd.slot, Identifier());
    } else if (head == "drop_replication_slot") {
      cmd.kind = ReplicationCommand::Kind::kDropSlot;
      STRATA_ASSIGN_OR_RETURN(cmd.slot, Identifier());
      if (AcceptWord("wait")) cmd.wait = true;
    } else if (head == "create_replication_slot") {
      cmd.kind = ReplicationCommand::Kind::kCreateSlot;
      STRATA_RETURN_IF_ERROR(ParseCreate(&cmd));
    } else if (head == "start_replication") {
      cmd.kind = ReplicationCommand::Kind::kStartReplication;
      STRATA_RETURN_IF_ERROR(ParseStart(&cmd));
    } else if (head == "base_backup") {
      cmd.kind = ReplicationCommand::Kind::kBaseBackup;
      // Options are irrelevant: the command is refused as a whole.
      while (Peek().kind != Token::Kind::kEnd) Advance();
    }
    if (Peek().kind != Token::Kind::kEnd) return SyntaxError(Peek().text);
    return cmd;
  }

 private:
  const Token& Peek() const { return tokens_[pos_]; }
  void Advance() {
    if (pos_ + 1 < tokens_.size()) ++pos_;
  }
  bool AcceptWord(std::string_view word) {
    if (Peek().kind == Token::Kind::kWord && Peek().text == word) {
      Advance();
      return true;
    }
    return false;
  }
  bool AcceptPunct(char p) {
    if (Peek().kind == Token::Kind::kPunct && Peek().text[0] == p) {
      Advance();
      return true;
    }
    return false;
  }
  Status ExpectPunct(char p) {
    if (!AcceptPunct(p)) return SyntaxError(Peek().text);
    return Status::OK();
  }
  Result<std::string> Identifier() {
    const Token& t = Peek();
    if (t.kind != Token::Kind::kWord && t.kind != Token::Kind::kQuotedIdent) {
      return SyntaxError(t.text);
    }
    std::string name = t.text;
    Advance();
    return name;
  }
  Result<uint32_t> Number() {
    const Token& t = Peek();
    if (t.kind != Token::Kind::kWord || t.text.empty() || t.text.size() > 10) {
      return SyntaxError(t.text);
    }
    uint64_t v = 0;
    for (char c : t.text) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return SyntaxError(t.text);
      v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    if (v > UINT32_MAX) return SyntaxError(t.text);
    Advance();
    return static_cast<uint32_t>(v);
  }

  // (name [value], ...): values are strings, numbers or words.
  Result<std::vector<ReplicationOption>> OptionList(bool string_values_only) {
    std::vector<ReplicationOption> options;
    STRATA_RETURN_IF_ERROR(ExpectPunct('('));
    do {
      STRATA_ASSIGN_OR_RETURN(std::string name, Identifier());
      std::optional<std::string> value;
      const Token& t = Peek();
      if (t.kind == Token::Kind::kString ||
          (!string_values_only && (t.kind == Token::Kind::kWord || t.kind == Token::Kind::kQuotedIdent))) {
        value = t.text;
        Advance();
      }
      options.emplace_back(std::move(name), std::move(value));
    } while (AcceptPunct(','));
    STRATA_RETURN_IF_ERROR(ExpectPunct(')'));
    return options;
  }

  Status ParseCreate(ReplicationCommand* cmd) {
    STRATA_ASSIGN_OR_RETURN(cmd->slot, Identifier());
    if (AcceptWord("temporary")) cmd->temporary = true;
    if (AcceptWord("logical")) {
      cmd->logical = true;
      STRATA_ASSIGN_OR_RETURN(cmd->plugin, Identifier());
    } else if (AcceptWord("physical")) {
      cmd->logical = false;
    } else {
      return SyntaxError(Peek().text);
    }
    if (Peek().kind == Token::Kind::kPunct && Peek().text == "(") {
      STRATA_ASSIGN_OR_RETURN(auto options, OptionList(false));
      for (auto& [name, value] : options) {
        std::string v = value.value_or("");
        for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (name == "snapshot") {
          if (v == "export") {
            cmd->snapshot = SnapshotAction::kExport;
          } else if (v == "nothing") {
            cmd->snapshot = SnapshotAction::kNothing;
          } else if (v == "use") {
            cmd->snapshot = SnapshotAction::kUse;
          } else {
            return Status(SqlState::kSyntaxError,
                          "unrecognized value for CREATE_REPLICATION_SLOT option \"snapshot\": \"" +
                              v + "\"");
          }
        } else if (name == "two_phase" || name == "reserve_wal") {
          const bool on = !value || v == "true" || v == "on" || v == "1" || v == "yes";
          (name == "two_phase" ? cmd->two_phase : cmd->reserve_wal) = on;
        } else {
          return Status(SqlState::kSyntaxError,
                        "unrecognized option \"" + name + "\" in CREATE_REPLICATION_SLOT");
        }
      }
      return Status::OK();
    }
    // PG 10-14 keyword options, in any order.
    while (Peek().kind == Token::Kind::kWord) {
      if (AcceptWord("export_snapshot")) {
        cmd->snapshot = SnapshotAction::kExport;
      } else if (AcceptWord("noexport_snapshot")) {
        cmd->snapshot = SnapshotAction::kNothing;
      } else if (AcceptWord("use_snapshot")) {
        cmd->snapshot = SnapshotAction::kUse;
      } else if (AcceptWord("two_phase")) {
        cmd->two_phase = true;
      } else if (AcceptWord("reserve_wal")) {
        cmd->reserve_wal = true;
      } else {
        return SyntaxError(Peek().text);
      }
    }
    return Status::OK();
  }

  Status ParseStart(ReplicationCommand* cmd) {
    if (AcceptWord("slot")) {
      STRATA_ASSIGN_OR_RETURN(cmd->slot, Identifier());
    }
    if (AcceptWord("logical")) {
      cmd->logical = true;
    } else {
      AcceptWord("physical");
    }
    if (Peek().kind != Token::Kind::kLsn) return SyntaxError(Peek().text);
    STRATA_ASSIGN_OR_RETURN(cmd->start_lsn, ParseLsnText(Peek().text));
    Advance();
    if (cmd->logical) {
      if (cmd->slot.empty()) return SyntaxError("LOGICAL");
      if (Peek().kind == Token::Kind::kPunct && Peek().text == "(") {
        STRATA_ASSIGN_OR_RETURN(cmd->options, OptionList(true));
      }
    } else if (AcceptWord("timeline")) {
      STRATA_ASSIGN_OR_RETURN(cmd->timeline, Number());
    }
    return Status::OK();
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
};

bool IsReplicationKeyword(std::string_view word) {
  return word == "identify_system" || word == "create_replication_slot" ||
         word == "drop_replication_slot" || word == "start_replication" ||
         word == "timeline_history" || word == "read_replication_slot" || word == "base_backup";
}

}  // namespace

Result<std::optional<ReplicationCommand>> ParseReplicationCommand(std::string_view text) {
  // Decide on the first word alone, before tokenizing, so that SQL text
  // (which may hold anything) never hits this grammar's errors.
  size_t i = 0;
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  size_t end = i;
  while (end < text.size() && IsWordChar(text[end])) ++end;
  std::string first(text.substr(i, end - i));
  for (char& c : first) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!IsReplicationKeyword(first)) return std::optional<ReplicationCommand>();
  STRATA_ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(text));
  Parser parser(std::move(tokens));
  STRATA_ASSIGN_OR_RETURN(ReplicationCommand cmd, parser.Parse());
  return std::optional<ReplicationCommand>(std::move(cmd));
}

}  // namespace strata::server
