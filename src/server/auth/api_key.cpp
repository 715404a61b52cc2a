#include "server/auth/api_key.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "common/hex.h"
#include "server/auth/http_headers.h"

namespace gm::server {
namespace {

constexpr std::string_view kPrefix = "gm_";
std::string ToHex(const unsigned char* bytes, size_t n) {
  return Hex(std::string_view(reinterpret_cast<const char*>(bytes), n));
}

bool IsLowerHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::optional<std::string_view> FindHeader(const HttpHeaders& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return std::string_view(value);
  }
  return std::nullopt;
}

std::string_view ScopeName(Scope scope) { return scope == Scope::kAdmin ? "admin" : "read"; }

Result<Scope> ParseScope(std::string_view text) {
  if (text == "read") return Scope::kRead;
  if (text == "admin") return Scope::kAdmin;
  return InvalidArgument("invalid scope '" + std::string(text) + "': expected read or admin");
}

bool ScopeAllows(Scope held, Scope required) {
  return held == Scope::kAdmin || required == Scope::kRead;
}

Result<ParsedApiKey> ParseApiKey(std::string_view text) {
  const size_t expected = kPrefix.size() + kKeyIdHexDigits + 1 + kSecretHexDigits;
  if (text.size() != expected || !text.starts_with(kPrefix) ||
      text[kPrefix.size() + kKeyIdHexDigits] != '_') {
    return Unauthenticated("malformed API key (expected gm_<16 hex>_<64 hex>)");
  }
  ParsedApiKey key;
  key.key_id = std::string(text.substr(kPrefix.size(), kKeyIdHexDigits));
  key.secret = std::string(text.substr(kPrefix.size() + kKeyIdHexDigits + 1));
  if (!IsLowerHex(key.key_id) || !IsLowerHex(key.secret)) {
    return Unauthenticated("malformed API key (expected gm_<16 hex>_<64 hex>)");
  }
  return key;
}

std::string HashSecret(std::string_view salt, std::string_view secret) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  EVP_DigestUpdate(ctx, salt.data(), salt.size());
  EVP_DigestUpdate(ctx, secret.data(), secret.size());
  EVP_DigestFinal_ex(ctx, digest, &length);
  EVP_MD_CTX_free(ctx);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

Result<GeneratedApiKey> GenerateApiKey() {
  unsigned char id[kKeyIdHexDigits / 2];
  unsigned char secret[kSecretHexDigits / 2];
  unsigned char salt[kSaltBytes];
  if (RAND_bytes(id, sizeof id) != 1 || RAND_bytes(secret, sizeof secret) != 1 ||
      RAND_bytes(salt, sizeof salt) != 1) {
    return Internal("OpenSSL RAND_bytes failed: no API key was generated");
  }
  GeneratedApiKey key;
  key.key_id = ToHex(id, sizeof id);
  const std::string secret_hex = ToHex(secret, sizeof secret);
  key.salt.assign(reinterpret_cast<const char*>(salt), sizeof salt);
  key.hash = HashSecret(key.salt, secret_hex);
  key.text = std::string(kPrefix) + key.key_id + "_" + secret_hex;
  OPENSSL_cleanse(secret, sizeof secret);
  return key;
}

Status VerifyKey(const KeyRecord& record, const ParsedApiKey& key) {
  // Hash and compare before looking at the revocation flag, so both refusals cost the same.
  const bool match = ConstantTimeEquals(HashSecret(record.salt, key.secret), record.hash);
  if (!match) return Unauthenticated("invalid API key");
  if (record.revoked) return Unauthenticated("API key '" + record.name + "' was revoked");
  return Status::Ok();
}

Status ValidateKeyName(std::string_view name) {
  auto ok_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  };
  bool ok = !name.empty() && name.size() <= 64 && ok_char(name[0]) && name[0] != '.' &&
            name[0] != '_' && name[0] != '-';
  for (char c : name) ok = ok && ok_char(c);
  if (!ok) {
    return InvalidArgument("invalid key name '" + std::string(name) +
                           "': use 1-64 of A-Z a-z 0-9 . _ - starting with a letter or digit");
  }
  return Status::Ok();
}

}  // namespace gm::server
