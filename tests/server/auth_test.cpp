// Unit tests of server/auth: key generation and verification, the verifier's cache, the
// Authenticator, the rate limiter (manual clock) and CORS. No database, no sockets.

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "server/auth/api_key.h"
#include "server/auth/api_key_store.h"
#include "server/auth/authenticator.h"
#include "server/auth/cors.h"
#include "server/auth/rate_limiter.h"

namespace gm::server {
namespace {

// ---- keys ----

TEST(ApiKeyTest, GeneratedKeysParseAndVerify) {
  Result<GeneratedApiKey> key = GenerateApiKey();
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->text.size(), 3 + kKeyIdHexDigits + 1 + kSecretHexDigits);
  EXPECT_TRUE(key->text.starts_with("gm_" + key->key_id + "_"));
  EXPECT_EQ(key->salt.size(), kSaltBytes);
  EXPECT_EQ(key->hash.size(), kHashBytes);
  Result<ParsedApiKey> parsed = ParseApiKey(key->text);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->key_id, key->key_id);
  KeyRecord record{key->key_id, "ci", Scope::kRead, key->salt, key->hash, false};
  EXPECT_TRUE(VerifyKey(record, *parsed).ok());
  // The stored hash is not the secret and depends on the salt.
  EXPECT_EQ(key->text.find(key->hash), std::string::npos);
  EXPECT_NE(HashSecret(std::string(kSaltBytes, 'x'), parsed->secret), key->hash);
}

TEST(ApiKeyTest, KeysAreUnique) {
  std::set<std::string> ids, texts;
  for (int i = 0; i < 1000; ++i) {
    Result<GeneratedApiKey> key = GenerateApiKey();
    ASSERT_TRUE(key.ok());
    ids.insert(key->key_id);
    texts.insert(key->text);
  }
  EXPECT_EQ(ids.size(), 1000u);
  EXPECT_EQ(texts.size(), 1000u);
}

TEST(ApiKeyTest, WrongSecretAndRevokedKeysAreRefused) {
  Result<GeneratedApiKey> key = GenerateApiKey();
  ASSERT_TRUE(key.ok());
  KeyRecord record{key->key_id, "ci", Scope::kAdmin, key->salt, key->hash, false};
  Result<ParsedApiKey> parsed = ParseApiKey(key->text);
  ASSERT_TRUE(parsed.ok());
  // One flipped hex digit in the secret.
  ParsedApiKey wrong = *parsed;
  wrong.secret[10] = wrong.secret[10] == 'a' ? 'b' : 'a';
  Status s = VerifyKey(record, wrong);
  EXPECT_EQ(s.code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(s.message().find(wrong.secret), std::string::npos) << "a message leaks the secret";
  record.revoked = true;
  s = VerifyKey(record, *parsed);
  EXPECT_EQ(s.code(), ErrorCode::kUnauthenticated);
  EXPECT_NE(s.message().find("revoked"), std::string::npos);
}

TEST(ApiKeyTest, MalformedKeysAreRefusedWithoutEchoingThem) {
  const std::string good = "gm_0123456789abcdef_" + std::string(64, 'a');
  ASSERT_TRUE(ParseApiKey(good).ok());
  for (const std::string& text :
       {std::string(), std::string("gm_"), good.substr(1), good + "a", "xx" + good.substr(2),
        "gm_0123456789ABCDEF_" + std::string(64, 'a'),
        "gm_0123456789abcdef-" + std::string(64, 'a'),
        "gm_0123456789abcdef_" + std::string(63, 'a') + "g",
        "gm_0123456789abcdef_" + std::string(63, 'a') + "\n", std::string("' OR 1=1 --")}) {
    Result<ParsedApiKey> parsed = ParseApiKey(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.status().code(), ErrorCode::kUnauthenticated);
    if (text.size() > 4) {  // ("gm_" is in the message's format hint)
      EXPECT_EQ(parsed.status().message().find(text), std::string::npos);
    }
  }
}

TEST(ApiKeyTest, ConstantTimeEqualsComparesBytes) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0b", 3)));
  EXPECT_FALSE(ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0c", 3)));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
}

TEST(ApiKeyTest, ScopesAndNames) {
  EXPECT_TRUE(ScopeAllows(Scope::kAdmin, Scope::kRead));
  EXPECT_TRUE(ScopeAllows(Scope::kAdmin, Scope::kAdmin));
  EXPECT_TRUE(ScopeAllows(Scope::kRead, Scope::kRead));
  EXPECT_FALSE(ScopeAllows(Scope::kRead, Scope::kAdmin));
  EXPECT_EQ(*ParseScope("admin"), Scope::kAdmin);
  Result<Scope> bad = ParseScope("root");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("'root'"), std::string::npos);
  for (const char* ok : {"ci", "grafana-prod", "bench.1", "A_b"}) {
    EXPECT_TRUE(ValidateKeyName(ok).ok()) << ok;
  }
  for (std::string bad_name :
       {std::string(), std::string("-x"), std::string(".x"), std::string("a b"),
        std::string("x;DROP"), std::string(65, 'a'), std::string("ключ")}) {
    EXPECT_EQ(ValidateKeyName(bad_name).code(), ErrorCode::kInvalidArgument) << bad_name;
  }
}

