/*
 * test_snapfile.c: the persisted engine snapshot (engine/snapfile.h) on generated demo data:
 * a file-loaded engine equals a store-loaded one (column bytes and scores); a flipped byte
 * anywhere, a truncated file, another store's file, a file ahead of the store or behind its
 * change log's floor, and another format version are all rejected and the engine rebuilt
 * from the store; rows committed after the file are replayed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/snapfile.h"
#include "store/store.h"
#include "store/store_changes.h"
#include "testdb.h"

static char dir[64], db[TESTDB_PATH_MAX], file[160];

static int setup(void **st)
{
        const char *bin = getenv("CXG_BINARY");
        char cmd[TESTDB_PATH_MAX + 512];

        (void)st;
        if (!bin)
                return -1;
        snprintf(dir, sizeof(dir), "/tmp/cxg-snapfile-XXXXXX");
        if (!mkdtemp(dir))
                return -1;
        if (testdb_is_pg() ? testdb_path(db, sizeof(db), "snapfile") : 0)
                return -1;
        if (!testdb_is_pg())
                snprintf(db, sizeof(db), "%s/g.db", dir);
        snprintf(file, sizeof(file), "%s/g.db.snapshot", dir);
        snprintf(cmd, sizeof(cmd), "'%s' --db '%s' generate --seed 7 --scale 0.02 >/dev/null 2>&1",
                 bin, db);
        return system(cmd) == 0 ? 0 : -1;
}

static int teardown(void **st)
{
        char cmd[160];

        (void)st;
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        return system(cmd) == 0 ? 0 : -1;
}

static struct store *open_store(const char *path)
{
        struct store *s = NULL;
        struct cxg_error e;

        assert_int_equal(store_open(path, 0, &s, &e), CXG_OK);
        return s;
}

/* An engine loaded from the store whose file is written to `file`. */
static void open_and_save(struct eng_engine *e, struct store *s)
{
        struct cxg_error err;

        unlink(file);
        assert_int_equal(eng_engine_open(e, s, NULL, CXG_TS_NONE, 2, &err), CXG_OK);
        e->snapfile = strdup(file);
        assert_int_equal(eng_engine_save(e, s, &err), CXG_OK);
}

static void assert_same_scores(const struct eng_scores *a, const struct eng_scores *b)
{
        assert_int_equal(a->n_accounts, b->n_accounts);
        assert_int_equal(a->n_people, b->n_people);
        for (size_t i = 0; i < a->n_accounts; i++)
                assert_memory_equal(&a->acc[i], &b->acc[i],
                                    offsetof(struct eng_account_score, reasons));
        assert_memory_equal(a->p_engagement, b->p_engagement, a->n_people * sizeof(float));
}

static void assert_close_scores(const struct eng_scores *a, const struct eng_scores *b)
{
        assert_int_equal(a->n_accounts, b->n_accounts);
        for (size_t i = 0; i < a->n_accounts; i++) {
                float x = a->acc[i].engagement, y = b->acc[i].engagement;

                assert_true((isnan(x) && isnan(y)) || fabsf(x - y) < 1e-3f);
                x = a->acc[i].health;
                y = b->acc[i].health;
                assert_true((isnan(x) && isnan(y)) || fabsf(x - y) < 1e-3f);
        }
}

/* Open from `file` into e; returns whether the file was used. */
static int open_file(struct eng_engine *e, struct store *s, struct eng_open_report *rep)
{
        struct cxg_error err;

        assert_int_equal(eng_engine_open_file(e, s, NULL, CXG_TS_NONE, 2, file, rep, &err), CXG_OK);
        return rep->from_file;
}

static void test_round_trip(void **st)
{
        struct store *s = open_store(db);
        struct eng_engine ref, e;
        struct eng_open_report rep;
        const char *what = NULL;

        (void)st;
        open_and_save(&ref, s);
        assert_true(open_file(&e, s, &rep));
        assert_int_equal(rep.replayed, 0);
        assert_int_equal(eng_snapfile_compare(&ref.snap, &e.snap, &what), 0);
        assert_null(what);
        assert_true(e.snap.main.n > 90000);
        assert_true(e.snap.n_fb > 0 && e.snap.n_obj > 0 && e.snap.n_caps > 0);
        assert_int_equal(eng_account_find(&e.snap, ref.snap.a_ext[3]), 3);
        assert_int_equal(eng_person_find(&e.snap, ref.snap.p_ext[7]), 7);
        assert_same_scores(&ref.scores, &e.scores);
        /* the comparison itself sees a difference */
        e.snap.main.duration[5] ^= 1;
        assert_int_not_equal(eng_snapfile_compare(&ref.snap, &e.snap, &what), 0);
        assert_string_equal(what, "main.duration");
        eng_engine_release(&e);
        eng_engine_release(&ref);
        store_close(s);
}

static void flip(long off)
{
        int fd = open(file, O_RDWR);
        unsigned char c;

        assert_true(fd >= 0);
        assert_int_equal(pread(fd, &c, 1, off), 1);
        c ^= 0x10;
        assert_int_equal(pwrite(fd, &c, 1, off), 1);
        close(fd);
}

