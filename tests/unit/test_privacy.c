/*
 * test_privacy.c: store_person_export and app_person_erase (src/store/privacy.c,
 * src/app/privacy.c): values of the export, unknown and already erased people, the id caches after
 * an erasure, and the append-only audit log restored exactly. tests/cli/privacy_erase.sh searches
 * the files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <math.h>
#include <jansson.h>

#include "core/alloc.h"
#include "engine/engine.h"
#include "store/store_int.h"
#include "app/privacy.h"
#include "store/store_privacy.h"
#include "testdb.h"

#define DB_FILE "tp_privacy.db"
/* the database: DB_FILE on SQLite, a fresh database per setup on PostgreSQL (testdb.h) */
static char DB[TESTDB_PATH_MAX] = DB_FILE;

/* The use-case operations (src/app/privacy.h) as `actor` now. */
static struct app_ctx as(struct store *s, const char *actor)
{
        struct app_ctx c = {s, actor, 0, NULL, (int64_t)time(NULL)};

        return c;
}

static enum cxg_err erase(struct store *s, const char *id, const char *actor,
                          struct store_erase_report *r, struct cxg_error *err)
{
        struct app_ctx c = as(s, actor);

        return app_person_erase(&c, id, r, err);
}

static enum cxg_err purge(struct store *s, int64_t before, int dry, const char *actor, int64_t *n,
                          struct cxg_error *err)
{
        struct app_ctx c = as(s, actor);

        return app_purge_interactions(&c, before, dry, n, err);
}

static void remove_db(void)
{
        unlink(DB_FILE);
        unlink(DB_FILE "-wal");
        unlink(DB_FILE "-shm");
}

