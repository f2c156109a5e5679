#include "server/auth.h"

#include <cctype>
#include <cstring>
#include <vector>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "common/macros.h"

namespace strata::server {
namespace {

using Digest = std::array<unsigned char, 32>;

Status AuthFailed() {
  // The user name is added by the session, which knows it.
  return Status(SqlState::kInvalidPassword, "password authentication failed");
}

Status Malformed(std::string what) {
  return Status::ProtocolViolation("malformed SCRAM message (" + what + ")");
}

Digest Hmac(const unsigned char* key, size_t key_len, std::string_view data) {
  Digest out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key, static_cast<int>(key_len),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &len);
  return out;
}

Digest Sha256(const Digest& in) {
  Digest out{};
  SHA256(in.data(), in.size(), out.data());
  return out;
}

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  STRATA_CHECK(RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) == 1);
  return out;
}

std::string Md5Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_md5(), nullptr);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

struct DerivedKeys {
  Digest stored_key;
  Digest server_key;
};

DerivedKeys DeriveKeys(std::string_view password, std::string_view salt, int iterations) {
  Digest salted{};
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                    reinterpret_cast<const unsigned char*>(salt.data()),
                    static_cast<int>(salt.size()), iterations, EVP_sha256(), salted.size(),
                    salted.data());
  const Digest client_key = Hmac(salted.data(), salted.size(), "Client Key");
  return {Sha256(client_key), Hmac(salted.data(), salted.size(), "Server Key")};
}

// Splits "a=x,b=y,..." into attributes, in order.
Result<std::vector<std::pair<char, std::string_view>>> ParseAttributes(std::string_view text) {
  std::vector<std::pair<char, std::string_view>> out;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    const std::string_view part = text.substr(0, comma);
    if (part.size() < 2 || part[1] != '=') return Malformed("bad attribute");
    out.emplace_back(part[0], part.substr(2));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace

Result<AuthMethod> ParseAuthMethod(std::string_view name) {
  if (name == "trust") return AuthMethod::kTrust;
  if (name == "password") return AuthMethod::kPassword;
  if (name == "md5") return AuthMethod::kMd5;
  if (name == "scram-sha-256" || name == "scram") return AuthMethod::kScramSha256;
  return Status(SqlState::kConfigFileError, "unknown authentication method \"" + std::string(name) +
                                                "\" (trust, password, md5, scram-sha-256)");
}

std::string_view AuthMethodName(AuthMethod method) {
  switch (method) {
    case AuthMethod::kTrust:
      return "trust";
    case AuthMethod::kPassword:
      return "password";
    case AuthMethod::kMd5:
      return "md5";
    case AuthMethod::kScramSha256:
      return "scram-sha-256";
  }
  return "?";
}

std::string Base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(n);
  return out;
}

Result<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return Malformed("bad base64");
  for (char c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '/' && c != '=') {
      return Malformed("bad base64");
    }
  }
  std::string out(3 * text.size() / 4, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return Malformed("bad base64");
  // EVP_DecodeBlock counts padding as zero bytes.
  size_t padding = 0;
  if (!text.empty() && text.back() == '=') ++padding;
  if (text.size() > 1 && text[text.size() - 2] == '=') ++padding;
  out.resize(static_cast<size_t>(n) - padding);
  return out;
}