// ---- the verifier's cache ----

class FakeSource : public KeyRecordSource {
 public:
  Result<std::optional<KeyRecord>> Find(const std::string& key_id) override {
    ++finds;
    if (!available) return Unavailable("store down");
    auto it = records.find(key_id);
    if (it == records.end()) return std::optional<KeyRecord>();
    return std::optional<KeyRecord>(it->second);
  }
  Status RecordUse(const std::string& key_id) override {
    touched.push_back(key_id);
    return Status::Ok();
  }
  std::map<std::string, KeyRecord> records;
  std::vector<std::string> touched;
  int finds = 0;
  bool available = true;
};

struct Issued {
  std::string text;
  std::string id;
};

Issued Issue(FakeSource& source, const std::string& name, Scope scope) {
  GeneratedApiKey key = GenerateApiKey().value();
  source.records[key.key_id] = KeyRecord{key.key_id, name, scope, key.salt, key.hash, false};
  return {key.text, key.key_id};
}

TEST(ApiKeyVerifierTest, CachesForTtlAndSeesRevocationAfterIt) {
  FakeSource source;
  ManualClock clock(1'000 * kMicrosPerSecond);
  ApiKeyVerifier verifier(source, clock, {kMicrosPerSecond, kMicrosPerMinute, 100});
  Issued k = Issue(source, "ci", Scope::kAdmin);

  Result<Principal> p = verifier.Verify(k.text);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->name, "ci");
  EXPECT_EQ(p->scope, Scope::kAdmin);
  EXPECT_EQ(source.finds, 1);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(verifier.Verify(k.text).ok());
  EXPECT_EQ(source.finds, 1) << "within the ttl the cached record is used";
  EXPECT_EQ(source.touched.size(), 1u) << "uses are recorded at most once per interval";

  source.records[k.id].revoked = true;
  clock.Advance(999 * kMicrosPerMilli);
  EXPECT_TRUE(verifier.Verify(k.text).ok()) << "still cached";
  clock.Advance(1 * kMicrosPerMilli);
  Result<Principal> after = verifier.Verify(k.text);
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(source.finds, 2);
}

TEST(ApiKeyVerifierTest, WrongSecretWithAKnownIdIsRefusedEvenWhenCached) {
  FakeSource source;
  ManualClock clock(0);
  ApiKeyVerifier verifier(source, clock, {});
  Issued k = Issue(source, "ci", Scope::kRead);
  ASSERT_TRUE(verifier.Verify(k.text).ok());
  std::string forged = k.text;
  forged.back() = forged.back() == '0' ? '1' : '0';
  EXPECT_EQ(verifier.Verify(forged).status().code(), ErrorCode::kUnauthenticated);
}

