/*
 * schema_pg.c: the migrations of schema.c in PostgreSQL's dialect (15 and later). Entry k does
 * on PostgreSQL what store_migrations[k] does on SQLite: the same tables, columns and
 * semantics, with these differences (docs/architecture.md, "PostgreSQL schema and Citus"):
 *  - integers are BIGINT, REAL is DOUBLE PRECISION, BLOB is BYTEA, AUTOINCREMENT ids are
 *    identity columns;
 *  - migration 1 creates SQL functions of SQLite's names that the store's SQL uses
 *    (unixepoch, instr, json, json_patch, json_extract, json_each over text, strftime) and
 *    the trigger functions (PL/pgSQL) of the append-only tables, the change log, the read
 *    generations and the external-id lookup tables;
 *  - Citus-ready: the large tables (people, interactions, feedback, score_history, ledger)
 *    carry account_id and each of their unique keys includes it; the global uniqueness of an
 *    external id is kept by a small lookup table <table>_keys(ext_id PRIMARY KEY, account_id,
 *    id) that triggers maintain; no foreign key points from a table to a large one (the
 *    store checks those references itself, and on PostgreSQL triggers refuse a dangling one);
 *  - every change-log trigger takes the store's write lock (STORE_PG_WRITE_LOCK, 6518887)
 *    before its first write so the change log's seq is commit order, and a statement that
 *    logged a change notifies channel cxg_changes with the last seq it took.
 */
#include <stddef.h>

#include "store/schema.h"
#include "store/store_int.h"
#include "core/banned.h"

#define STR_(x) #x
#define STR(x) STR_(x)
/* pg_advisory_xact_lock(STORE_PG_WRITE_LOCK) */
#define WRITE_LOCK "pg_advisory_xact_lock(" STR(STORE_PG_WRITE_LOCK) ")"

#pragma GCC diagnostic ignored "-Woverlength-strings"

/* The change-log trigger of table t for entity number e; acc: how to find the account. */
#define CHG(t, e, acc)                                                                             \
        "CREATE TRIGGER " t "_chg_lock BEFORE INSERT OR UPDATE OR DELETE ON " t                    \
        " FOR EACH STATEMENT EXECUTE FUNCTION cxg_write_lock();"                                   \
        "CREATE TRIGGER " t "_chg_ins AFTER INSERT ON " t                                          \
        " FOR EACH ROW EXECUTE FUNCTION cxg_chg_row('" e "', '" acc "');"                          \
        "CREATE TRIGGER " t "_chg_upd AFTER UPDATE ON " t                                          \
        " FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)"                                        \
        " EXECUTE FUNCTION cxg_chg_row('" e "', '" acc "');"                                       \
        "CREATE TRIGGER " t "_chg_del AFTER DELETE ON " t                                          \
        " FOR EACH ROW EXECUTE FUNCTION cxg_chg_row('" e "', '" acc "');"                          \
        "CREATE TRIGGER " t "_chg_notify AFTER INSERT OR UPDATE OR DELETE ON " t                   \
        " FOR EACH STATEMENT EXECUTE FUNCTION cxg_chg_notify();"

/* Append-only table t: UPDATE, DELETE and TRUNCATE fail with msg (triggers as on SQLite). */
#define APPEND_ONLY(name, t, msg)                                                                  \
        "CREATE TRIGGER " name "_no_update BEFORE UPDATE ON " t                                    \
        " FOR EACH ROW EXECUTE FUNCTION cxg_refuse('" msg "');"                                    \
        "CREATE TRIGGER " name "_no_delete BEFORE DELETE ON " t                                    \
        " FOR EACH ROW EXECUTE FUNCTION cxg_refuse('" msg "');"                                    \
        "CREATE TRIGGER " name "_no_truncate BEFORE TRUNCATE ON " t                                \
        " FOR EACH STATEMENT EXECUTE FUNCTION cxg_refuse('" msg "');"

/* The lookup table of large table t's external ids and the triggers that keep it. */
#define KEYS(t)                                                                                    \
        "CREATE TABLE " t "_keys (ext_id TEXT PRIMARY KEY,"                                        \
        " account_id BIGINT NOT NULL, id BIGINT NOT NULL);"                                        \
        "CREATE TRIGGER " t "_keys_ins AFTER INSERT ON " t                                         \
        " FOR EACH ROW WHEN (NEW.ext_id IS NOT NULL) EXECUTE FUNCTION cxg_keys_sync();"            \
        "CREATE TRIGGER " t "_keys_upd AFTER UPDATE ON " t " FOR EACH ROW WHEN"                    \
        " (OLD.ext_id IS DISTINCT FROM NEW.ext_id OR OLD.account_id <> NEW.account_id"             \
        " OR OLD.id <> NEW.id) EXECUTE FUNCTION cxg_keys_sync();"                                  \
        "CREATE TRIGGER " t "_keys_del AFTER DELETE ON " t                                         \
        " FOR EACH ROW WHEN (OLD.ext_id IS NOT NULL) EXECUTE FUNCTION cxg_keys_sync();"

/* A read generation: every updated or deleted row of t bumps read_gen.col. */
#define READ_GEN(name, t, col)                                                                     \
        "CREATE TRIGGER read_gen_" name "_u AFTER UPDATE ON " t                                    \
        " FOR EACH ROW EXECUTE FUNCTION cxg_read_gen('" col "');"                                  \
        "CREATE TRIGGER read_gen_" name "_d AFTER DELETE ON " t                                    \
        " FOR EACH ROW EXECUTE FUNCTION cxg_read_gen('" col "');"