static long file_size(void)
{
        struct stat sb;

        assert_int_equal(stat(file, &sb), 0);
        return (long)sb.st_size;
}

static void test_flipped_byte_anywhere(void **st)
{
        struct store *s = open_store(db);
        struct eng_engine ref, e;
        struct eng_snapshot snap;
        struct eng_open_report rep;
        struct cxg_error err;
        const char *what;
        int64_t seq;
        char id[ENG_SNAPFILE_ID_MAX];
        long size, tried = 0;

        (void)st;
        assert_int_equal(store_identity(s, id, sizeof(id), &err), CXG_OK);
        open_and_save(&ref, s);
        size = file_size();
        /* every header byte, then bytes spread over the body including its last one */
        for (long off = 0; off < size; off += off < 512 ? 1 : size / 211) {
                flip(off);
                eng_snapshot_init(&snap, NULL);
                assert_int_not_equal(eng_snapfile_read(&snap, file, id, &seq, &err), CXG_OK);
                eng_snapshot_release(&snap);
                flip(off);
                tried++;
        }
        flip(size - 1);
        eng_snapshot_init(&snap, NULL);
        assert_int_equal(eng_snapfile_read(&snap, file, id, &seq, &err), CXG_ERR_INVALID);
        assert_non_null(strstr(err.msg, "checksum"));
        eng_snapshot_release(&snap);
        assert_true(tried > 600);
        /* the engine rebuilds from the store and writes a good file again */
        assert_false(open_file(&e, s, &rep));
        assert_non_null(strstr(rep.reason, "checksum"));
        assert_int_equal(eng_snapfile_compare(&ref.snap, &e.snap, &what), 0);
        assert_int_equal(eng_engine_save(&e, s, &err), CXG_OK);
        eng_engine_release(&e);
        assert_true(open_file(&e, s, &rep));
        eng_engine_release(&e);
        eng_engine_release(&ref);
        store_close(s);
}

static void test_truncated(void **st)
{
        struct store *s = open_store(db);
        struct eng_engine ref, e;
        struct eng_open_report rep;

        (void)st;
        open_and_save(&ref, s);
        assert_int_equal(truncate(file, file_size() / 2), 0);
        assert_false(open_file(&e, s, &rep));
        assert_non_null(strstr(rep.reason, "truncated"));
        eng_engine_release(&e);
        assert_int_equal(truncate(file, 100), 0);
        assert_false(open_file(&e, s, &rep));
        assert_non_null(strstr(rep.reason, "truncated"));
        assert_same_scores(&ref.scores, &e.scores);
        eng_engine_release(&e);
        eng_engine_release(&ref);
        store_close(s);
}

static void test_other_store_rejected(void **st)
{
        char other[TESTDB_PATH_MAX];
        struct store *s = open_store(db), *o;
        struct eng_engine ref, e;
        struct eng_open_report rep;

        (void)st;
        open_and_save(&ref, s);
        if (testdb_is_pg())
                assert_int_equal(testdb_path(other, sizeof(other), "snapfile_other"), 0);
        else
                snprintf(other, sizeof(other), "%s/other.db", dir);
        o = open_store(other);
        assert_false(open_file(&e, o, &rep));
        assert_non_null(strstr(rep.reason, "written for store"));
        assert_int_equal(e.snap.n_accounts, 0);
        eng_engine_release(&e);
        store_close(o);
        eng_engine_release(&ref);
        store_close(s);
}

/* n interactions of the first person of account 0, recent, committed (change log rows). */
static void add_rows(struct store *s, const struct eng_snapshot *snap, int n)
{
        struct store_interaction r[8];
        struct cxg_error e;
        size_t ins = 0, upd = 0;
        int32_t tid;
        uint32_t p = snap->p_list[snap->a_poff[0]];

        assert_true(n <= 8);
        assert_int_equal(store_begin(s, &e), CXG_OK);
        assert_int_equal(store_type_id(s, "snapfile_test", 13, &tid, &e), CXG_OK);
        memset(r, 0, sizeof(r));
        for (int k = 0; k < n; k++) {
                r[k].person_id = snap->p_id[p];
                r[k].account_id = snap->a_id[0];
                r[k].ts = snap->max_ts - k * 60;
                r[k].duration_ms = 1500;
                r[k].value = NAN;
                r[k].type_id = tid;
                r[k].channel = CXG_CH_WEB;
        }
        assert_int_equal(store_put_interactions(s, r, (size_t)n, &ins, &upd, &e), CXG_OK);
        assert_int_equal(store_commit(s, &e), CXG_OK);
        assert_int_equal(ins, (size_t)n);
}

static enum cxg_err count_change(void *ctx, const struct store_change *c)
{
        (void)c;
        ++*(size_t *)ctx;
        return CXG_OK;
}

