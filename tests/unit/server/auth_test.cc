#include "server/auth.h"

#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace strata::server {
namespace {

// RFC 7677 section 3: user "user", password "pencil".
constexpr const char* kClientFirst = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
constexpr const char* kServerNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
constexpr const char* kServerFirst =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
constexpr const char* kClientFinal =
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
constexpr const char* kServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

ScramSecret Rfc7677Secret() {
  auto salt = Base64Decode("W22ZaJ0SNY7soEsUEjb6gQ==");
  EXPECT_TRUE(salt.ok());
  auto secret = ParseScramSecret(MakeScramVerifier("pencil", *salt, 4096));
  EXPECT_TRUE(secret.ok());
  return *secret;
}

TEST(ScramServerTest, MatchesRfc7677Exchange) {
  ScramServer server(Rfc7677Secret(), kServerNonce);
  ASSERT_OK_AND_ASSIGN(std::string first, server.ClientFirst(kClientFirst));
  EXPECT_EQ(first, kServerFirst);
  ASSERT_OK_AND_ASSIGN(std::string final_message, server.ClientFinal(kClientFinal));
  EXPECT_EQ(final_message, kServerFinal);
}

TEST(ScramServerTest, WrongProofFailsWith28P01) {
  ScramServer server(Rfc7677Secret(), kServerNonce);
  ASSERT_OK(server.ClientFirst(kClientFirst));
  std::string tampered = kClientFinal;
  tampered[tampered.size() - 5] = tampered[tampered.size() - 5] == 'A' ? 'B' : 'A';
  ASSERT_SQLSTATE(server.ClientFinal(tampered), SqlState::kInvalidPassword);
}

TEST(ScramServerTest, UnknownRoleRunsAMockExchangeAndFails) {
  ScramServer server(std::nullopt, kServerNonce);
  ASSERT_OK_AND_ASSIGN(std::string first, server.ClientFirst(kClientFirst));
  EXPECT_NE(first.find(",s="), std::string::npos);  // looks like a real one
  ASSERT_SQLSTATE(server.ClientFinal(kClientFinal), SqlState::kInvalidPassword);
}

TEST(ScramServerTest, MalformedMessagesAreProtocolViolations) {
  ScramServer server(Rfc7677Secret(), kServerNonce);
  ASSERT_SQLSTATE(server.ClientFinal(kClientFinal), SqlState::kProtocolViolation);
  ASSERT_SQLSTATE(server.ClientFirst("x,,n=user,r=abc"), SqlState::kProtocolViolation);
  ASSERT_SQLSTATE(server.ClientFirst("p=tls-server-end-point,,n=,r=abc"),
                  SqlState::kProtocolViolation);
  ScramServer other(Rfc7677Secret(), kServerNonce);
  ASSERT_OK(other.ClientFirst(kClientFirst));
  ASSERT_SQLSTATE(other.ClientFinal("c=biws,r=wrongnonce,p=AAAA"), SqlState::kProtocolViolation);
  ASSERT_SQLSTATE(other.ClientFinal("garbage"), SqlState::kProtocolViolation);
}

TEST(PasswordVerifierTest, CleartextAndMd5) {
  PasswordVerifier verifier = MakePasswordVerifier("alice", "s3cret");
  EXPECT_TRUE(CheckCleartextPassword(verifier, "s3cret"));
  EXPECT_FALSE(CheckCleartextPassword(verifier, "s3cret "));
  // What PostgreSQL stores: 'md5' || md5('s3cretalice').
  EXPECT_EQ(verifier.md5, "md58213e4d0d5792b064442db7988e9f4c4");
  // What libpq sends for salt 01 02 03 04 (computed independently).
  const std::array<char, 4> salt = {1, 2, 3, 4};
  EXPECT_TRUE(CheckMd5Response(verifier, salt, "md5b79948bbeb35dee03ab8fe15a839030b"));
  EXPECT_FALSE(CheckMd5Response(verifier, {1, 2, 3, 5}, "md5b79948bbeb35dee03ab8fe15a839030b"));
  EXPECT_FALSE(CheckMd5Response(verifier, salt, "md5"));
}

TEST(Base64Test, RoundTripsAndRejectsGarbage) {
  for (const std::string& s :
       std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)}) {
    ASSERT_OK_AND_ASSIGN(std::string back, Base64Decode(Base64Encode(s)));
    EXPECT_EQ(back, s);
  }
  ASSERT_SQLSTATE(Base64Decode("abc"), SqlState::kProtocolViolation);
  ASSERT_SQLSTATE(Base64Decode("ab!d"), SqlState::kProtocolViolation);
}

}  // namespace
}  // namespace strata::server