/* unixepoch() (the transaction's time, as SQLite's statement time) and instr(x, y) */
#define FN_SCALARS                                                                                 \
        "CREATE FUNCTION unixepoch() RETURNS BIGINT LANGUAGE sql STABLE"                           \
        " AS $$ SELECT floor(extract(epoch FROM now()))::BIGINT $$;"                               \
        "CREATE FUNCTION instr(x TEXT, y TEXT) RETURNS BIGINT LANGUAGE sql IMMUTABLE STRICT"       \
        " AS $$ SELECT strpos(x, y)::BIGINT $$;"

/*
 * json(x): x validated and minified (whitespace outside strings removed), as SQLite. Of type
 * JSON, as SQLite's result has its JSON subtype: json_build_object embeds it as a value, and
 * a TEXT column stores its text. json('literal') is PostgreSQL's cast to JSON (validated, not
 * minified); json(CAST(? AS TEXT)) or a TEXT column calls this function.
 */
#define FN_JSON                                                                                    \
        "CREATE FUNCTION json(x TEXT) RETURNS JSON LANGUAGE plpgsql IMMUTABLE STRICT AS $$"        \
        " BEGIN"                                                                                   \
        " RETURN regexp_replace(x::json::text, '(\"(?:[^\"\\\\]|\\\\.)*\")|[ \\t\\n\\r]+', "       \
        "'\\1', 'g')::json;"                                                                       \
        " END $$;"

/*
 * cxg_attr_merge(old, new): the store's update of attributes (MERGE_ATTR in entities.c): new
 * NULL keeps old, old NULL takes json(new), else a shallow merge where the new keys win and a
 * key given as null stays null; keys in SQLite's order (old keys first, then new ones).
 */
#define FN_ATTR_MERGE                                                                              \
        "CREATE FUNCTION cxg_attr_merge(old TEXT, new TEXT) RETURNS TEXT"                          \
        " LANGUAGE sql IMMUTABLE AS $$ SELECT CASE WHEN new IS NULL THEN old"                      \
        " WHEN old IS NULL THEN json(new)::text ELSE (SELECT '{' || coalesce(string_agg("          \
        " to_json(x.k)::text || ':' || json(x.v::text)::text, ',' ORDER BY x.g, x.n), '') || '}'"  \
        " FROM (SELECT 1 AS g, e.key AS k, e.value AS v, e.n"                                      \
        "  FROM json_each(old::json) WITH ORDINALITY e(key, value, n)"                             \
        "  WHERE e.key NOT IN (SELECT f.key FROM json_each(new::json) f)"                          \
        "  UNION ALL SELECT 2, e.key, e.value, e.n"                                                \
        "  FROM json_each(new::json) WITH ORDINALITY e(key, value, n)) x) END $$;"

/* RFC 7386 merge patch: a null in the patch removes the key */
#define FN_JSON_PATCH                                                                              \
        "CREATE FUNCTION cxg_merge_patch(t JSONB, p JSONB) RETURNS JSONB"                          \
        " LANGUAGE plpgsql IMMUTABLE AS $$ DECLARE k TEXT; v JSONB; BEGIN"                         \
        " IF jsonb_typeof(p) IS DISTINCT FROM 'object' THEN RETURN p; END IF;"                     \
        " IF jsonb_typeof(t) IS DISTINCT FROM 'object' THEN t := '{}'; END IF;"                    \
        " FOR k, v IN SELECT e.key, e.value FROM jsonb_each(p) e LOOP"                             \
        "  IF jsonb_typeof(v) = 'null' THEN t := t - k;"                                           \
        "  ELSE t := jsonb_set(t, ARRAY[k], cxg_merge_patch(t -> k, v)); END IF;"                  \
        " END LOOP; RETURN t; END $$;"                                                             \
        "CREATE FUNCTION json_patch(t TEXT, p TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE STRICT"    \
        " AS $$ SELECT json(cxg_merge_patch(t::jsonb, p::jsonb)::text)::text $$;"

/* a JSON value as SQLite hands it to SQL: strings unquoted, true 1, false 0 */
#define FN_JSON_VALUE                                                                              \
        "CREATE FUNCTION cxg_json_sql(v JSON) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$"           \
        " SELECT CASE json_typeof(v) WHEN 'string' THEN v #>> '{}'"                                \
        " WHEN 'boolean' THEN CASE WHEN v::text = 'true' THEN '1' ELSE '0' END"                    \
        " WHEN 'null' THEN NULL"                                                                   \
        " WHEN 'number' THEN CASE WHEN v::text ~ '[.eE]' THEN"                                     \
        "  regexp_replace((v::text)::DOUBLE PRECISION::text, '^(-?[0-9]+)$', '\\1.0')"             \
        "  ELSE v::text END"                                                                       \
        " ELSE json(v::text)::text END $$;"                                                        \
        "CREATE FUNCTION cxg_json_type(v JSON) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$"          \
        " SELECT CASE json_typeof(v) WHEN 'string' THEN 'text' WHEN 'number' THEN"                 \
        " CASE WHEN v::text ~ '[.eE]' THEN 'real' ELSE 'integer' END"                              \
        " WHEN 'boolean' THEN v::text ELSE json_typeof(v) END $$;"

/* json_extract(j, path): paths $, $.key, $."key", $[n] and chains of them */
#define FN_JSON_EXTRACT                                                                            \
        "CREATE FUNCTION json_extract(j TEXT, path TEXT) RETURNS TEXT"                             \
        " LANGUAGE plpgsql IMMUTABLE STRICT AS $$ DECLARE p TEXT[] := '{}'; r TEXT := path;"       \
        " m TEXT[]; BEGIN"                                                                         \
        " IF left(r, 1) <> '$' THEN RAISE EXCEPTION 'JSON path error near ''%''', path"            \
        "  USING ERRCODE = 'invalid_parameter_value'; END IF;"                                     \
        " r := substr(r, 2);"                                                                      \
        " WHILE r <> '' LOOP"                                                                      \
        "  m := regexp_match(r, '^\\.\"([^\"]*)\"(.*)$');"                                         \
        "  IF m IS NULL THEN m := regexp_match(r, '^\\.([^.[]+)(.*)$'); END IF;"                   \
        "  IF m IS NULL THEN m := regexp_match(r, '^\\[([0-9]+)\\](.*)$'); END IF;"                \
        "  IF m IS NULL THEN RAISE EXCEPTION 'JSON path error near ''%''', r"                      \
        "   USING ERRCODE = 'invalid_parameter_value'; END IF;"                                    \
        "  p := p || m[1]; r := m[2];"                                                             \
        " END LOOP;"                                                                               \
        " RETURN cxg_json_sql(j::json #> p); END $$;"