TEST(ApiKeyVerifierTest, UnknownKeysAreCachedTooAndStoreErrorsPassThrough) {
  FakeSource source;
  ManualClock clock(0);
  ApiKeyVerifier verifier(source, clock, {});
  const std::string unknown = "gm_00000000000000ff_" + std::string(64, '0');
  EXPECT_EQ(verifier.Verify(unknown).status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(verifier.Verify(unknown).status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(source.finds, 1);
  // Malformed keys never reach the store.
  EXPECT_EQ(verifier.Verify("nonsense").status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(source.finds, 1);

  Issued k = Issue(source, "ci", Scope::kRead);
  source.available = false;
  EXPECT_EQ(verifier.Verify(k.text).status().code(), ErrorCode::kUnavailable);
}

TEST(ApiKeyVerifierTest, CacheStaysBounded) {
  FakeSource source;
  ManualClock clock(0);
  ApiKeyVerifier verifier(source, clock, {kMicrosPerSecond, kMicrosPerMinute, 8});
  Issued k = Issue(source, "ci", Scope::kRead);
  for (int i = 0; i < 100; ++i) {
    char id[17];
    std::snprintf(id, sizeof id, "%016x", i + 1);
    (void)verifier.Verify("gm_" + std::string(id) + "_" + std::string(64, '0'));
  }
  EXPECT_TRUE(verifier.Verify(k.text).ok());
}

// ---- the Authenticator ----

class FixedVerifier : public KeyVerifier {
 public:
  Result<Principal> Verify(std::string_view key) override {
    seen.emplace_back(key);
    if (key == "good-read") return Principal{"reader", Scope::kRead};
    if (key == "good-admin") return Principal{"boss", Scope::kAdmin};
    if (key == "down") return Unavailable("store down");
    return Unauthenticated("unknown API key");
  }
  std::vector<std::string> seen;
};

TEST(AuthenticatorTest, Matrix) {
  FixedVerifier verifier;
  Authenticator auth(AuthConfig{}, &verifier);
  const std::string api = "/api/v1/sales/summary";
  struct Case {
    HttpHeaders headers;
    Scope required;
    ErrorCode want;
    std::string name;
  };
  const std::vector<Case> cases = {
      {{}, Scope::kRead, ErrorCode::kUnauthenticated, ""},
      {{{"x-api-key", "bad"}}, Scope::kRead, ErrorCode::kUnauthenticated, ""},
      {{{"X-API-Key", "good-read"}}, Scope::kRead, ErrorCode::kOk, "reader"},
      {{{"x-api-key", " good-read "}}, Scope::kRead, ErrorCode::kOk, "reader"},
      {{{"authorization", "Bearer good-read"}}, Scope::kRead, ErrorCode::kOk, "reader"},
      {{{"Authorization", "bearer good-admin"}}, Scope::kAdmin, ErrorCode::kOk, "boss"},
      {{{"authorization", "Basic Zm9vOmJhcg=="}}, Scope::kRead, ErrorCode::kUnauthenticated, ""},
      {{{"authorization", "Bearer"}}, Scope::kRead, ErrorCode::kUnauthenticated, ""},
      {{{"x-api-key", ""}}, Scope::kRead, ErrorCode::kUnauthenticated, ""},
      {{{"x-api-key", "good-read"}}, Scope::kAdmin, ErrorCode::kPermissionDenied, ""},
      {{{"x-api-key", "good-admin"}}, Scope::kAdmin, ErrorCode::kOk, "boss"},
      {{{"x-api-key", "good-read"}, {"authorization", "Bearer good-admin"}},
       Scope::kRead,
       ErrorCode::kUnauthenticated,
       ""},
      {{{"x-api-key", "good-read"}, {"authorization", "Bearer good-read"}},
       Scope::kRead,
       ErrorCode::kOk,
       "reader"},
      {{{"x-api-key", "down"}}, Scope::kRead, ErrorCode::kUnavailable, ""},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    Result<Principal> p = auth.Admit(api, cases[i].headers, cases[i].required);
    EXPECT_EQ(p.status().code(), cases[i].want) << "case " << i << ": " << p.status().ToString();
    if (p.ok()) {
      EXPECT_EQ(p->name, cases[i].name) << "case " << i;
    }
  }
}

TEST(AuthenticatorTest, PublicPathsAndSwitchingAuthOff) {
  FixedVerifier verifier;
  AuthConfig config;
  config.public_paths = {"/health", "/docs/*", "/"};
  Authenticator auth(config, &verifier);
  EXPECT_TRUE(auth.IsPublic("/health"));
  EXPECT_TRUE(auth.IsPublic("/"));
  EXPECT_TRUE(auth.IsPublic("/docs/index.html"));
  EXPECT_FALSE(auth.IsPublic("/healthz"));
  EXPECT_FALSE(auth.IsPublic("/api/v1/sales/summary"));
  EXPECT_FALSE(auth.IsPublic("/docs/../api/v1/sales/summary"));
  EXPECT_FALSE(auth.IsPublic("/docs/%2e%2e/api/v1/sales/summary"));
  EXPECT_FALSE(auth.IsPublic("/docs/%2E%2E/api"));

  Result<Principal> anon = auth.Admit("/health", {}, Scope::kRead);
  ASSERT_TRUE(anon.ok());
  EXPECT_TRUE(anon->anonymous());
  // A key sent to a public path is still checked.
  EXPECT_EQ(auth.Admit("/health", {{"x-api-key", "bad"}}, Scope::kRead).status().code(),
            ErrorCode::kUnauthenticated);
  EXPECT_EQ(auth.Admit("/health", {{"x-api-key", "good-read"}}, Scope::kRead)->name, "reader");

  config.enabled = false;
  Authenticator open(config, nullptr);
  Result<Principal> p = open.Admit("/api/v1/explorer/query", {}, Scope::kAdmin);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->scope, Scope::kAdmin);
  EXPECT_EQ(Authenticator::ChallengeHeaders().at(0).first, "WWW-Authenticate");
}

// ---- the rate limiter ----

TEST(RateLimiterTest, BurstThenSustainedRate) {
  ManualClock clock(0);
  AuthConfig config;
  config.rate_limit = 10;
  config.rate_burst = 5;
  RateLimiter limiter(config, clock);
  for (int i = 0; i < 5; ++i) {
    RateDecision d = limiter.Acquire("k");
    ASSERT_TRUE(d.allowed) << i;
    EXPECT_EQ(d.remaining, 4 - i);
    EXPECT_EQ(d.limit, 5);
  }
  RateDecision refused = limiter.Acquire("k");
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, 100 * kMicrosPerMilli);
  HttpHeaders headers = RateLimiter::Headers(refused);
  EXPECT_EQ(FindHeader(headers, "Retry-After").value_or(""), "1");
  EXPECT_EQ(FindHeader(headers, "RateLimit-Remaining").value_or(""), "0");
  // Another key has its own bucket.
  EXPECT_TRUE(limiter.Acquire("other").allowed);
  // 10/s: one token every 100 ms.
  clock.Advance(99 * kMicrosPerMilli);
  EXPECT_FALSE(limiter.Acquire("k").allowed);
  clock.Advance(1 * kMicrosPerMilli);
  EXPECT_TRUE(limiter.Acquire("k").allowed);
  EXPECT_FALSE(limiter.Acquire("k").allowed);
  // Over one simulated minute a key gets burst + rate × 60 requests, no more.
  clock.Advance(10 * kMicrosPerSecond);  // refills to the burst, not beyond
  int allowed = 0;
  for (int ms = 0; ms < 60'000; ++ms) {
    for (int i = 0; i < 3; ++i) allowed += limiter.Acquire("k").allowed ? 1 : 0;
    clock.Advance(kMicrosPerMilli);
  }
  EXPECT_GE(allowed, 5 + 600 - 1);
  EXPECT_LE(allowed, 5 + 600);
}

TEST(RateLimiterTest, ExemptKeysAndUnlimitedConfig) {
  ManualClock clock(0);
  AuthConfig config;
  config.rate_limit = 1;
  config.rate_burst = 1;
  config.rate_limit_exempt = {"bench"};
  RateLimiter limiter(config, clock);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(limiter.Acquire("bench").allowed);
  EXPECT_TRUE(RateLimiter::Headers(limiter.Acquire("bench")).empty());
  EXPECT_TRUE(limiter.Acquire("ci").allowed);
  EXPECT_FALSE(limiter.Acquire("ci").allowed);

  config.rate_limit = 0;
  RateLimiter unlimited(config, clock);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(unlimited.Acquire("ci").allowed);
}

TEST(RateLimiterTest, IdleBucketsAreForgotten) {
  ManualClock clock(0);
  AuthConfig config;
  config.rate_limit = 100;
  config.rate_burst = 10;
  RateLimiter limiter(config, clock);
  for (int i = 0; i < 20'000; ++i) {
    (void)limiter.Acquire("client-" + std::to_string(i));
    clock.Advance(kMicrosPerMilli);
  }
  EXPECT_LT(limiter.size(), 10'000u);
}

// ---- CORS ----

TEST(CorsTest, AllowedAndDeniedOrigins) {
  CorsConfig config;
  config.allowed_origins = {"https://dash.example.com", "http://localhost:3000"};
  CorsPolicy cors(config);
  EXPECT_TRUE(cors.OriginAllowed("https://dash.example.com"));
  EXPECT_TRUE(cors.OriginAllowed("HTTPS://DASH.example.com"));
  EXPECT_FALSE(cors.OriginAllowed("https://dash.example.com.evil.com"));
  EXPECT_FALSE(cors.OriginAllowed("http://dash.example.com"));
  EXPECT_FALSE(cors.OriginAllowed("null"));
  EXPECT_FALSE(cors.OriginAllowed(""));

  HttpHeaders ok = cors.ResponseHeaders({{"origin", "http://localhost:3000"}});
  EXPECT_EQ(FindHeader(ok, "Access-Control-Allow-Origin").value_or(""), "http://localhost:3000");
  EXPECT_EQ(FindHeader(ok, "Vary").value_or(""), "Origin");
  EXPECT_TRUE(FindHeader(ok, "Access-Control-Expose-Headers"));

  HttpHeaders denied = cors.ResponseHeaders({{"origin", "https://evil.com"}});
  EXPECT_FALSE(FindHeader(denied, "Access-Control-Allow-Origin"));
  EXPECT_EQ(FindHeader(denied, "Vary").value_or(""), "Origin");
  EXPECT_FALSE(FindHeader(cors.ResponseHeaders({}), "Access-Control-Allow-Origin"));

  CorsPolicy none(CorsConfig{});
  EXPECT_TRUE(none.ResponseHeaders({{"origin", "https://dash.example.com"}}).empty());
}

TEST(CorsTest, Preflight) {
  CorsConfig config;
  config.allowed_origins = {"https://dash.example.com"};
  config.max_age = 600 * kMicrosPerSecond;
  CorsPolicy cors(config);
  const HttpHeaders request = {{"origin", "https://dash.example.com"},
                               {"access-control-request-method", "POST"},
                               {"access-control-request-headers", "content-type, x-api-key"}};
  EXPECT_TRUE(CorsPolicy::IsPreflight("OPTIONS", request));
  EXPECT_FALSE(CorsPolicy::IsPreflight("GET", request));
  EXPECT_FALSE(CorsPolicy::IsPreflight("OPTIONS", {{"origin", "https://dash.example.com"}}));

  CorsPolicy::PreflightAnswer a = cors.Preflight(request, {"POST"});
  EXPECT_EQ(a.status, 204) << a.reason;
  EXPECT_EQ(FindHeader(a.headers, "Access-Control-Allow-Origin").value_or(""),
            "https://dash.example.com");
  EXPECT_EQ(FindHeader(a.headers, "Access-Control-Allow-Methods").value_or(""), "POST, OPTIONS");
  EXPECT_EQ(FindHeader(a.headers, "Access-Control-Allow-Headers").value_or(""),
            "content-type, x-api-key");
  EXPECT_EQ(FindHeader(a.headers, "Access-Control-Max-Age").value_or(""), "600");
  EXPECT_NE(FindHeader(a.headers, "Vary").value_or("").find("Origin"), std::string_view::npos);

  auto refused = [&](HttpHeaders h, std::vector<std::string> methods) {
    CorsPolicy::PreflightAnswer r = cors.Preflight(h, methods);
    EXPECT_FALSE(FindHeader(r.headers, "Access-Control-Allow-Origin"));
    EXPECT_TRUE(FindHeader(r.headers, "Vary"));
    return r.status;
  };
  EXPECT_EQ(refused({{"origin", "https://evil.com"}, {"access-control-request-method", "POST"}},
                    {"POST"}),
            403);
  EXPECT_EQ(
      refused({{"origin", "https://dash.example.com"}, {"access-control-request-method", "DELETE"}},
              {"GET", "POST"}),
      403);
  EXPECT_EQ(refused({{"origin", "https://dash.example.com"},
                     {"access-control-request-method", "GET"},
                     {"access-control-request-headers", "x-api-key, x-evil"}},
                    {"GET"}),
            403);
}

TEST(CorsTest, AnyOrigin) {
  CorsConfig config;
  config.allowed_origins = {"*"};
  CorsPolicy cors(config);
  EXPECT_TRUE(cors.OriginAllowed("https://anything.example"));
  EXPECT_FALSE(cors.OriginAllowed("null"));
  HttpHeaders h = cors.ResponseHeaders({{"origin", "https://anything.example"}});
  EXPECT_EQ(FindHeader(h, "Access-Control-Allow-Origin").value_or(""), "*");
}

}  // namespace
}  // namespace gm::server