/* A change-log row of its own transaction (whether or not store writes note theirs). */
static void note_change(struct store *s)
{
        struct cxg_error e;

        assert_int_equal(store_begin(s, &e), CXG_OK);
        assert_int_equal(store_change_note(s, STORE_E_TYPE, STORE_OP_UPDATE, 1, 1, 0, &e), CXG_OK);
        assert_int_equal(store_commit(s, &e), CXG_OK);
}

static void test_newer_rows_replayed(void **st)
{
        struct store *s = open_store(db);
        struct eng_engine ref, e, fresh;
        struct eng_open_report rep;
        struct cxg_error err;
        size_t before, changes = 0;
        const char *what;

        (void)st;
        open_and_save(&ref, s);
        before = ref.snap.main.n + ref.snap.delta.n;
        add_rows(s, &ref.snap, 5);
        assert_int_equal(store_changes_scan(s, ref.seq, 0, count_change, &changes, &err), CXG_OK);
        assert_true(open_file(&e, s, &rep));
        assert_int_equal(rep.replayed, changes);
        assert_int_equal(e.snap.main.n + e.snap.delta.n, before + 5);
        assert_int_equal(eng_engine_open(&fresh, s, NULL, CXG_TS_NONE, 2, &err), CXG_OK);
        assert_int_equal(e.seq, fresh.seq);
        assert_close_scores(&fresh.scores, &e.scores);
        eng_engine_release(&fresh);
        /* the delta segment round-trips too */
        assert_int_equal(e.snap.delta.n, 5);
        assert_int_equal(eng_engine_save(&e, s, &err), CXG_OK);
        assert_true(open_file(&fresh, s, &rep));
        assert_int_equal(eng_snapfile_compare(&e.snap, &fresh.snap, &what), 0);
        assert_same_scores(&e.scores, &fresh.scores);
        eng_engine_release(&fresh);
        eng_engine_release(&e);
        eng_engine_release(&ref);
        store_close(s);
}

static void test_ahead_of_store_rejected(void **st)
{
        struct store *s = open_store(db);
        struct eng_engine ref, e;
        struct eng_open_report rep;
        struct cxg_error err;
        char id[ENG_SNAPFILE_ID_MAX];

        (void)st;
        open_and_save(&ref, s);
        /* as after restoring the store from a backup older than the file */
        assert_int_equal(store_identity(s, id, sizeof(id), &err), CXG_OK);
        assert_int_equal(eng_snapfile_write(&ref.snap, ref.seq + 3, id, file, &err), CXG_OK);
        assert_false(open_file(&e, s, &rep));
        assert_non_null(strstr(rep.reason, "ahead of the store"));
        eng_engine_release(&e);
        eng_engine_release(&ref);
        store_close(s);
}

static void test_behind_floor_rejected(void **st)
{
        struct store *s = open_store(db);
        struct eng_engine ref, e;
        struct eng_open_report rep;
        struct cxg_error err;
        int64_t floor;

        (void)st;
        open_and_save(&ref, s);
        note_change(s);
        note_change(s);
        note_change(s);
        assert_int_equal(store_changes_prune(s, (int64_t)time(NULL) + 10, &err), CXG_OK);
        assert_int_equal(store_changes_floor(s, &floor, &err), CXG_OK);
        assert_true(floor > ref.seq);
        assert_false(open_file(&e, s, &rep));
        assert_non_null(strstr(rep.reason, "change log starts after"));
        eng_engine_release(&e);
        eng_engine_release(&ref);
        store_close(s);
}

static void test_version_mismatch_rejected(void **st)
{
        struct store *s = open_store(db);
        struct eng_engine ref, e;
        struct eng_open_report rep;
        struct eng_snapfile_info info;
        struct cxg_error err;
        uint32_t v = ENG_SNAPFILE_VERSION + 1;
        int fd;

        (void)st;
        open_and_save(&ref, s);
        assert_int_equal(eng_snapfile_info(file, 1, &info, &err), CXG_OK);
        assert_int_equal(info.version, ENG_SNAPFILE_VERSION);
        assert_int_equal(info.seq, ref.seq);
        fd = open(file, O_RDWR);
        assert_true(fd >= 0);
        assert_int_equal(pwrite(fd, &v, sizeof(v), 8), (ssize_t)sizeof(v)); /* after the magic */
        close(fd);
        assert_false(open_file(&e, s, &rep));
        assert_non_null(strstr(rep.reason, "format version"));
        eng_engine_release(&e);
        /* a missing file is no error either */
        unlink(file);
        assert_false(open_file(&e, s, &rep));
        assert_int_equal(rep.reason[0] != 0, 1);
        eng_engine_release(&e);
        eng_engine_release(&ref);
        store_close(s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_round_trip),
            cmocka_unit_test(test_flipped_byte_anywhere),
            cmocka_unit_test(test_truncated),
            cmocka_unit_test(test_other_store_rejected),
            cmocka_unit_test(test_newer_rows_replayed),
            cmocka_unit_test(test_ahead_of_store_rejected),
            cmocka_unit_test(test_behind_floor_rejected),
            cmocka_unit_test(test_version_mismatch_rejected),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