/* json_each(text): SQLite's columns key, value (as json_extract), type, atom */
#define FN_JSON_EACH                                                                               \
        "CREATE FUNCTION json_each(j TEXT)"                                                        \
        " RETURNS TABLE(key TEXT, value TEXT, type TEXT, atom TEXT)"                               \
        " LANGUAGE sql IMMUTABLE STRICT AS $$"                                                     \
        " SELECT e.key, cxg_json_sql(e.value), cxg_json_type(e.value),"                            \
        "  CASE WHEN json_typeof(e.value) IN ('object', 'array') THEN NULL"                        \
        "  ELSE cxg_json_sql(e.value) END"                                                         \
        " FROM json_each(j::json) WITH ORDINALITY e WHERE json_typeof(j::json) = 'object'"         \
        " UNION ALL"                                                                               \
        " SELECT (a.n - 1)::text, cxg_json_sql(a.value), cxg_json_type(a.value),"                  \
        "  CASE WHEN json_typeof(a.value) IN ('object', 'array') THEN NULL"                        \
        "  ELSE cxg_json_sql(a.value) END"                                                         \
        " FROM json_array_elements(CASE WHEN json_typeof(j::json) = 'array' THEN j::json END)"     \
        "  WITH ORDINALITY a(value, n) $$;"

/* strftime(fmt, time [, 'unixepoch']): %Y %m %d %H %M %S %s %j %w %%, in UTC */
#define FN_STRFTIME                                                                                \
        "CREATE FUNCTION strftime(fmt TEXT, t TEXT, modifier TEXT DEFAULT NULL) RETURNS TEXT"      \
        " LANGUAGE plpgsql STABLE AS $$ DECLARE ts TIMESTAMP; o TEXT := ''; i INT := 1; c TEXT;"   \
        " BEGIN IF fmt IS NULL OR t IS NULL THEN RETURN NULL; END IF;"                             \
        " IF modifier = 'unixepoch' THEN ts := to_timestamp(t::DOUBLE PRECISION) AT TIME ZONE "    \
        "'UTC';"                                                                                   \
        " ELSIF modifier IS NOT NULL THEN RETURN NULL;"                                            \
        " ELSIF t = 'now' THEN ts := now() AT TIME ZONE 'UTC';"                                    \
        " ELSE ts := t::TIMESTAMP; END IF;"                                                        \
        " WHILE i <= length(fmt) LOOP c := substr(fmt, i, 1);"                                     \
        "  IF c = '%' AND i < length(fmt) THEN i := i + 1; c := substr(fmt, i, 1);"                \
        "   o := o || CASE c WHEN 'Y' THEN to_char(ts, 'YYYY') WHEN 'm' THEN to_char(ts, 'MM')"    \
        "    WHEN 'd' THEN to_char(ts, 'DD') WHEN 'H' THEN to_char(ts, 'HH24')"                    \
        "    WHEN 'M' THEN to_char(ts, 'MI') WHEN 'S' THEN to_char(ts, 'SS')"                      \
        "    WHEN 'j' THEN to_char(ts, 'DDD') WHEN 'w' THEN extract(dow FROM ts)::text"            \
        "    WHEN 's' THEN floor(extract(epoch FROM ts))::BIGINT::text"                            \
        "    WHEN '%' THEN '%' ELSE NULL END;"                                                     \
        "   IF o IS NULL THEN RETURN NULL; END IF;"                                                \
        "  ELSE o := o || c; END IF; i := i + 1; END LOOP; RETURN o; END $$;"                      \
        "CREATE FUNCTION strftime(fmt TEXT, t DOUBLE PRECISION, modifier TEXT DEFAULT NULL)"       \
        " RETURNS TEXT LANGUAGE sql STABLE AS $$ SELECT strftime(fmt, t::text, modifier) $$;"

/* SQLite's functions that the store's SQL uses, under their names (test_schema_pg.c) */
#define FUNCS                                                                                      \
        FN_SCALARS FN_JSON FN_ATTR_MERGE FN_JSON_PATCH FN_JSON_VALUE FN_JSON_EXTRACT FN_JSON_EACH  \
            FN_STRFTIME

/* Trigger functions shared by the migrations' triggers. */
#define TR_REFUSE                                                                                  \
        "CREATE FUNCTION cxg_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"                \
        " IF TG_OP = 'UPDATE' AND current_setting('cxgarden.redact', true) = 'on' THEN"            \
        " RETURN NEW; END IF;"                                                                     \
        " RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'integrity_constraint_violation';"       \
        " END $$;"

/* the store's write lock (STORE_PG_WRITE_LOCK): re-entrant within a transaction */
#define TR_WRITE_LOCK                                                                              \
        "CREATE FUNCTION cxg_write_lock() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"            \
        " PERFORM " WRITE_LOCK "; RETURN NULL; END $$;"

