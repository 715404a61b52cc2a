-- 0006_api_keys: API keys of the HTTP server (docs/security.md).
-- A key is `gm_<key_id>_<secret>`: key_id (16 hex digits, random) finds the row without a
-- scan; the secret (64 hex digits, 32 random bytes) is never stored, only
-- SHA-256(salt || secret) with a per-key random salt, compared in constant time by the
-- program. `globalmart apikey create|list|revoke` manages them.

CREATE TABLE api_keys (
  key_id       text PRIMARY KEY CHECK (key_id ~ '^[0-9a-f]{16}$'),
  name         text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
  scope        text NOT NULL CHECK (scope IN ('read', 'admin')),
  salt         bytea NOT NULL CHECK (length(salt) = 16),
  hash         bytea NOT NULL CHECK (length(hash) = 32),
  created_at   timestamptz NOT NULL DEFAULT now(),
  revoked_at   timestamptz,
  last_used_at timestamptz
);
COMMENT ON TABLE api_keys IS
  'API keys of the HTTP server, one row per key ever created (revoked ones stay, so a name is never reused). Secrets are not stored: hash = SHA-256(salt || secret).';
COMMENT ON COLUMN api_keys.key_id IS
  'The public lookup id inside the key text gm_<key_id>_<secret>; random, 16 hex digits.';
COMMENT ON COLUMN api_keys.name IS 'Who or what holds the key (unique, chosen at creation).';
COMMENT ON COLUMN api_keys.scope IS 'read: GET routes; admin: every route.';
COMMENT ON COLUMN api_keys.salt IS '16 random bytes hashed in front of the secret.';
COMMENT ON COLUMN api_keys.hash IS 'SHA-256(salt || secret), 32 bytes.';
COMMENT ON COLUMN api_keys.revoked_at IS 'When the key was revoked; NULL while it is valid.';
COMMENT ON COLUMN api_keys.last_used_at IS
  'Last successful authentication, updated at most about once a minute per key (wall clock).';

-- Readers (the API's read-only role, the data explorer) must not see the hashes: the
-- default privileges of 0001 granted SELECT, so take it back. The server verifies keys
-- through the two functions below, which run with the owner's rights and reveal one row
-- for a key_id the caller already knows.
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'globalmart_reader') THEN
    REVOKE ALL ON api_keys FROM globalmart_reader;
  END IF;
END
$$;

CREATE FUNCTION api_key_lookup(p_key_id text)
RETURNS TABLE (name text, scope text, salt bytea, hash bytea, revoked boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT k.name, k.scope, k.salt, k.hash, k.revoked_at IS NOT NULL
  FROM api_keys k WHERE k.key_id = p_key_id
$$;
COMMENT ON FUNCTION api_key_lookup(text) IS
  'The key with this key_id (at most one row), for verifying a presented key.';

CREATE FUNCTION api_key_touch(p_key_id text)
RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  UPDATE api_keys SET last_used_at = now()
  WHERE key_id = p_key_id AND revoked_at IS NULL
$$;
COMMENT ON FUNCTION api_key_touch(text) IS 'Records a successful use of a valid key.';

REVOKE ALL ON FUNCTION api_key_lookup(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION api_key_touch(text) FROM PUBLIC;
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'globalmart_reader') THEN
    GRANT EXECUTE ON FUNCTION api_key_lookup(text) TO globalmart_reader;
    GRANT EXECUTE ON FUNCTION api_key_touch(text) TO globalmart_reader;
  END IF;
END
$$;
