#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace strata::server {

// How a connection proves who it is (pg_hba.conf's methods).
enum class AuthMethod { kTrust, kPassword, kMd5, kScramSha256 };

// Parses "trust", "password", "md5", "scram-sha-256" (also "scram").
Result<AuthMethod> ParseAuthMethod(std::string_view name);
std::string_view AuthMethodName(AuthMethod method);

// What the server keeps of a password: a SCRAM-SHA-256 verifier (as
// PostgreSQL stores it, "SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>")
// and the md5 hash "md5" + md5(password + user) that md5 authentication
// needs. Never the password itself.
struct PasswordVerifier {
  std::string scram;
  std::string md5;
};

// Derives both verifiers with a fresh random salt.
PasswordVerifier MakePasswordVerifier(std::string_view user, std::string_view password,
                                      int scram_iterations = 4096);

// The parts of a SCRAM verifier. Result is an error for a malformed string.
struct ScramSecret {
  int iterations = 0;
  std::string salt;  // raw bytes
  std::array<unsigned char, 32> stored_key{};
  std::array<unsigned char, 32> server_key{};
};
Result<ScramSecret> ParseScramSecret(std::string_view verifier);
// Builds a verifier from a password and a given salt (deterministic; tests).
std::string MakeScramVerifier(std::string_view password, std::string_view salt, int iterations);

// True when a cleartext password matches the verifier.
bool CheckCleartextPassword(const PasswordVerifier& verifier, std::string_view password);

// True when `response` ("md5" + md5(md5hash_hex_without_prefix + salt)) is
// what a client that knows the password sends for `salt`.
bool CheckMd5Response(const PasswordVerifier& verifier, const std::array<char, 4>& salt,
                      std::string_view response);

// The server side of one SCRAM-SHA-256 exchange (RFC 5802 / RFC 7677), as
// PostgreSQL runs it: no channel binding (the "n" and "y" GS2 flags are
// accepted, "p" is refused), the user name comes from the startup packet.
//
// Call order: ClientFirst() then ClientFinal(). Any error means
// authentication failed (28P01, or 08P01 for a malformed message). Not
// thread-safe; one object per connection.
class ScramServer {
 public:
  // `secret` is nullopt for an unknown role or a role without a SCRAM
  // verifier: the exchange then runs against a mock secret and fails at the
  // end, so a client cannot probe which roles exist.
  // `server_nonce` empty: a random one is generated (tests pass a fixed one).
  explicit ScramServer(std::optional<ScramSecret> secret, std::string server_nonce = {});

  // Takes client-first-message, returns server-first-message.
  Result<std::string> ClientFirst(std::string_view message);
  // Takes client-final-message; on a correct proof returns server-final-message.
  Result<std::string> ClientFinal(std::string_view message);

 private:
  std::optional<ScramSecret> secret_;
  ScramSecret mock_;
  std::string server_nonce_;
  std::string client_first_bare_;
  std::string server_first_;
  std::string combined_nonce_;
  std::string gs2_header_;
  bool first_done_ = false;
};

std::string Base64Encode(std::string_view bytes);
Result<std::string> Base64Decode(std::string_view text);

// A role that may log in.
struct RoleInfo {
  std::string name;
  bool superuser = false;
  std::optional<PasswordVerifier> password;
  // Overrides the server-wide method for this role when set.
  std::optional<AuthMethod> method;
};

}  // namespace strata::server