/* one change-log row; ARGV: entity number, where the account is (self, account, none) */
#define TR_CHG_ROW                                                                                 \
        "CREATE FUNCTION cxg_chg_row() RETURNS trigger LANGUAGE plpgsql AS $$"                     \
        " DECLARE r RECORD; o BIGINT; a BIGINT; q BIGINT; BEGIN"                                   \
        " PERFORM " WRITE_LOCK ";"                                                                 \
        " IF TG_OP = 'DELETE' THEN r := OLD; o := 3;"                                              \
        " ELSIF TG_OP = 'UPDATE' THEN r := NEW; o := 2; ELSE r := NEW; o := 1; END IF;"            \
        " IF TG_ARGV[1] = 'self' THEN a := r.id;"                                                  \
        " ELSIF TG_ARGV[1] = 'account' THEN a := r.account_id; END IF;"                            \
        " INSERT INTO changes(at, entity, op, id_lo, id_hi, account_id)"                           \
        " VALUES (unixepoch(), TG_ARGV[0]::BIGINT, o, r.id, r.id, a) RETURNING seq INTO q;"        \
        " PERFORM set_config('cxg.chg_seq', q::text, true); RETURN NULL; END $$;"

/* after a statement that logged changes: wake the listeners (serve nodes) */
#define TR_CHG_NOTIFY                                                                              \
        "CREATE FUNCTION cxg_chg_notify() RETURNS trigger LANGUAGE plpgsql AS $$"                  \
        " DECLARE q TEXT := current_setting('cxg.chg_seq', true); BEGIN"                           \
        " IF q IS NOT NULL AND q <> '' THEN PERFORM pg_notify('cxg_changes', q);"                  \
        "  PERFORM set_config('cxg.chg_seq', '', true); END IF;"                                   \
        " RETURN NULL; END $$;"                                                                    \
        "CREATE FUNCTION cxg_read_gen() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"              \
        " IF TG_ARGV[0] = 'auth' THEN UPDATE read_gen SET auth = auth + 1;"                        \
        " ELSE UPDATE read_gen SET entities = entities + 1; END IF; RETURN NULL; END $$;"

/* <table>_keys: ext_id -> (account_id, id) of people, interactions and feedback */
#define TR_KEYS                                                                                    \
        "CREATE FUNCTION cxg_keys_sync() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"             \
        " IF TG_OP <> 'INSERT' AND OLD.ext_id IS NOT NULL THEN"                                    \
        "  IF TG_TABLE_NAME = 'people' THEN DELETE FROM people_keys WHERE ext_id = OLD.ext_id;"    \
        "  ELSIF TG_TABLE_NAME = 'interactions' THEN"                                              \
        "   DELETE FROM interactions_keys WHERE ext_id = OLD.ext_id;"                              \
        "  ELSE DELETE FROM feedback_keys WHERE ext_id = OLD.ext_id; END IF;"                      \
        " END IF;"                                                                                 \
        " IF TG_OP <> 'DELETE' AND NEW.ext_id IS NOT NULL THEN"                                    \
        "  IF TG_TABLE_NAME = 'people' THEN INSERT INTO people_keys(ext_id, account_id, id)"       \
        "   VALUES (NEW.ext_id, NEW.account_id, NEW.id);"                                          \
        "  ELSIF TG_TABLE_NAME = 'interactions' THEN"                                              \
        "   INSERT INTO interactions_keys(ext_id, account_id, id)"                                 \
        "   VALUES (NEW.ext_id, NEW.account_id, NEW.id);"                                          \
        "  ELSE INSERT INTO feedback_keys(ext_id, account_id, id)"                                 \
        "   VALUES (NEW.ext_id, NEW.account_id, NEW.id); END IF;"                                  \
        " END IF; RETURN NULL; END $$;"

/* a reference to a person (no foreign key to a large table): refuse a dangling one */
#define TR_PERSON_REF                                                                              \
        "CREATE FUNCTION cxg_person_ref() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"            \
        " IF NEW.person_id IS NOT NULL AND NOT EXISTS"                                             \
        "  (SELECT 1 FROM people WHERE id = NEW.person_id) THEN"                                   \
        "  RAISE EXCEPTION 'no person with internal id %', NEW.person_id"                          \
        "  USING ERRCODE = 'foreign_key_violation'; END IF; RETURN NEW; END $$;"

/* a person still referenced by a row of another table cannot be deleted */
#define TR_PERSON_IN_USE                                                                           \
        "CREATE FUNCTION cxg_person_in_use() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"         \
        " IF EXISTS (SELECT 1 FROM feedback WHERE person_id = OLD.id)"                             \
        "  OR EXISTS (SELECT 1 FROM objectives WHERE person_id = OLD.id)"                          \
        "  OR EXISTS (SELECT 1 FROM users WHERE person_id = OLD.id)"                               \
        "  OR EXISTS (SELECT 1 FROM garden_members WHERE person_id = OLD.id)"                      \
        "  OR EXISTS (SELECT 1 FROM ledger WHERE person_id = OLD.id) THEN"                         \
        "  RAISE EXCEPTION 'person % is still referenced', OLD.id"                                 \
        "  USING ERRCODE = 'foreign_key_violation'; END IF; RETURN OLD; END $$;"

#define TRIGGER_FUNCS                                                                              \
        TR_REFUSE TR_WRITE_LOCK TR_CHG_ROW TR_CHG_NOTIFY TR_KEYS TR_PERSON_REF TR_PERSON_IN_USE

/* The dangling-reference check of table t's person_id. */
#define PERSON_REF(t)                                                                              \
        "CREATE TRIGGER " t "_person_ref BEFORE INSERT OR UPDATE OF person_id ON " t               \
        " FOR EACH ROW EXECUTE FUNCTION cxg_person_ref();"