static char *text(struct store *s, const char *sql)
{
        static char out[1024];
        sqlite3_stmt *st;

        out[0] = '\0';
        assert_int_equal(sqlite3_prepare_v2(s->db, sql, -1, &st, NULL), SQLITE_OK);
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
                snprintf(out, sizeof(out), "%s", (const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
        return out;
}

static struct store *setup(void)
{
        struct store *s = NULL;
        struct cxg_error err;
        struct account a;
        struct person p;
        struct feedback f;
        struct store_interaction row = {0};
        int64_t pid, aid;
        int32_t tid;

        remove_db();
        assert_int_equal(testdb_named(DB, sizeof(DB), DB_FILE, "privacy"), 0);
        assert_int_equal(store_open(DB, 0, &s, &err), CXG_OK);
        model_account_init(&a);
        a.id = "A1";
        assert_int_equal(store_put_account(s, &a, NULL, NULL, &err), CXG_OK);
        model_person_init(&p);
        p.id = "carol-9";
        p.account_id = "A1";
        p.name = "Carol Q";
        p.email = "carol@example.org";
        p.role = "Head of Support";
        p.created_at = 1700000000;
        p.attributes = "{\"city\":\"Lyon\"}";
        assert_int_equal(store_put_person(s, &p, NULL, NULL, &err), CXG_OK);
        assert_int_equal(store_person_ref(s, "carol-9", 7, &pid, &aid, &err), CXG_OK);
        assert_int_equal(store_type_id(s, "call", 4, &tid, &err), CXG_OK);
        row.person_id = pid;
        row.account_id = aid;
        row.ts = 1700000100;
        row.duration_ms = 1500;
        row.value = 2.5;
        row.type_id = tid;
        row.channel = CXG_CH_PHONE;
        row.outcome = CXG_OUT_FAILED;
        row.ext_id = "call-1";
        row.attributes = "{\"agent\":\"x\"}";
        assert_int_equal(store_put_interactions(s, &row, 1, NULL, NULL, &err), CXG_OK);
        model_feedback_init(&f);
        f.person_id = "carol-9";
        f.ts = 1700000200;
        f.kind = CXG_FB_CSAT;
        f.score = 4;
        f.comment = "slow answers";
        assert_int_equal(store_put_feedback(s, &f, NULL, NULL, &err), CXG_OK);
        return s;
}

static void test_export_holds_profile_interactions_and_comments(void **state)
{
        struct store *s = setup();
        struct cxg_error err;
        struct cxg_buf b;
        json_error_t je;
        json_t *j, *i;

        (void)state;
        cxg_buf_init(&b, 0);
        assert_int_equal(store_person_export(s, "carol-9", &b, &err), CXG_OK);
        j = json_loads(b.data, 0, &je);
        assert_non_null(j);
        assert_string_equal(
            json_string_value(json_object_get(json_object_get(j, "person"), "email")),
            "carol@example.org");
        assert_string_equal(
            json_string_value(json_object_get(json_object_get(j, "person"), "seniority")),
            "director");
        assert_string_equal(
            json_string_value(json_object_get(json_object_get(j, "person"), "created_at")),
            "2023-11-14T22:13:20Z");
        assert_int_equal(json_array_size(json_object_get(j, "interactions")), 1);
        i = json_array_get(json_object_get(j, "interactions"), 0);
        assert_string_equal(json_string_value(json_object_get(i, "id")), "call-1");
        assert_string_equal(json_string_value(json_object_get(i, "channel")), "phone");
        assert_string_equal(json_string_value(json_object_get(i, "type")), "call");
        assert_string_equal(json_string_value(json_object_get(i, "outcome")), "failed");
        assert_int_equal(json_integer_value(json_object_get(i, "duration_ms")), 1500);
        assert_true(json_real_value(json_object_get(i, "value")) == 2.5);
        assert_string_equal(
            json_string_value(json_object_get(json_object_get(i, "attributes"), "agent")), "x");
        i = json_array_get(json_object_get(j, "feedback"), 0);
        assert_string_equal(json_string_value(json_object_get(i, "comment")), "slow answers");
        assert_string_equal(json_string_value(json_object_get(i, "kind")), "csat");
        json_decref(j);
        cxg_buf_clear(&b);
        assert_int_equal(store_person_export(s, "nobody", &b, &err), CXG_ERR_NOTFOUND);
        assert_string_equal(err.msg, "export person: no person \"nobody\"");
        cxg_buf_release(&b);
        store_close(s);
        remove_db();
}

static void test_erase_forgets_the_old_id_and_keeps_the_audit_log_append_only(void **state)
{
        struct store *s = setup();
        struct store_erase_report r;
        struct cxg_error err;
        char trigger[1024];
        int64_t pid, aid;

        (void)state;
        snprintf(trigger, sizeof(trigger), "%s",
                 text(s, "SELECT sql FROM sqlite_master WHERE name = 'audit_no_update'"));
        assert_int_equal(erase(s, "carol-9", "dpo", &r, &err), CXG_OK);
        assert_int_equal(r.interactions, 1);
        assert_int_equal(r.feedback, 1);
        assert_int_equal(r.wal_frames_left, 0);
        assert_string_equal(r.anon_id, "erased-1");
        /* the caches no longer resolve the old id; the anonymous one resolves */
        assert_int_equal(store_person_ref(s, "carol-9", 7, &pid, &aid, &err), CXG_ERR_NOTFOUND);
        assert_int_equal(store_person_ref(s, "erased-1", 8, &pid, &aid, &err), CXG_OK);
        assert_string_equal(text(s, "SELECT coalesce(email, 'none') || coalesce(name, '') || "
                                    "coalesce(attributes, '') FROM people"),
                            "none");
        assert_string_equal(text(s, "SELECT coalesce(comment, 'none') || score FROM feedback"),
                            "none4.0");
        assert_string_equal(text(s, "SELECT summary FROM audit_log WHERE action = 'erase'"),
                            "{\"audit_redacted\":0,\"feedback\":1,\"interactions\":1,"
                            "\"mentions_redacted\":0,\"objectives\":0,\"users\":0}");
        /* the trigger is back, word for word */
        assert_string_equal(text(s, "SELECT sql FROM sqlite_master WHERE name = 'audit_no_update'"),
                            trigger);
        assert_int_not_equal(
            sqlite3_exec(s->db, "UPDATE audit_log SET actor = 'x'", NULL, NULL, NULL), SQLITE_OK);
        assert_int_equal(erase(s, "erased-1", "dpo", &r, &err), CXG_ERR_CONFLICT);
        assert_int_equal(erase(s, "carol-9", "dpo", &r, &err), CXG_ERR_NOTFOUND);
        store_close(s);
        remove_db();
}

static void test_erase_that_fails_changes_nothing(void **state)
{
        struct store *s = setup();
        struct store_erase_report r;
        struct cxg_error err;

        (void)state;
        /* a reader keeps nothing from failing; a write error mid-way rolls everything back */
        assert_int_equal(sqlite3_exec(s->db,
                                      "CREATE TRIGGER boom BEFORE UPDATE ON feedback BEGIN "
                                      "SELECT RAISE(ABORT, 'boom'); END",
                                      NULL, NULL, NULL),
                         SQLITE_OK);
        assert_int_not_equal(erase(s, "carol-9", "dpo", &r, &err), CXG_OK);
        assert_string_equal(text(s, "SELECT email FROM people"), "carol@example.org");
        assert_string_equal(text(s, "SELECT ext_id FROM interactions"), "call-1");
        assert_string_equal(text(s, "SELECT count(*) FROM audit_log"), "0");
        assert_string_equal(text(s, "SELECT count(*) FROM sqlite_master WHERE name = "
                                    "'audit_no_update'"),
                            "1");
        store_close(s);
        remove_db();
}

static void test_purge_deletes_only_interactions_before_the_cut(void **state)
{
        struct store *s = setup();
        struct store_interaction rows[3] = {{0}};
        struct cxg_error err;
        int64_t pid, aid, n = -1;
        int32_t tid;

        (void)state;
        assert_int_equal(store_person_ref(s, "carol-9", 7, &pid, &aid, &err), CXG_OK);
        assert_int_equal(store_type_id(s, "call", 4, &tid, &err), CXG_OK);
        for (int i = 0; i < 3; i++) {
                rows[i].person_id = pid;
                rows[i].account_id = aid;
                rows[i].ts = 1600000000 + i * 1000; /* before setup's one at 1700000100 */
                rows[i].duration_ms = -1;
                rows[i].value = NAN;
                rows[i].type_id = tid;
        }
        assert_int_equal(store_put_interactions(s, rows, 3, NULL, NULL, &err), CXG_OK);
        assert_int_equal(purge(s, 1600001500, 1, "t", &n, &err), CXG_OK);
        assert_int_equal(n, 2);
        assert_string_equal(text(s, "SELECT count(*) FROM interactions"), "4");
        assert_int_equal(purge(s, 1600001500, 0, "ops", &n, &err), CXG_OK);
        assert_int_equal(n, 2);
        assert_string_equal(text(s, "SELECT group_concat(ts) FROM interactions ORDER BY ts"),
                            "1700000100,1600002000");
        assert_string_equal(text(s, "SELECT actor || ' ' || summary FROM audit_log"),
                            "ops {\"before\":\"2020-09-13T12:51:40Z\",\"deleted\":2}");
        assert_string_equal(text(s, "SELECT count(*) FROM feedback"), "1");
        store_close(s);
        remove_db();
}

static void test_engine_reload_forgets_an_erased_person_and_their_comment(void **state)
{
        struct store *s = setup();
        struct store_erase_report r;
        struct cxg_error err;
        struct eng_engine e;
        uint32_t i;

        (void)state;
        assert_int_equal(eng_engine_open(&e, s, NULL, CXG_TS_NONE, 1, &err), CXG_OK);
        assert_int_not_equal(eng_person_find(&e.snap, "carol-9"), ENG_NONE);
        assert_int_equal(e.snap.n_fb, 1);
        assert_string_equal(e.snap.f_comment[0], "slow answers");
        assert_int_equal(erase(s, "carol-9", "dpo", &r, &err), CXG_OK);
        assert_int_equal(eng_engine_reload(&e, s, &err), CXG_OK);
        assert_int_equal(eng_person_find(&e.snap, "carol-9"), ENG_NONE);
        i = eng_person_find(&e.snap, "erased-1");
        assert_int_not_equal(i, ENG_NONE);
        assert_null(e.snap.p_name[i]);
        /* the comment is gone from the snapshot, its interned texts included */
        assert_int_equal(e.snap.n_fb, 1);
        assert_null(e.snap.f_comment[0]);
        assert_false(cxg_hmap_get(&e.snap.texts, "slow answers", 12, NULL));
        assert_int_equal(e.snap.n_people, 1);
        assert_int_equal(e.snap.main.n + e.snap.delta.n, 1); /* the interaction stays */
        eng_engine_release(&e);
        store_close(s);
        remove_db();
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_export_holds_profile_interactions_and_comments),
            cmocka_unit_test(test_erase_forgets_the_old_id_and_keeps_the_audit_log_append_only),
            cmocka_unit_test(test_erase_that_fails_changes_nothing),
            cmocka_unit_test(test_purge_deletes_only_interactions_before_the_cut),
            cmocka_unit_test(test_engine_reload_forgets_an_erased_person_and_their_comment),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
