#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace gm::server {

// API keys (docs/security.md). A key is the text `gm_<key_id>_<secret>`: key_id is 16 lowercase
// hex digits (8 random bytes) that finds the stored row without scanning, secret 64 lowercase
// hex digits (32 random bytes from OpenSSL's RAND_bytes). Only SHA-256(salt || secret) with a
// 16-byte random salt is stored; a presented secret is hashed the same way and compared in
// constant time (CRYPTO_memcmp).

//! What a key may do. kAdmin includes everything kRead allows.
enum class Scope { kRead, kAdmin };

std::string_view ScopeName(Scope scope);
//! "read" or "admin"; InvalidArgument naming the value otherwise.
Result<Scope> ParseScope(std::string_view text);
//! True when a key of scope `held` may use a route that requires `required`.
bool ScopeAllows(Scope held, Scope required);

//! Who is calling: the key's name and scope. Anonymous callers (public paths, or auth
//! switched off) have an empty name.
struct Principal {
  std::string name;
  Scope scope = Scope::kRead;
  bool anonymous() const { return name.empty(); }
};

inline constexpr size_t kKeyIdHexDigits = 16;
inline constexpr size_t kSecretHexDigits = 64;
inline constexpr size_t kSaltBytes = 16;
inline constexpr size_t kHashBytes = 32;

//! The two parts of a presented key.
struct ParsedApiKey {
  std::string key_id;
  std::string secret;
};

//! Splits `gm_<key_id>_<secret>`. Unauthenticated ("malformed API key") unless the text has
//! exactly that shape; the message never repeats the text (it is a secret).
Result<ParsedApiKey> ParseApiKey(std::string_view text);

//! A freshly generated key: `text` is shown to its owner once and never stored.
struct GeneratedApiKey {
  std::string text;    //!< gm_<key_id>_<secret>
  std::string key_id;  //!< 16 hex digits
  std::string salt;    //!< kSaltBytes raw bytes
  std::string hash;    //!< kHashBytes raw bytes: HashSecret(salt, secret)
};

//! Draws a key from OpenSSL's CSPRNG. Internal when RAND_bytes fails (no entropy).
Result<GeneratedApiKey> GenerateApiKey();

//! SHA-256(salt || secret) as kHashBytes raw bytes.
std::string HashSecret(std::string_view salt, std::string_view secret);

//! Equality of two byte strings in time that depends only on their lengths
//! (CRYPTO_memcmp); different lengths compare unequal.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

//! A stored key as the verifier sees it (the api_keys row for one key_id).
struct KeyRecord {
  std::string key_id;
  std::string name;
  Scope scope = Scope::kRead;
  std::string salt;  //!< raw bytes
  std::string hash;  //!< raw bytes
  bool revoked = false;
};

//! Checks a presented key against its stored record: Ok, or Unauthenticated when the secret
//! does not match or the key is revoked. The messages say which, never the secret.
//! REQUIRES: record.key_id == key.key_id.
Status VerifyKey(const KeyRecord& record, const ParsedApiKey& key);

//! Key names: 1–64 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit.
//! InvalidArgument naming the value otherwise.
Status ValidateKeyName(std::string_view name);

}  // namespace gm::server