const char *const store_migrations_pg[] = {
    /* 1: foundation: entities, auth, audit, score history */
    FUNCS TRIGGER_FUNCS "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"

                        "CREATE TABLE accounts ("
                        " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
                        " ext_id TEXT NOT NULL UNIQUE,"
                        " name TEXT, plan TEXT, mrr DOUBLE PRECISION, currency TEXT,"
                        " created_at BIGINT, churned_at BIGINT, churned BIGINT NOT NULL DEFAULT 0,"
                        " owner TEXT, attributes TEXT);"

                        /* large: distributed by account_id under Citus */
                        "CREATE TABLE people ("
                        " id BIGINT GENERATED BY DEFAULT AS IDENTITY,"
                        " ext_id TEXT NOT NULL,"
                        " account_id BIGINT NOT NULL REFERENCES accounts(id),"
                        " name TEXT, email TEXT, role TEXT, seniority BIGINT NOT NULL DEFAULT 0,"
                        " created_at BIGINT, left_at BIGINT, attributes TEXT,"
                        " PRIMARY KEY (id, account_id));"
                        "CREATE INDEX people_account ON people(account_id);"
                        "CREATE INDEX people_ext ON people(ext_id);" KEYS("people")
    /* joins by person id go to this small table, not to people (check-citus) */
    "CREATE INDEX people_keys_id ON people_keys(id);"

    "CREATE TABLE subscriptions ("
    " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    " account_id BIGINT NOT NULL REFERENCES accounts(id),"
    " plan TEXT NOT NULL, mrr DOUBLE PRECISION NOT NULL,"
    " started_at BIGINT NOT NULL, ended_at BIGINT,"
    " UNIQUE (account_id, started_at));"

    "CREATE TABLE interaction_types ("
    " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, name TEXT NOT NULL UNIQUE);"

    /* large; no foreign keys, as on SQLite (the importer resolves references) */
    "CREATE TABLE interactions ("
    " id BIGINT GENERATED BY DEFAULT AS IDENTITY,"
    " ext_id TEXT,"
    " person_id BIGINT NOT NULL, account_id BIGINT NOT NULL,"
    " ts BIGINT NOT NULL, channel BIGINT NOT NULL, type_id BIGINT NOT NULL,"
    " duration_ms BIGINT, outcome BIGINT NOT NULL DEFAULT 0, value DOUBLE PRECISION,"
    " attributes TEXT,"
    " PRIMARY KEY (id, account_id));"
    "CREATE INDEX interactions_ext ON interactions(ext_id) WHERE ext_id IS NOT NULL;" KEYS(
        "interactions")

    /* large; person_id is checked by trigger (cxg_person_ref), not by a foreign key */
    "CREATE TABLE feedback ("
    " id BIGINT GENERATED BY DEFAULT AS IDENTITY,"
    " ext_id TEXT,"
    " person_id BIGINT NOT NULL,"
    " account_id BIGINT NOT NULL REFERENCES accounts(id),"
    " ts BIGINT NOT NULL, kind BIGINT NOT NULL, score DOUBLE PRECISION NOT NULL,"
    " comment TEXT, topic TEXT, channel BIGINT,"
    " PRIMARY KEY (id, account_id));"
    "CREATE INDEX feedback_ext ON feedback(ext_id) WHERE ext_id IS NOT NULL;"
    "CREATE INDEX feedback_person ON feedback(person_id);" KEYS("feedback") PERSON_REF("feedback")

        "CREATE TABLE capabilities ("
        " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
        " ext_id TEXT NOT NULL UNIQUE, name TEXT NOT NULL,"
        " plans TEXT NOT NULL DEFAULT '[]',"
        " interaction_types TEXT NOT NULL DEFAULT '[]');"

        /* small (a reference table under Citus): person_id checked by trigger */
        "CREATE TABLE objectives ("
        " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
        " ext_id TEXT NOT NULL UNIQUE,"
        " account_id BIGINT NOT NULL REFERENCES accounts(id),"
        " person_id BIGINT,"
        " title TEXT NOT NULL, importance BIGINT NOT NULL DEFAULT 3,"
        " status TEXT NOT NULL DEFAULT 'open',"
        " capabilities TEXT NOT NULL DEFAULT '[]');"
        "CREATE INDEX objectives_account ON objectives(account_id);"
        "CREATE INDEX objectives_person ON objectives(person_id);" PERSON_REF("objectives")

            "CREATE TABLE users ("
            " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
            " name TEXT NOT NULL UNIQUE, role TEXT NOT NULL,"
            " password_hash TEXT,"
            " person_id BIGINT,"
            " created_at BIGINT NOT NULL, disabled BIGINT NOT NULL DEFAULT 0);"
            "CREATE INDEX users_person ON users(person_id);" PERSON_REF("users")

                "CREATE TABLE sessions ("
                " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
                " token_hash BYTEA NOT NULL UNIQUE,"
                " csrf TEXT NOT NULL,"
                " user_id BIGINT NOT NULL REFERENCES users(id),"
                " created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL);"

                "CREATE TABLE api_tokens ("
                " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
                " token_hash BYTEA NOT NULL UNIQUE,"
                " prefix TEXT NOT NULL,"
                " user_id BIGINT NOT NULL REFERENCES users(id),"
                " scope TEXT NOT NULL,"
                " created_at BIGINT NOT NULL, expires_at BIGINT, revoked_at BIGINT);"

                "CREATE TABLE audit_log ("
                " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
                " at BIGINT NOT NULL, actor TEXT NOT NULL,"
                " action TEXT NOT NULL, entity TEXT NOT NULL, entity_id TEXT,"
                " summary TEXT);" APPEND_ONLY("audit", "audit_log", "audit log is append-only")

    /* large; its key already leads with account_id */
    "CREATE TABLE score_history ("
    " account_id BIGINT NOT NULL REFERENCES accounts(id),"
    " at BIGINT NOT NULL,"
    " computed_at BIGINT NOT NULL,"
    " scorecard TEXT NOT NULL,"
    " health DOUBLE PRECISION, robustness DOUBLE PRECISION, engagement DOUBLE PRECISION,"
    " band TEXT, components TEXT,"
    " PRIMARY KEY (account_id, at, scorecard));",

    /* 2: early warning: alerts, the tasks they become, webhooks and their delivery queue */
    "CREATE TABLE alerts ("
    " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    " kind TEXT NOT NULL, severity TEXT NOT NULL"
    "  CHECK (severity IN ('low', 'medium', 'high', 'critical')),"
    " subject_type TEXT NOT NULL, subject TEXT NOT NULL,"
    " dedup_key TEXT NOT NULL,"
    " summary TEXT NOT NULL,"
    " evidence TEXT NOT NULL,"
    " first_seen BIGINT NOT NULL, last_seen BIGINT NOT NULL, created_at BIGINT NOT NULL,"
    " status TEXT NOT NULL DEFAULT 'open'"
    "  CHECK (status IN ('open', 'acknowledged', 'resolved', 'dismissed')),"
    " status_reason TEXT, status_by TEXT, status_at BIGINT,"
    " account_id BIGINT REFERENCES accounts(id),"
    " person_ext TEXT,"
    " occurrences BIGINT NOT NULL DEFAULT 1);"
    "CREATE UNIQUE INDEX alerts_live ON alerts(dedup_key)"
    " WHERE status IN ('open', 'acknowledged');"
    "CREATE INDEX alerts_key ON alerts(dedup_key, status_at);"
    "CREATE INDEX alerts_account ON alerts(account_id);"

    "CREATE TABLE tasks ("
    " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    " alert_id BIGINT UNIQUE REFERENCES alerts(id),"
    " account_id BIGINT REFERENCES accounts(id),"
    " person_ext TEXT,"
    " owner TEXT NOT NULL, title TEXT NOT NULL, due_at BIGINT,"
    " status TEXT NOT NULL DEFAULT 'open'"
    "  CHECK (status IN ('open', 'in_progress', 'done', 'cancelled')),"
    " notes TEXT, outcome TEXT,"
    " action TEXT CHECK (action IS NULL OR"
    "  action IN ('call', 'meeting', 'email', 'fix', 'offer', 'other')),"
    " created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, resolved_at BIGINT,"
    " health_before DOUBLE PRECISION, health_after DOUBLE PRECISION, health_after_at BIGINT,"
    " reconnected BIGINT);"
    "CREATE INDEX tasks_owner ON tasks(owner, status);"
    "CREATE INDEX tasks_account ON tasks(account_id);"

    "CREATE TABLE webhooks ("
    " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    " url TEXT NOT NULL, secret TEXT NOT NULL,"
    " created_at BIGINT NOT NULL, disabled BIGINT NOT NULL DEFAULT 0,"
    " kinds TEXT,"
    " min_severity TEXT);"

    "CREATE TABLE webhook_deliveries ("
    " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    " webhook_id BIGINT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,"
    " alert_id BIGINT REFERENCES alerts(id),"
    " event TEXT NOT NULL, body TEXT NOT NULL,"
    " attempt BIGINT NOT NULL DEFAULT 0,"
    " status TEXT NOT NULL DEFAULT 'pending'"
    "  CHECK (status IN ('pending', 'delivered', 'failed')),"
    " next_at BIGINT NOT NULL, created_at BIGINT NOT NULL, delivered_at BIGINT,"
    " last_error TEXT, last_status BIGINT);"
    "CREATE INDEX deliveries_due ON webhook_deliveries(status, next_at);"
    "CREATE INDEX deliveries_webhook ON webhook_deliveries(webhook_id);",

    /* 3: customer gardens, members, ideas, experiments, rollouts and the incentive ledger */
    "CREATE TABLE gardens ("
    " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    " ext_id TEXT NOT NULL UNIQUE, name TEXT NOT NULL,"
    " topic TEXT NOT NULL, topic_custom TEXT, goal TEXT,"
    " owner TEXT,"
    " segment TEXT,"
    " starts_at BIGINT, ends_at BIGINT,"
    " created_at BIGINT NOT NULL, created_by TEXT NOT NULL);"

    /* person_id checked by trigger (no foreign key to a large table) */
    "CREATE TABLE garden_members ("
    " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    " garden_id BIGINT NOT NULL REFERENCES gardens(id),"
    " person_id BIGINT,"
    " user_id BIGINT REFERENCES users(id),"
    " role TEXT NOT NULL,"
    " status TEXT NOT NULL,"
    " invited_by BIGINT REFERENCES users(id),"
    " invited_at BIGINT NOT NULL, responded_at BIGINT, joined_at BIGINT, left_at BIGINT,"
    " CHECK ((person_id IS NULL) <> (user_id IS NULL)),"
    " UNIQUE (garden_id, person_id), UNIQUE (garden_id, user_id));"
    "CREATE INDEX garden_members_person ON garden_members(person_id);" PERSON_REF("garden_members")

        "CREATE TABLE ideas ("
        " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
        " garden_id BIGINT NOT NULL REFERENCES gardens(id),"
        " title TEXT NOT NULL, description TEXT, hypothesis TEXT,"
        " target_metric TEXT NOT NULL,"
        " author_id BIGINT NOT NULL REFERENCES users(id),"
        " state TEXT NOT NULL DEFAULT 'proposed',"
        " review_round BIGINT NOT NULL DEFAULT 0,"
        " created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);"
        "CREATE INDEX ideas_garden ON ideas(garden_id);"

        "CREATE TABLE idea_votes ("
        " idea_id BIGINT NOT NULL REFERENCES ideas(id),"
        " user_id BIGINT NOT NULL REFERENCES users(id),"
        " value BIGINT NOT NULL CHECK (value IN (-1, 1)), at BIGINT NOT NULL,"
        " PRIMARY KEY (idea_id, user_id));"

        "CREATE TABLE idea_comments ("
        " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
        " idea_id BIGINT NOT NULL REFERENCES ideas(id),"
        " user_id BIGINT NOT NULL REFERENCES users(id),"
        " body TEXT NOT NULL, at BIGINT NOT NULL);"

        "CREATE TABLE idea_transitions ("
        " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
        " idea_id BIGINT NOT NULL REFERENCES ideas(id),"
        " user_id BIGINT NOT NULL REFERENCES users(id),"
        " from_state TEXT NOT NULL, to_state TEXT NOT NULL, why TEXT NOT NULL, at BIGINT NOT NULL);"
        "CREATE INDEX idea_transitions_idea ON idea_transitions(idea_id);"

        "CREATE TABLE idea_approvals ("
        " idea_id BIGINT NOT NULL REFERENCES ideas(id),"
        " review_round BIGINT NOT NULL,"
        " user_id BIGINT NOT NULL REFERENCES users(id),"
        " why TEXT NOT NULL, at BIGINT NOT NULL,"
        " PRIMARY KEY (idea_id, review_round, user_id));"

        "CREATE TABLE experiments ("
        " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
        " idea_id BIGINT NOT NULL UNIQUE REFERENCES ideas(id),"
        " starts_at BIGINT NOT NULL, ends_at BIGINT NOT NULL,"
        " status TEXT NOT NULL,"
        " metric TEXT NOT NULL,"
        " result TEXT,"
        " result_at BIGINT, created_by BIGINT NOT NULL REFERENCES users(id),"
        " created_at BIGINT NOT NULL);"

        "CREATE TABLE experiment_accounts ("
        " experiment_id BIGINT NOT NULL REFERENCES experiments(id),"
        " account_id BIGINT NOT NULL REFERENCES accounts(id),"
        " PRIMARY KEY (experiment_id, account_id));"

        "CREATE TABLE rollouts ("
        " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
        " idea_id BIGINT NOT NULL REFERENCES ideas(id),"
        " segment TEXT NOT NULL,"
        " at BIGINT NOT NULL, created_by BIGINT NOT NULL REFERENCES users(id),"
        " note TEXT);"
        "CREATE TABLE rollout_accounts ("
        " rollout_id BIGINT NOT NULL REFERENCES rollouts(id),"
        " account_id BIGINT NOT NULL REFERENCES accounts(id),"
        " PRIMARY KEY (rollout_id, account_id));"

        /*
         * The incentive ledger, large and append-only. PostgreSQL adds account_id (the person's
         * account, 0 for staff entries), filled on insert, so that it can be distributed.
         */
        "CREATE TABLE ledger ("
        " id BIGINT GENERATED BY DEFAULT AS IDENTITY,"
        " at BIGINT NOT NULL,"
        " user_id BIGINT REFERENCES users(id),"
        " person_id BIGINT,"
        " team TEXT NOT NULL,"
        " garden_id BIGINT REFERENCES gardens(id),"
        " kind TEXT NOT NULL, points BIGINT NOT NULL,"
        " cause_type TEXT NOT NULL, cause_id BIGINT, note TEXT,"
        " account_id BIGINT NOT NULL DEFAULT 0,"
        " CHECK (user_id IS NOT NULL OR person_id IS NOT NULL),"
        " PRIMARY KEY (id, account_id));"
        "CREATE INDEX ledger_garden ON ledger(garden_id, at);"
        "CREATE INDEX ledger_person ON ledger(person_id);"
        "CREATE FUNCTION cxg_ledger_account() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
        " IF NEW.account_id = 0 AND NEW.person_id IS NOT NULL THEN"
        "  NEW.account_id := coalesce((SELECT account_id FROM people WHERE id = NEW.person_id), 0);"
        " END IF; RETURN NEW; END $$;"
        "CREATE TRIGGER ledger_account BEFORE INSERT ON ledger"
        " FOR EACH ROW EXECUTE FUNCTION cxg_ledger_account();" PERSON_REF("ledger")
            APPEND_ONLY("ledger", "ledger", "ledger is append-only")
    /* people referenced from the tables above (no foreign keys to people) */
    "CREATE TRIGGER people_in_use BEFORE DELETE ON people"
    " FOR EACH ROW EXECUTE FUNCTION cxg_person_in_use();"

    "CREATE TABLE ledger_points (kind TEXT PRIMARY KEY, points BIGINT NOT NULL);"
    "INSERT INTO ledger_points(kind, points) VALUES ('promotion', 10), ('enabling', 5),"
    " ('sponsoring', 8), ('participation', 1), ('idea', 5), ('feedback', 2);",

    /*
     * 4: the change log (store_changes.h) and the store's identity. One table on the
     * coordinator under Citus: seq is the global commit order, which the write lock
     * (STORE_PG_WRITE_LOCK) taken before a seq is drawn makes true. Interaction INSERTs have
     * no trigger, as on SQLite: store_put_interactions notes one id range per batch.
     */
    "CREATE TABLE changes ("
    " seq BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    " at BIGINT NOT NULL,"
    " entity BIGINT NOT NULL,"
    " op BIGINT NOT NULL,"
    " id_lo BIGINT NOT NULL, id_hi BIGINT NOT NULL,"
    " account_id BIGINT);"
    "CREATE INDEX changes_at ON changes(at);"
    "INSERT INTO meta(key, value) VALUES ('store.id', replace(gen_random_uuid()::text, '-', ''))"
    " ON CONFLICT (key) DO NOTHING;" CHG("accounts", "1", "self") CHG("people", "2", "account") CHG(
        "subscriptions", "3",
        "account") "CREATE TRIGGER interactions_chg_lock BEFORE UPDATE OR DELETE ON interactions"
                   " FOR EACH STATEMENT EXECUTE FUNCTION cxg_write_lock();"
                   "CREATE TRIGGER interactions_chg_upd AFTER UPDATE ON interactions"
                   " FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)"
                   " EXECUTE FUNCTION cxg_chg_row('4', 'account');"
                   "CREATE TRIGGER interactions_chg_del AFTER DELETE ON interactions"
                   " FOR EACH ROW EXECUTE FUNCTION cxg_chg_row('4', 'account');"
                   "CREATE TRIGGER interactions_chg_notify AFTER UPDATE OR DELETE ON interactions"
                   " FOR EACH STATEMENT EXECUTE FUNCTION cxg_chg_notify();" CHG(
                       "feedback", "5", "account") CHG("interaction_types", "6", "none")
                       CHG("capabilities", "7", "none") CHG("objectives", "8", "account"),

    /* 5: events the collection endpoints could not store, and messageIds already stored */
    "CREATE TABLE ingest_rejects ("
    " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    " at BIGINT NOT NULL,"
    " source TEXT NOT NULL,"
    " token_id BIGINT,"
    " message_id TEXT,"
    " kind TEXT,"
    " field TEXT,"
    " reason TEXT NOT NULL,"
    " payload TEXT);"
    "CREATE INDEX ingest_rejects_at ON ingest_rejects(at);"
    "CREATE TABLE collect_seen ("
    " token_id BIGINT NOT NULL,"
    " message_id TEXT NOT NULL,"
    " at BIGINT NOT NULL,"
    " PRIMARY KEY (token_id, message_id));",

    /* 6: generation counters of the API server's read caches (store_read_gen) */
    "CREATE TABLE read_gen (id BIGINT PRIMARY KEY CHECK (id = 1),"
    " auth BIGINT NOT NULL, entities BIGINT NOT NULL);"
    "INSERT INTO read_gen(id, auth, entities) VALUES (1, 0, 0);" READ_GEN("token", "api_tokens",
                                                                          "auth")
        READ_GEN("user", "users", "auth") READ_GEN("session", "sessions", "auth")
            READ_GEN("account", "accounts", "entities") READ_GEN("person", "people", "entities"),

    /* 7: state shared by several servers (schema.c) */
    "CREATE TABLE login_failures (key TEXT PRIMARY KEY, window_start BIGINT NOT NULL,"
    " failures BIGINT NOT NULL);"
    "CREATE INDEX login_failures_start ON login_failures(window_start);"
    "CREATE TABLE node_leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL,"
    " at BIGINT NOT NULL, expires_at BIGINT NOT NULL);",

    /*
     * 8: the scale-out cluster (schema.c), plus accounts.shard_key: cxg_shard_key(ext_id),
     * FNV-1a 32 over the UTF-8 bytes as src/model/shard.c computes it, kept by a trigger and
     * indexed, so a node loads its shards' interactions with a WHERE on shard_key % n. The
     * backfill of existing rows is no change of the account: the change-log and read-
     * generation row triggers are off while it runs (the migration holds the write lock).
     * The small cluster tables carry no account_id: under Citus they stay on the coordinator.
     */
    "CREATE TABLE cluster_meta (id BIGINT PRIMARY KEY CHECK (id = 1),"
    " n_shards BIGINT NOT NULL);"
    "CREATE TABLE cluster_nodes (name TEXT PRIMARY KEY, url TEXT NOT NULL DEFAULT '',"
    " started_at BIGINT NOT NULL, seen_at BIGINT NOT NULL, expires_at BIGINT NOT NULL,"
    " info TEXT NOT NULL DEFAULT '');"
    "CREATE TABLE shard_leases (shard BIGINT PRIMARY KEY, holder TEXT NOT NULL DEFAULT '',"
    " expires_at BIGINT NOT NULL DEFAULT 0, taken_at BIGINT NOT NULL DEFAULT 0);"
    "CREATE TABLE shard_partials (shard BIGINT PRIMARY KEY, node TEXT NOT NULL,"
    " seq BIGINT NOT NULL, at BIGINT NOT NULL, blob BYTEA NOT NULL);"
    "CREATE TABLE cluster_state (kind BIGINT NOT NULL, id BIGINT NOT NULL,"
    " account_id BIGINT NOT NULL, shard BIGINT NOT NULL, pub_seq BIGINT NOT NULL,"
    " blob BYTEA NOT NULL, PRIMARY KEY (kind, id));"
    "CREATE INDEX cluster_state_seq ON cluster_state(pub_seq);"
    "CREATE TABLE cluster_pub (id BIGINT PRIMARY KEY CHECK (id = 1), seq BIGINT NOT NULL);"
    "INSERT INTO cluster_pub(id, seq) VALUES (1, 0);"
    "CREATE FUNCTION cxg_shard_key(t TEXT) RETURNS BIGINT LANGUAGE plpgsql IMMUTABLE STRICT"
    " AS $$ DECLARE b BYTEA := convert_to(t, 'UTF8'); h BIGINT := 2166136261; BEGIN"
    " FOR i IN 0 .. length(b) - 1 LOOP"
    "  h := ((h # get_byte(b, i)) * 16777619) & 4294967295;"
    " END LOOP; RETURN h; END $$;"
    "CREATE FUNCTION cxg_account_shard_key() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
    " NEW.shard_key := cxg_shard_key(NEW.ext_id); RETURN NEW; END $$;"
    "ALTER TABLE accounts ADD COLUMN shard_key BIGINT;"
    "ALTER TABLE accounts DISABLE TRIGGER accounts_chg_upd;"
    "ALTER TABLE accounts DISABLE TRIGGER read_gen_account_u;"
    "UPDATE accounts SET shard_key = cxg_shard_key(ext_id);"
    "ALTER TABLE accounts ENABLE TRIGGER accounts_chg_upd;"
    "ALTER TABLE accounts ENABLE TRIGGER read_gen_account_u;"
    "CREATE TRIGGER accounts_shard_key BEFORE INSERT OR UPDATE OF ext_id ON accounts"
    " FOR EACH ROW EXECUTE FUNCTION cxg_account_shard_key();"
    "CREATE INDEX accounts_shard ON accounts(shard_key);",
    NULL,
};