std::string MakeScramVerifier(std::string_view password, std::string_view salt, int iterations) {
  const DerivedKeys keys = DeriveKeys(password, salt, iterations);
  auto b64 = [](const Digest& d) {
    return Base64Encode(std::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
  };
  return "SCRAM-SHA-256$" + std::to_string(iterations) + ":" + Base64Encode(salt) + "$" +
         b64(keys.stored_key) + ":" + b64(keys.server_key);
}

PasswordVerifier MakePasswordVerifier(std::string_view user, std::string_view password,
                                      int scram_iterations) {
  return {MakeScramVerifier(password, RandomBytes(16), scram_iterations),
          "md5" + Md5Hex(std::string(password) + std::string(user))};
}

Result<ScramSecret> ParseScramSecret(std::string_view verifier) {
  auto bad = [] { return Status::InvalidArgument("malformed SCRAM verifier"); };
  constexpr std::string_view kPrefix = "SCRAM-SHA-256$";
  if (verifier.substr(0, kPrefix.size()) != kPrefix) return bad();
  verifier.remove_prefix(kPrefix.size());
  const size_t colon = verifier.find(':');
  const size_t dollar = verifier.find('$');
  if (colon == std::string_view::npos || dollar == std::string_view::npos || dollar < colon) {
    return bad();
  }
  ScramSecret secret;
  try {
    secret.iterations = std::stoi(std::string(verifier.substr(0, colon)));
  } catch (...) {
    return bad();
  }
  auto salt = Base64Decode(verifier.substr(colon + 1, dollar - colon - 1));
  const std::string_view keys = verifier.substr(dollar + 1);
  const size_t key_colon = keys.find(':');
  if (!salt.ok() || key_colon == std::string_view::npos || secret.iterations <= 0) return bad();
  auto stored = Base64Decode(keys.substr(0, key_colon));
  auto server = Base64Decode(keys.substr(key_colon + 1));
  if (!stored.ok() || !server.ok() || stored->size() != 32 || server->size() != 32) return bad();
  secret.salt = *salt;
  std::memcpy(secret.stored_key.data(), stored->data(), 32);
  std::memcpy(secret.server_key.data(), server->data(), 32);
  return secret;
}

bool CheckCleartextPassword(const PasswordVerifier& verifier, std::string_view password) {
  if (auto secret = ParseScramSecret(verifier.scram); secret.ok()) {
    const DerivedKeys keys = DeriveKeys(password, secret->salt, secret->iterations);
    return CRYPTO_memcmp(keys.stored_key.data(), secret->stored_key.data(), 32) == 0;
  }
  return false;
}

bool CheckMd5Response(const PasswordVerifier& verifier, const std::array<char, 4>& salt,
                      std::string_view response) {
  if (verifier.md5.size() != 35) return false;
  const std::string expected =
      "md5" + Md5Hex(verifier.md5.substr(3) + std::string(salt.data(), salt.size()));
  return expected.size() == response.size() &&
         CRYPTO_memcmp(expected.data(), response.data(), expected.size()) == 0;
}

ScramServer::ScramServer(std::optional<ScramSecret> secret, std::string server_nonce)
    : secret_(std::move(secret)), server_nonce_(std::move(server_nonce)) {
  if (server_nonce_.empty()) server_nonce_ = Base64Encode(RandomBytes(18));
  if (!secret_) {
    // A mock secret that no password matches.
    mock_.iterations = 4096;
    mock_.salt = RandomBytes(16);
    const std::string junk = RandomBytes(64);
    std::memcpy(mock_.stored_key.data(), junk.data(), 32);
    std::memcpy(mock_.server_key.data(), junk.data() + 32, 32);
  }
}

Result<std::string> ScramServer::ClientFirst(std::string_view message) {
  // gs2-header: ("n" | "y" | "p=...") "," [authzid] ","
  if (message.empty()) return Malformed("empty client-first-message");
  if (message[0] == 'p') {
    return Status(SqlState::kProtocolViolation, "channel binding is not supported by this server");
  }
  if (message[0] != 'n' && message[0] != 'y') return Malformed("bad GS2 flag");
  const size_t first = message.find(',');
  const size_t second = first == std::string_view::npos ? first : message.find(',', first + 1);
  if (first != 1 || second == std::string_view::npos) return Malformed("bad GS2 header");
  if (second != first + 1)
    return Status::NotSupported("SCRAM authorization identity is not supported");
  gs2_header_ = std::string(message.substr(0, second + 1));
  client_first_bare_ = std::string(message.substr(second + 1));
  STRATA_ASSIGN_OR_RETURN(auto attributes, ParseAttributes(client_first_bare_));
  // n=<user> (ignored: the startup packet's user counts, as in PostgreSQL), r=<nonce>
  if (attributes.size() < 2 || attributes[0].first != 'n' || attributes[1].first != 'r' ||
      attributes[1].second.empty()) {
    return Malformed("expected n= and r=");
  }
  if (attributes.size() > 2 && attributes[2].first == 'm') {
    return Status::NotSupported("SCRAM mandatory extensions are not supported");
  }
  combined_nonce_ = std::string(attributes[1].second) + server_nonce_;
  const ScramSecret& secret = secret_ ? *secret_ : mock_;
  server_first_ = "r=" + combined_nonce_ + ",s=" + Base64Encode(secret.salt) +
                  ",i=" + std::to_string(secret.iterations);
  first_done_ = true;
  return server_first_;
}

Result<std::string> ScramServer::ClientFinal(std::string_view message) {
  if (!first_done_) return Malformed("client-final-message before client-first-message");
  const size_t proof_at = message.rfind(",p=");
  if (proof_at == std::string_view::npos) return Malformed("missing proof");
  const std::string_view without_proof = message.substr(0, proof_at);
  STRATA_ASSIGN_OR_RETURN(auto attributes, ParseAttributes(without_proof));
  if (attributes.size() < 2 || attributes[0].first != 'c' || attributes[1].first != 'r') {
    return Malformed("expected c= and r=");
  }
  STRATA_ASSIGN_OR_RETURN(std::string binding, Base64Decode(attributes[0].second));
  if (binding != gs2_header_) return Malformed("channel binding data does not match");
  if (attributes[1].second != combined_nonce_) return Malformed("nonce does not match");
  STRATA_ASSIGN_OR_RETURN(std::string proof, Base64Decode(message.substr(proof_at + 3)));
  if (proof.size() != 32) return Malformed("bad proof length");

  const ScramSecret& secret = secret_ ? *secret_ : mock_;
  const std::string auth_message =
      client_first_bare_ + "," + server_first_ + "," + std::string(without_proof);
  const Digest client_signature =
      Hmac(secret.stored_key.data(), secret.stored_key.size(), auth_message);
  Digest client_key{};
  for (size_t i = 0; i < 32; ++i) {
    client_key[i] = static_cast<unsigned char>(proof[i]) ^ client_signature[i];
  }
  const Digest candidate = Sha256(client_key);
  if (!secret_ || CRYPTO_memcmp(candidate.data(), secret.stored_key.data(), 32) != 0) {
    return AuthFailed();
  }
  const Digest server_signature =
      Hmac(secret.server_key.data(), secret.server_key.size(), auth_message);
  return "v=" +
         Base64Encode(std::string_view(reinterpret_cast<const char*>(server_signature.data()),
                                       server_signature.size()));
}

}  // namespace strata::server
