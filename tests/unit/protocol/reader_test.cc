#include "protocol/reader.h"

#include <gtest/gtest.h>

#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/writer.h"
#include "testing/status_matchers.h"

namespace strata::protocol {
namespace {

using namespace std::string_literals;
using namespace std::string_view_literals;

std::vector<FrontendMessage> SampleFrontendMessages() {
  return {
      SSLRequest{},
      GSSENCRequest{},
      StartupMessage{kProtocolVersion3,
                     {{"user", "alice"},
                      {"database", "db"},
                      {"replication", "database"},
                      {"options", "-c search_path=x"},
                      {"_pq_.opt", ""}}},
      AuthenticationResponse{"secret\0"s},
      Query{"SELECT 1; SELECT 2"},
      Query{""},
      Parse{"s1", "SELECT $1::int, $2", {23, 0}},
      Parse{},
      Bind{"p1", "s1", {1}, {"\0\0\0\x2a"s, std::nullopt}, {1, 0}},
      Bind{"", "", {0, 1}, {"abc"s, ""s}, {}},
      Bind{},
      Describe{TargetKind::kStatement, "s1"},
      Describe{TargetKind::kPortal, ""},
      Execute{"p1", 100},
      Execute{"", 0},
      Close{TargetKind::kPortal, "p1"},
      Close{TargetKind::kStatement, ""},
      Flush{},
      Sync{},
      CopyData{"1\tfoo\n"},
      CopyData{""},
      CopyData{"\0\xff"s},
      CopyDone{},
      CopyFail{"aborted by user"},
      FunctionCall{1598, {0}, {"x"s, std::nullopt}, 1},
      Terminate{},
  };
}

std::vector<BackendMessage> SampleBackendMessages() {
  ErrorFields all;
  all.severity = "FEHLER";
  all.severity_nonlocalized = "ERROR";
  all.code = "23505";
  all.message = "duplicate key value violates unique constraint \"t_pkey\"";
  all.detail = "Key (k)=(1) already exists.";
  all.hint = "h";
  all.position = "8";
  all.internal_position = "3";
  all.internal_query = "iq";
  all.where = "w";
  all.schema_name = "public";
  all.table_name = "t";
  all.column_name = "k";
  all.data_type_name = "int4";
  all.constraint_name = "t_pkey";
  all.file = "nbtinsert.c";
  all.line = "666";
  all.routine = "_bt_check_unique";
  ErrorFields notice;
  notice.severity = "NOTICE";
  notice.message = "hello";
  return {
      AuthenticationOk{},
      AuthenticationCleartextPassword{},
      AuthenticationMD5Password{{'\0', '\xff', 'x', '\x01'}},
      AuthenticationSASL{{"SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"}},
      AuthenticationSASL{},
      AuthenticationSASLContinue{"r=abc,s=c2FsdA==,i=4096"},
      AuthenticationSASLFinal{"v=xyz"},
      ParameterStatus{"server_version", "16.0"},
      BackendKeyData{4242, -17},
      ReadyForQuery{TransactionStatus::kIdle},
      ReadyForQuery{TransactionStatus::kInTransaction},
      ReadyForQuery{TransactionStatus::kFailed},
      RowDescription{{{"id", 16384, 1, 20, 8, -1, 1}, {"", 0, 0, 25, -1, -1, 0}}},
      RowDescription{},
      DataRow{{"1"s, std::nullopt, ""s, "\0\x01"s}},
      DataRow{},
      CommandComplete{"INSERT 0 5"},
      EmptyQueryResponse{},
      ErrorResponse{all},
      NoticeResponse{notice},
      ParseComplete{},
      BindComplete{},
      CloseComplete{},
      NoData{},
      ParameterDescription{{23, 4294967295u}},
      PortalSuspended{},
      CopyInResponse{0, {0, 0, 0}},
      CopyOutResponse{1, {1}},
      CopyBothResponse{0, {}},
      CopyData{"row\n"},
      CopyDone{},
      NotificationResponse{77, "chan", "payload"},
      FunctionCallResponse{"r"s},
      FunctionCallResponse{std::nullopt},
      NegotiateProtocolVersion{0, {"_pq_.a", "_pq_.b"}},
  };
}

template <typename Message>
std::string EncodeAll(const std::vector<Message>& messages) {
  std::string out;
  for (const Message& m : messages) Encode(m, &out);
  return out;
}

// Frames and decodes `bytes`, fed in chunks whose sizes `next_chunk` picks.
template <typename Message, typename Decoder, typename ChunkFn>
Result<std::vector<Message>> DecodeAll(Sender sender, FramerOptions options, std::string_view bytes,
                                       Decoder decode, ChunkFn next_chunk) {
  MessageFramer framer(sender, options);
  std::vector<Message> out;
  size_t pos = 0;
  while (pos < bytes.size()) {
    const size_t n = std::min(next_chunk(), bytes.size() - pos);
    framer.Feed(bytes.substr(pos, n));
    pos += n;
    while (true) {
      STRATA_ASSIGN_OR_RETURN(std::optional<Frame> frame, framer.Next());
      if (!frame) break;
      STRATA_ASSIGN_OR_RETURN(Message m, decode(*frame));
      out.push_back(std::move(m));
    }
  }
  if (framer.buffered_bytes() != 0) return Status::ProtocolViolation("incomplete trailing message");
  return out;
}

Result<std::vector<FrontendMessage>> DecodeFrontend(std::string_view bytes, size_t chunk,
                                                    FramerOptions options = {}) {
  return DecodeAll<FrontendMessage>(Sender::kFrontend, options, bytes, DecodeFrontendMessage,
                                    [chunk] { return chunk; });
}

Result<std::vector<BackendMessage>> DecodeBackend(std::string_view bytes, size_t chunk) {
  return DecodeAll<BackendMessage>(Sender::kBackend, {}, bytes, DecodeBackendMessage,
                                   [chunk] { return chunk; });
}

// Feeds raw bytes to a fresh framer and returns the first frame's decoding.
Result<FrontendMessage> DecodeOneFrontend(std::string_view bytes, bool startup_phase) {
  MessageFramer framer(Sender::kFrontend, {.startup_phase = startup_phase});
  framer.Feed(bytes);
  STRATA_ASSIGN_OR_RETURN(std::optional<Frame> frame, framer.Next());
  if (!frame) return Status::Internal("no complete frame");
  return DecodeFrontendMessage(*frame);
}

Result<FrontendMessage> DecodeFrame(char type, std::string_view payload) {
  return DecodeFrontendMessage(Frame{type, payload});
}

Result<BackendMessage> DecodeBackendFrame(char type, std::string_view payload) {
  return DecodeBackendMessage(Frame{type, payload});
}

TEST(ReaderTest, FrontendMessagesRoundTrip) {
  const auto messages = SampleFrontendMessages();
  const std::string bytes = EncodeAll(messages);
  ASSERT_OK_AND_ASSIGN(auto decoded, DecodeFrontend(bytes, bytes.size()));
  EXPECT_EQ(decoded, messages);
}

TEST(ReaderTest, FrontendMessagesRoundTripOneByteAtATime) {
  const auto messages = SampleFrontendMessages();
  const std::string bytes = EncodeAll(messages);
  ASSERT_OK_AND_ASSIGN(auto decoded, DecodeFrontend(bytes, 1));
  EXPECT_EQ(decoded, messages);
}

TEST(ReaderTest, FrontendMessagesRoundTripInRandomChunks) {
  const auto messages = SampleFrontendMessages();
  const std::string bytes = EncodeAll(messages);
  std::mt19937 rng(42);
  for (int round = 0; round < 50; ++round) {
    ASSERT_OK_AND_ASSIGN(
        auto decoded,
        (DecodeAll<FrontendMessage>(Sender::kFrontend, {}, bytes, DecodeFrontendMessage, [&rng] {
          return std::uniform_int_distribution<size_t>(1, 40)(rng);
        })));
    EXPECT_EQ(decoded, messages);
  }
}

TEST(ReaderTest, BackendMessagesRoundTrip) {
  const auto messages = SampleBackendMessages();
  const std::string bytes = EncodeAll(messages);
  ASSERT_OK_AND_ASSIGN(auto whole, DecodeBackend(bytes, bytes.size()));
  EXPECT_EQ(whole, messages);
  ASSERT_OK_AND_ASSIGN(auto bytewise, DecodeBackend(bytes, 1));
  EXPECT_EQ(bytewise, messages);
}

TEST(ReaderTest, CancelRequestRoundTrips) {
  std::string bytes;
  Encode(CancelRequest{123, -456}, &bytes);
  ASSERT_OK_AND_ASSIGN(auto decoded, DecodeFrontend(bytes, 3));
  ASSERT_EQ(decoded.size(), 1u);
  EXPECT_EQ(decoded[0], FrontendMessage(CancelRequest{123, -456}));
}

TEST(ReaderTest, AuthenticationResponsesParseAsEachKind) {
  const auto round_trip = [](const auto& message) -> Result<AuthenticationResponse> {
    std::string bytes;
    Encode(message, &bytes);
    STRATA_ASSIGN_OR_RETURN(FrontendMessage m, DecodeOneFrontend(bytes, false));
    if (!std::holds_alternative<AuthenticationResponse>(m)) return Status::Internal("not 'p'");
    return std::get<AuthenticationResponse>(std::move(m));
  };
  ASSERT_OK_AND_ASSIGN(auto password, round_trip(PasswordMessage{"md5abc"}));
  ASSERT_OK_AND_ASSIGN(PasswordMessage p, ParsePasswordMessage(password));
  EXPECT_EQ(p, PasswordMessage{"md5abc"});

  const SASLInitialResponse initial{"SCRAM-SHA-256", "n,,n=,r=nonce"};
  ASSERT_OK_AND_ASSIGN(auto initial_raw, round_trip(initial));
  ASSERT_OK_AND_ASSIGN(SASLInitialResponse i, ParseSASLInitialResponse(initial_raw));
  EXPECT_EQ(i, initial);

  const SASLInitialResponse no_data{"SCRAM-SHA-256", std::nullopt};
  ASSERT_OK_AND_ASSIGN(auto no_data_raw, round_trip(no_data));
  ASSERT_OK_AND_ASSIGN(SASLInitialResponse n, ParseSASLInitialResponse(no_data_raw));
  EXPECT_EQ(n, no_data);

  ASSERT_OK_AND_ASSIGN(auto response_raw, round_trip(SASLResponse{"c=biws,r=x,p=y"}));
  ASSERT_OK_AND_ASSIGN(SASLResponse r, ParseSASLResponse(response_raw));
  EXPECT_EQ(r, SASLResponse{"c=biws,r=x,p=y"});
}

TEST(ReaderTest, MalformedAuthenticationResponsesAreRejected) {
  ASSERT_SQLSTATE(ParsePasswordMessage({"pw"}), SqlState::kProtocolViolation);
  ASSERT_SQLSTATE(ParsePasswordMessage({"pw\0x"s}), SqlState::kProtocolViolation);
  ASSERT_SQLSTATE(ParseSASLInitialResponse({"M\0\xff\xff\xff\xfe"s}), SqlState::kProtocolViolation);
  ASSERT_SQLSTATE(ParseSASLInitialResponse({"M\0\0\0\0\x09short"s}), SqlState::kProtocolViolation);
  ASSERT_SQLSTATE(ParseSASLInitialResponse({"M\0\0\0"s}), SqlState::kProtocolViolation);
}

TEST(ReaderTest, ReplicationMessagesRoundTrip) {
  const std::vector<ReplicationMessage> from_server = {
      XLogData{0x16B3748, 0x16B3800, 700000000000, "BEGIN 733"},
      XLogData{0, 0, 0, ""},
      PrimaryKeepalive{0xFFFFFFFFFFFFFFFF, -5, true},
  };
  const std::vector<ReplicationMessage> from_client = {
      StandbyStatusUpdate{10, 20, 30, 40, true},
      HotStandbyFeedback{1, 2, 3, 4, 5},
  };
  for (const auto& [messages, sender] :
       {std::pair{from_server, Sender::kBackend}, std::pair{from_client, Sender::kFrontend}}) {
    const std::string bytes = EncodeAll(messages);
    MessageFramer framer(sender, {.startup_phase = false});
    framer.Feed(bytes);
    for (const ReplicationMessage& expected : messages) {
      ASSERT_OK_AND_ASSIGN(std::optional<Frame> frame, framer.Next());
      ASSERT_TRUE(frame.has_value());
      ASSERT_EQ(frame->type, 'd');
      ASSERT_OK_AND_ASSIGN(ReplicationMessage m, DecodeReplicationMessage(frame->payload));
      EXPECT_EQ(m, expected);
    }
  }
  std::string fast;
  AppendXLogData(1, 2, 3, "abc", &fast);
  std::string slow;
  Encode(XLogData{1, 2, 3, "abc"}, &slow);
  EXPECT_EQ(fast, slow);
}

TEST(ReaderTest, MalformedReplicationMessagesAreRejected) {
  ASSERT_SQLSTATE(DecodeReplicationMessage(""), SqlState::kProtocolViolation);
  ASSERT_SQLSTATE(DecodeReplicationMessage("z"), SqlState::kProtocolViolation);
  ASSERT_SQLSTATE(DecodeReplicationMessage("k\0\0\0"sv), SqlState::kProtocolViolation);
  ASSERT_SQLSTATE(DecodeReplicationMessage("w\0\0\0\0\0\0\0\0"sv), SqlState::kProtocolViolation);
  std::string keepalive;
  Encode(PrimaryKeepalive{1, 2, false}, &keepalive);
  ASSERT_OK(DecodeReplicationMessage(std::string_view(keepalive).substr(5)));
  ASSERT_SQLSTATE(DecodeReplicationMessage(keepalive.substr(5) + "x"),
                  SqlState::kProtocolViolation);
}

TEST(MessageFramerTest, StartupPhaseEndsAfterStartupMessageOnly) {
  MessageFramer framer(Sender::kFrontend);
  EXPECT_TRUE(framer.in_startup_phase());
  std::string bytes;
  Encode(SSLRequest{}, &bytes);
  framer.Feed(bytes);
  ASSERT_OK_AND_ASSIGN(std::optional<Frame> frame, framer.Next());
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ(frame->type, kStartupPacketType);
  EXPECT_TRUE(framer.in_startup_phase());
  EXPECT_EQ(framer.buffered_bytes(), 0u);

  bytes.clear();
  Encode(StartupMessage{kProtocolVersion3, {{"user", "u"}}}, &bytes);
  Encode(Sync{}, &bytes);
  framer.Feed(bytes);
  ASSERT_OK_AND_ASSIGN(frame, framer.Next());
  ASSERT_TRUE(frame.has_value());
  EXPECT_FALSE(framer.in_startup_phase());
  ASSERT_OK_AND_ASSIGN(frame, framer.Next());
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ(frame->type, 'S');
}

TEST(MessageFramerTest, BytesPipelinedAfterSslRequestStayBuffered) {
  // The session must see these (CVE-2021-23214) instead of reading them as
  // if they had arrived over TLS.
  std::string bytes;
  Encode(SSLRequest{}, &bytes);
  Encode(StartupMessage{}, &bytes);
  MessageFramer framer(Sender::kFrontend);
  framer.Feed(bytes);
  ASSERT_OK_AND_ASSIGN(std::optional<Frame> frame, framer.Next());
  ASSERT_TRUE(frame.has_value());
  EXPECT_GT(framer.buffered_bytes(), 0u);
}

TEST(MessageFramerTest, NewerMinorVersionIsAcceptedForNegotiation) {
  StartupMessage m{(3 << 16) | 2, {{"user", "u"}, {"_pq_.feature", "on"}}};
  std::string bytes;
  Encode(m, &bytes);
  ASSERT_OK_AND_ASSIGN(FrontendMessage decoded, DecodeOneFrontend(bytes, true));
  EXPECT_EQ(decoded, FrontendMessage(m));
}

TEST(MessageFramerTest, UnsupportedProtocolVersionsAreFeatureNotSupported) {
  for (int32_t version : {2 << 16, 4 << 16, 0, (1234 << 16) | 5681}) {
    std::string bytes;
    Encode(StartupMessage{version, {}}, &bytes);
    SCOPED_TRACE(version);
    ASSERT_SQLSTATE(DecodeOneFrontend(bytes, true), SqlState::kFeatureNotSupported);
    ASSERT_SQLSTATE(
        DecodeFrontendMessage(Frame{kStartupPacketType, std::string_view(bytes).substr(4)}),
        SqlState::kFeatureNotSupported);
  }
}

TEST(MessageFramerTest, BadStartupPacketLengthsAreProtocolViolations) {
  MessageFramer framer(Sender::kFrontend);
  framer.Feed("\0\0\0\x07"sv);  // shorter than length + code
  ASSERT_SQLSTATE(framer.Next(), SqlState::kProtocolViolation);

  MessageFramer huge(Sender::kFrontend);
  huge.Feed("\x7f\xff\xff\xff"sv);  // rejected before any body arrives
  ASSERT_SQLSTATE(huge.Next(), SqlState::kProtocolViolation);

  MessageFramer negative(Sender::kFrontend);
  negative.Feed("\xff\xff\xff\xfc"sv);
  ASSERT_SQLSTATE(negative.Next(), SqlState::kProtocolViolation);

  // SSLRequest with an extra 4 bytes; CancelRequest missing its secret.
  ASSERT_SQLSTATE(DecodeOneFrontend("\0\0\0\x0c\x04\xd2\x16\x2f\0\0\0\0"sv, true),
                  SqlState::kProtocolViolation);
  ASSERT_SQLSTATE(DecodeOneFrontend("\0\0\0\x0c\x04\xd2\x16\x2e\0\0\0\x01"sv, true),
                  SqlState::kProtocolViolation);
}

TEST(MessageFramerTest, MalformedStartupParametersAreRejected) {
  // No final terminator.
  ASSERT_SQLSTATE(DecodeOneFrontend("\0\0\0\x0f\0\x03\0\0user\0u\0"sv, true),
                  SqlState::kProtocolViolation);
  // Name without value.
  ASSERT_SQLSTATE(DecodeOneFrontend("\0\0\0\x0d\0\x03\0\0user\0"sv, true),
                  SqlState::kProtocolViolation);
  // Garbage after the terminator.
  ASSERT_SQLSTATE(DecodeOneFrontend("\0\0\0\x11\0\x03\0\0user\0u\0\0x"sv, true),
                  SqlState::kProtocolViolation);
  // No parameters at all is well-formed (the session rejects a missing user).
  ASSERT_OK_AND_ASSIGN(FrontendMessage m, DecodeOneFrontend("\0\0\0\x09\0\x03\0\0\0"sv, true));
  EXPECT_EQ(m, FrontendMessage(StartupMessage{}));
  // Repeated names: the last value wins.
  ASSERT_OK_AND_ASSIGN(m, DecodeOneFrontend("\0\0\0\x11\0\x03\0\0a\0"
                                            "1\0a\0"
                                            "2\0\0"sv,
                                            true));
  EXPECT_EQ(std::get<StartupMessage>(m).parameters.at("a"), "2");
}

TEST(MessageFramerTest, OversizedLengthFailsBeforeTheBodyArrives) {
  MessageFramer framer(Sender::kFrontend, {.max_message_length = 1 << 20, .startup_phase = false});
  framer.Feed("Q\x00\x10\x00\x05"sv);  // 1 MiB + 1 byte payload
  ASSERT_SQLSTATE(framer.Next(), SqlState::kProtocolViolation);

  MessageFramer at_limit(Sender::kFrontend,
                         {.max_message_length = 1 << 20, .startup_phase = false});
  at_limit.Feed("Q\x00\x10\x00\x04"sv);
  ASSERT_OK_AND_ASSIGN(std::optional<Frame> frame, at_limit.Next());
  EXPECT_FALSE(frame.has_value());  // waits for the body
}

TEST(MessageFramerTest, ControlMessagesHaveASmallLimit) {
  MessageFramer framer(Sender::kFrontend, {.startup_phase = false});
  framer.Feed("S\x00\x01\x00\x00"sv);  // a 64 KiB Sync
  ASSERT_SQLSTATE(framer.Next(), SqlState::kProtocolViolation);

  MessageFramer auth(Sender::kFrontend, {.startup_phase = false});
  auth.Feed("p\x00\x10\x00\x00"sv);  // a 1 MiB password
  ASSERT_SQLSTATE(auth.Next(), SqlState::kProtocolViolation);
}

TEST(MessageFramerTest, LengthsBelowFourAreRejected) {
  for (std::string_view header :
       {"Q\0\0\0\0"sv, "Q\0\0\0\x03"sv, "Q\xff\xff\xff\xff"sv, "Q\x80\0\0\0"sv}) {
    MessageFramer framer(Sender::kFrontend, {.startup_phase = false});
    framer.Feed(header);
    ASSERT_SQLSTATE(framer.Next(), SqlState::kProtocolViolation);
  }
}

TEST(MessageFramerTest, UnknownTypeByteFailsImmediately) {
  MessageFramer framer(Sender::kFrontend, {.startup_phase = false});
  framer.Feed("T");  // RowDescription is a backend-only type
  ASSERT_SQLSTATE(framer.Next(), SqlState::kProtocolViolation);

  MessageFramer backend(Sender::kBackend);
  backend.Feed("Q");
  ASSERT_SQLSTATE(backend.Next(), SqlState::kProtocolViolation);
}

TEST(MessageFramerTest, ErrorsAreSticky) {
  MessageFramer framer(Sender::kFrontend, {.startup_phase = false});
  framer.Feed("\x01");
  ASSERT_SQLSTATE(framer.Next(), SqlState::kProtocolViolation);
  std::string sync;
  Encode(Sync{}, &sync);
  framer.Feed(sync);
  ASSERT_SQLSTATE(framer.Next(), SqlState::kProtocolViolation);
}

TEST(MessageFramerTest, TruncatedInputWaitsForMoreBytes) {
  std::string bytes;
  Encode(Query{"SELECT 1"}, &bytes);
  MessageFramer framer(Sender::kFrontend, {.startup_phase = false});
  framer.Feed(std::string_view(bytes).substr(0, bytes.size() - 1));
  ASSERT_OK_AND_ASSIGN(std::optional<Frame> frame, framer.Next());
  EXPECT_FALSE(frame.has_value());
  EXPECT_EQ(framer.buffered_bytes(), bytes.size() - 1);
  framer.Feed(std::string_view(bytes).substr(bytes.size() - 1));
  ASSERT_OK_AND_ASSIGN(frame, framer.Next());
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ(frame->payload, "SELECT 1\0"sv);
}

TEST(MessageFramerTest, PrepareWriteReceivesInPlace) {
  std::string bytes;
  Encode(Query{"SELECT 1"}, &bytes);
  Encode(Sync{}, &bytes);
  MessageFramer framer(Sender::kFrontend, {.startup_phase = false});
  std::vector<char> types;
  for (size_t pos = 0; pos < bytes.size(); pos += 3) {
    std::span<char> space = framer.PrepareWrite(3);
    ASSERT_GE(space.size(), 3u);
    const size_t n = std::min<size_t>(3, bytes.size() - pos);
    std::memcpy(space.data(), bytes.data() + pos, n);
    framer.CommitWrite(n);
    while (true) {
      ASSERT_OK_AND_ASSIGN(std::optional<Frame> frame, framer.Next());
      if (!frame) break;
      types.push_back(frame->type);
    }
  }
  EXPECT_EQ(types, (std::vector<char>{'Q', 'S'}));
  EXPECT_EQ(framer.buffered_bytes(), 0u);
}

TEST(MessageFramerTest, LargeMessageInChunksThenSmallOnes) {
  const std::string big(3 << 20, 'x');
  std::string bytes;
  Encode(CopyData{big}, &bytes);
  Encode(CopyDone{}, &bytes);
  Encode(Sync{}, &bytes);
  ASSERT_OK_AND_ASSIGN(auto decoded, DecodeFrontend(bytes, 64 << 10, {.startup_phase = false}));
  EXPECT_EQ(decoded, (std::vector<FrontendMessage>{CopyData{big}, CopyDone{}, Sync{}}));
}

TEST(DecodeFrontendTest, MissingNulTerminatorsAreRejected) {
  ASSERT_SQLSTATE(DecodeFrame('Q', "SELECT 1"), SqlState::kProtocolViolation);
  ASSERT_SQLSTATE(DecodeFrame('P', "s1\0SELECT"sv), SqlState::kProtocolViolation);
  ASSERT_SQLSTATE(DecodeFrame('B', "portal"), SqlState::kProtocolViolation);
  ASSERT_SQLSTATE(DecodeFrame('D', "Sname"), SqlState::kProtocolViolation);
  ASSERT_SQLSTATE(DecodeFrame('E', "portal"), SqlState::kProtocolViolation);
  ASSERT_SQLSTATE(DecodeFrame('f', "oops"), SqlState::kProtocolViolation);
}

TEST(DecodeFrontendTest, TrailingGarbageIsRejected) {
  ASSERT_SQLSTATE(DecodeFrame('Q', "SELECT 1\0x"sv), SqlState::kProtocolViolation);
  ASSERT_SQLSTATE(DecodeFrame('S', "x"), SqlState::kProtocolViolation);
  ASSERT_SQLSTATE(DecodeFrame('H', "x"), SqlState::kProtocolViolation);
  ASSERT_SQLSTATE(DecodeFrame('X', "x"), SqlState::kProtocolViolation);
  ASSERT_SQLSTATE(DecodeFrame('c', "x"), SqlState::kProtocolViolation);
  ASSERT_SQLSTATE(DecodeFrame('E', "\0\0\0\0\0x"sv), SqlState::kProtocolViolation);
  ASSERT_SQLSTATE(DecodeFrame('B', "\0\0\0\0\0\0\0\0x"sv), SqlState::kProtocolViolation);
}

TEST(DecodeFrontendTest, TruncatedMessagesAreRejected) {
  std::string bind;
  Encode(Bind{"p", "s", {1}, {"value"s, std::nullopt}, {1, 1}}, &bind);
  const std::string_view payload = std::string_view(bind).substr(5);
  ASSERT_OK(DecodeFrame('B', payload));
  for (size_t n = 0; n < payload.size(); ++n) {
    SCOPED_TRACE(n);
    ASSERT_SQLSTATE(DecodeFrame('B', payload.substr(0, n)), SqlState::kProtocolViolation);
  }
  ASSERT_SQLSTATE(DecodeFrame('E', "\0\0\0"sv), SqlState::kProtocolViolation);
  ASSERT_SQLSTATE(DecodeFrame('P', "\0q\0\0\x02\0\0\0\x17"sv), SqlState::kProtocolViolation);
}

TEST(DecodeFrontendTest, BindValueLengthsAreChecked) {
  // One parameter whose length is -2: only -1 (NULL) may be negative.
  ASSERT_SQLSTATE(DecodeFrame('B', "\0\0\0\0\0\x01\xff\xff\xff\xfe\0\0"sv),
                  SqlState::kProtocolViolation);
  // A length beyond the message end.
  ASSERT_SQLSTATE(DecodeFrame('B', "\0\0\0\0\0\x01\0\0\0\x09xy\0\0"sv),
                  SqlState::kProtocolViolation);
  ASSERT_SQLSTATE(DecodeFrame('B', "\0\0\0\0\0\x01\x7f\xff\xff\xff\0\0"sv),
                  SqlState::kProtocolViolation);
  // NULL is fine.
  ASSERT_OK_AND_ASSIGN(FrontendMessage m, DecodeFrame('B', "\0\0\0\0\0\x01\xff\xff\xff\xff\0\0"sv));
  EXPECT_EQ(std::get<Bind>(m).params, (std::vector<std::optional<std::string>>{std::nullopt}));
}

TEST(DecodeFrontendTest, CountsMustFitTheMessage) {
  // 65535 parameters announced, none present.
  ASSERT_SQLSTATE(DecodeFrame('B', "\0\0\0\0\xff\xff\0\0"sv), SqlState::kProtocolViolation);
  ASSERT_SQLSTATE(DecodeFrame('B', "\0\0\xff\xff"sv), SqlState::kProtocolViolation);
  ASSERT_SQLSTATE(DecodeFrame('P', "\0q\0\xff\xff"sv), SqlState::kProtocolViolation);
  // Two parameter formats for three parameters.
  std::string bind;
  Encode(Bind{"", "", {0, 1}, {"a"s, "b"s, "c"s}, {}}, &bind);
  ASSERT_SQLSTATE(DecodeFrame('B', std::string_view(bind).substr(5)), SqlState::kProtocolViolation);
  std::string call;
  Encode(FunctionCall{1, {0, 0}, {"a"s}, 0}, &call);
  ASSERT_SQLSTATE(DecodeFrame('F', std::string_view(call).substr(5)), SqlState::kProtocolViolation);
}

TEST(DecodeFrontendTest, DescribeAndCloseSubtypesAreChecked) {
  ASSERT_SQLSTATE(DecodeFrame('D', "Xname\0"sv), SqlState::kProtocolViolation);
  ASSERT_SQLSTATE(DecodeFrame('C', "\0name\0"sv), SqlState::kProtocolViolation);
  ASSERT_SQLSTATE(DecodeFrame('D', ""), SqlState::kProtocolViolation);
}

TEST(DecodeFrontendTest, StringsMayHoldAnyBytesButNul) {
  ASSERT_OK_AND_ASSIGN(FrontendMessage m, DecodeFrame('Q', "SELECT '\xe2\x82\xac'\0"sv));
  EXPECT_EQ(std::get<Query>(m).query, "SELECT '\xe2\x82\xac'");
}

TEST(DecodeFrontendTest, UnknownTypeIsRejected) {
  ASSERT_SQLSTATE(DecodeFrame('Z', ""), SqlState::kProtocolViolation);
}

TEST(DecodeBackendTest, MalformedMessagesAreRejected) {
  ASSERT_SQLSTATE(DecodeBackendFrame('Z', "X"), SqlState::kProtocolViolation);
  ASSERT_SQLSTATE(DecodeBackendFrame('Z', ""), SqlState::kProtocolViolation);
  ASSERT_SQLSTATE(DecodeBackendFrame('Z', "II"), SqlState::kProtocolViolation);
  ASSERT_SQLSTATE(DecodeBackendFrame('R', "\0\0"sv), SqlState::kProtocolViolation);
  ASSERT_SQLSTATE(DecodeBackendFrame('R',
                                     "\0\0\0\x05"
                                     "ab"sv),
                  SqlState::kProtocolViolation);
  ASSERT_SQLSTATE(DecodeBackendFrame('R', "\0\0\0\x0aSCRAM\0"sv), SqlState::kProtocolViolation);
  ASSERT_SQLSTATE(DecodeBackendFrame('T', "\0\x01name\0\0\0"sv), SqlState::kProtocolViolation);
  ASSERT_SQLSTATE(DecodeBackendFrame('T', "\xff\xff"sv), SqlState::kProtocolViolation);
  ASSERT_SQLSTATE(DecodeBackendFrame('D', "\0\x01\xff\xff\xff\xf0"sv),
                  SqlState::kProtocolViolation);
  ASSERT_SQLSTATE(DecodeBackendFrame('E', "SERROR\0"sv), SqlState::kProtocolViolation);
  ASSERT_SQLSTATE(DecodeBackendFrame('E', "SERROR"sv), SqlState::kProtocolViolation);
  ASSERT_SQLSTATE(DecodeBackendFrame('v', "\0\0\0\0\xff\xff\xff\xff"sv),
                  SqlState::kProtocolViolation);
  ASSERT_SQLSTATE(DecodeBackendFrame('v', "\0\0\0\0\x7f\xff\xff\xff"sv),
                  SqlState::kProtocolViolation);
  ASSERT_SQLSTATE(DecodeBackendFrame('K', "\0\0\0\x01"sv), SqlState::kProtocolViolation);
  ASSERT_SQLSTATE(DecodeBackendFrame('A',
                                     "\0\0\0\x01"
                                     "chan\0"sv),
                  SqlState::kProtocolViolation);
}

TEST(DecodeBackendTest, UnsupportedAuthenticationIsFeatureNotSupported) {
  ASSERT_SQLSTATE(DecodeBackendFrame('R', "\0\0\0\x07"sv), SqlState::kFeatureNotSupported);
}

TEST(DecodeBackendTest, UnknownErrorFieldsAreIgnored) {
  ASSERT_OK_AND_ASSIGN(BackendMessage m, DecodeBackendFrame('E', "SERROR\0Zfuture\0C XX000\0\0"sv));
  const ErrorFields& f = std::get<ErrorResponse>(m).fields;
  EXPECT_EQ(f.severity, "ERROR");
  EXPECT_EQ(f.code, " XX000");
}

// Mutated and random inputs must produce errors or messages, never crashes;
// the fuzzer (tests/fuzz) explores this much further.
TEST(DecodeFrontendTest, MutatedStreamsNeverCrash) {
  const std::string valid = EncodeAll(SampleFrontendMessages());
  std::mt19937 rng(7);
  for (int round = 0; round < 2000; ++round) {
    std::string bytes = valid;
    const int flips = std::uniform_int_distribution<int>(1, 8)(rng);
    for (int i = 0; i < flips; ++i) {
      bytes[std::uniform_int_distribution<size_t>(0, bytes.size() - 1)(rng)] =
          static_cast<char>(rng());
    }
    bytes.resize(std::uniform_int_distribution<size_t>(0, bytes.size())(rng));
    auto decoded = DecodeAll<FrontendMessage>(Sender::kFrontend, {}, bytes, DecodeFrontendMessage,
                                              [] { return size_t{7}; });
    if (!decoded.ok()) {
      const auto state = decoded.status().sql_state();
      EXPECT_TRUE(state == SqlState::kProtocolViolation || state == SqlState::kFeatureNotSupported)
          << decoded.status().ToString();
    }
  }
}

}  // namespace
}  // namespace strata::protocol