namespace gm::server {
namespace {

TEST(RateLimiterTest, AcquireForKeysByNameOrAddressAndHonoursExemptions) {
  ManualClock clock(0);
  AuthConfig config;
  config.rate_limit = 1;
  config.rate_burst = 2;
  config.rate_limit_exempt = {"bench"};
  RateLimiter limiter(config, clock);
  const Principal bench{"bench", Scope::kRead}, ci{"ci", Scope::kRead}, anon{};
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(limiter.AcquireFor(bench, "10.0.0.1").allowed);
  EXPECT_TRUE(limiter.AcquireFor(ci, "10.0.0.1").allowed);
  EXPECT_TRUE(limiter.AcquireFor(ci, "10.0.0.2").allowed);
  EXPECT_FALSE(limiter.AcquireFor(ci, "10.0.0.3").allowed) << "one bucket per key, any address";
  EXPECT_TRUE(limiter.AcquireFor(anon, "10.0.0.1").allowed);
  EXPECT_TRUE(limiter.AcquireFor(anon, "10.0.0.1").allowed);
  EXPECT_FALSE(limiter.AcquireFor(anon, "10.0.0.1").allowed);
  EXPECT_TRUE(limiter.AcquireFor(anon, "10.0.0.2").allowed) << "anonymous: per address";
  // An anonymous caller cannot borrow an exempt name through its address.
  EXPECT_TRUE(limiter.AcquireFor(anon, "bench").allowed);
  EXPECT_TRUE(limiter.AcquireFor(anon, "bench").allowed);
  EXPECT_FALSE(limiter.AcquireFor(anon, "bench").allowed);
  // Acquire with the bucket names AcquireFor uses.
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(limiter.Acquire("key:bench").allowed);
  EXPECT_FALSE(limiter.Acquire("addr:bench").allowed) << "the bucket drained above, not exempt";
}

}  // namespace
}  // namespace gm::server
