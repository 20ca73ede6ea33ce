/*
 * api_engine.c: the bridge between the API and the analytics engine: the engine object the
 * server loads at start, its refresh after accepted writes and the snapshot gauges of
 * /metrics. The read endpoints over it are in routes_engine.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "api/routes_alerts.h"
#include "core/alloc.h"
#include "core/banned.h"
#include "core/log.h"
#include "engine/engine.h"

static struct eng_engine eng;
static int eng_ok;
static char eng_db_path[1024]; /* for the store handles of the saves */
static pthread_t save_thread;
static int save_started;

/* A fresh snapshot file after a start that could not use one, off the serving path. */
static void *save_main(void *arg)
{
        struct store *st = NULL;
        struct cxg_error err;

        (void)arg;
        cxg_error_clear(&err);
        if (store_open(eng_db_path, 0, &st, &err) || eng_engine_save(&eng, st, &err))
                cxg_log(CXG_LOG_WARN, "serve: snapshot file not written: %s", err.msg);
        store_close(st);
        return NULL;
}
static atomic_long refreshes, refresh_failures;

enum cxg_err api_engine_metrics(struct cxg_buf *b);

/*
 * The persisted snapshot's path: [server] data_dir/engine.snapshot, or beside the store
 * (PATH.snapshot); 0 (none) for an in-memory store or with [server] snapshot_file = off.
 */
static int api_snapfile_path(const struct api_config *cfg, char *out, size_t cap)
{
        const char *dir = cfg->ini ? cxg_config_get(cfg->ini, "server.data_dir") : NULL;
        const char *off = cfg->ini ? cxg_config_get(cfg->ini, "server.snapshot_file") : NULL;
        int n;

        if ((off && strcmp(off, "off") == 0) || !cfg->db_path[0] ||
            strcmp(cfg->db_path, ":memory:") == 0)
                return 0;
        if (dir && *dir)
                n = snprintf(out, cap, "%s/engine.snapshot", dir);
        else
                n = snprintf(out, cap, "%s.snapshot", cfg->db_path);
        return n > 0 && (size_t)n < cap;
}

enum cxg_err api_engine_start(const struct api_config *cfg, struct cxg_error *err)
{
        struct store *st = NULL;
        enum cxg_err rc;
        double t0 = api_mono();

        char snapfile[1100];
        struct eng_open_report rep = {.from_file = 1};

        if ((rc = store_open(cfg->db_path, 0, &st, err)))
                return rc;
        if (api_snapfile_path(cfg, snapfile, sizeof(snapfile)))
                rc = eng_engine_open_file(&eng, st, cfg->ini, CXG_TS_NONE, cfg->threads, snapfile,
                                          &rep, err);
        else
                rc = eng_engine_open(&eng, st, cfg->ini, CXG_TS_NONE, cfg->threads, err);
        store_close(st);
        snprintf(eng_db_path, sizeof(eng_db_path), "%s", cfg->db_path);
        if (rc == CXG_OK && !rep.from_file)
                save_started = pthread_create(&save_thread, NULL, save_main, NULL) == 0;
        if (rc)
                return rc;
        eng_ok = 1;
        if ((rc = api_alerts_start(cfg, err))) {
                if (save_started)
                        pthread_join(save_thread, NULL);
                save_started = 0;
                eng_engine_release(&eng);
                eng_ok = 0;
                return rc;
        }
        cxg_log(CXG_LOG_INFO,
                "serve: engine snapshot loaded: %zu accounts, %zu people, %zu interactions in "
                "%.2f s",
                eng.snap.n_accounts, eng.snap.n_people, eng.snap.main.n + eng.snap.delta.n,
                api_mono() - t0);
        return CXG_OK;
}

struct eng_engine *api_engine_get(void)
{
        return eng_ok ? &eng : NULL;
}

void api_engine_stop(void)
{
        struct store *st = NULL;
        struct cxg_error err;

        api_alerts_stop(); /* its threads read the engine */
        if (save_started)
                pthread_join(save_thread, NULL);
        save_started = 0;
        cxg_error_clear(&err);
        /* persist the snapshot, so the next start replays only what comes after it */
        if (eng_ok && eng.snapfile &&
            (store_open(eng_db_path, 0, &st, &err) || eng_engine_save(&eng, st, &err)))
                cxg_log(CXG_LOG_WARN, "serve: snapshot file not saved: %s", err.msg);
        store_close(st);
        if (eng_ok)
                eng_engine_release(&eng);
        eng_ok = 0;
}

/*
 * Refreshes are coalesced: a writer whose commit happened while another refresh was running
 * waits for the next one, which covers every commit made before it started; so N concurrent
 * writes cost about two recomputes instead of N, and each reply still comes after a refresh
 * that saw its rows.
 */
static pthread_mutex_t refresh_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t refresh_cv = PTHREAD_COND_INITIALIZER;
static uint64_t refresh_wanted, refresh_done;
static int refresh_running;

void api_engine_refresh(struct api_req *r)
{
        struct cxg_error err = {0};
        uint64_t mine, target;
        enum cxg_err rc;

        if (!eng_ok || !r->st)
                return;
        pthread_mutex_lock(&refresh_mu);
        mine = ++refresh_wanted;
        while (refresh_done < mine && refresh_running)
                pthread_cond_wait(&refresh_cv, &refresh_mu);
        if (refresh_done >= mine) {
                pthread_mutex_unlock(&refresh_mu);
                return;
        }
        refresh_running = 1;
        target = refresh_wanted; /* every commit counted so far is visible to this refresh */
        pthread_mutex_unlock(&refresh_mu);

        atomic_fetch_add(&refreshes, 1);
        rc = eng_engine_refresh(&eng, r->st, &err);
        if (rc) {
                atomic_fetch_add(&refresh_failures, 1);
                cxg_log(CXG_LOG_ERROR, "serve: engine refresh after %s %s: %s", r->method, r->path,
                        err.msg);
        }
        pthread_mutex_lock(&refresh_mu);
        refresh_running = 0;
        if (target > refresh_done)
                refresh_done = target;
        pthread_cond_broadcast(&refresh_cv);
        pthread_mutex_unlock(&refresh_mu);
        if (!rc)
                api_alerts_poke(); /* early warning on the new data, off the request's path */
}

/*
 * A full reload (after an erasure, which a refresh does not see) takes the refresh slot, so a
 * refresh never runs on the snapshot being replaced; it covers every commit made before it.
 */
void api_engine_reload(struct api_req *r)
{
        struct cxg_error err = {0};
        uint64_t target;

        if (!eng_ok || !r->st)
                return;
        pthread_mutex_lock(&refresh_mu);
        while (refresh_running)
                pthread_cond_wait(&refresh_cv, &refresh_mu);
        refresh_running = 1;
        target = refresh_wanted;
        pthread_mutex_unlock(&refresh_mu);
        atomic_fetch_add(&refreshes, 1);
        if (eng_engine_reload(&eng, r->st, &err)) {
                atomic_fetch_add(&refresh_failures, 1);
                cxg_log(CXG_LOG_ERROR, "serve: engine reload after %s %s: %s", r->method, r->path,
                        err.msg);
        }
        pthread_mutex_lock(&refresh_mu);
        refresh_running = 0;
        if (target > refresh_done)
                refresh_done = target;
        pthread_cond_broadcast(&refresh_cv);
        pthread_mutex_unlock(&refresh_mu);
}

enum cxg_err api_engine_metrics(struct cxg_buf *b)
{
        size_t acc = 0, ppl = 0, inter = 0, fb = 0;
        double load = 0, compute = 0;

        if (eng_ok) {
                eng_engine_read_lock(&eng);
                acc = eng.snap.n_accounts;
                ppl = eng.snap.n_people;
                inter = eng.snap.main.n + eng.snap.delta.n;
                fb = eng.snap.n_fb;
                load = eng.load_s;
                compute = eng.compute_s;
                eng_engine_unlock(&eng);
        }
        return cxg_buf_printf(
            b,
            "# HELP cxgarden_snapshot_rows Rows in the engine's in-memory snapshot.\n"
            "# TYPE cxgarden_snapshot_rows gauge\n"
            "cxgarden_snapshot_rows{entity=\"accounts\"} %zu\n"
            "cxgarden_snapshot_rows{entity=\"people\"} %zu\n"
            "cxgarden_snapshot_rows{entity=\"interactions\"} %zu\n"
            "cxgarden_snapshot_rows{entity=\"feedback\"} %zu\n"
            "# HELP cxgarden_snapshot_load_seconds Duration of the last snapshot load or refresh.\n"
            "# TYPE cxgarden_snapshot_load_seconds gauge\n"
            "cxgarden_snapshot_load_seconds %.6f\n"
            "# HELP cxgarden_scores_compute_seconds Duration of the last score computation.\n"
            "# TYPE cxgarden_scores_compute_seconds gauge\n"
            "cxgarden_scores_compute_seconds %.6f\n"
            "# HELP cxgarden_snapshot_refreshes_total Refreshes after API writes, and failures.\n"
            "# TYPE cxgarden_snapshot_refreshes_total counter\n"
            "cxgarden_snapshot_refreshes_total %ld\n"
            "cxgarden_snapshot_refresh_failures_total %ld\n",
            acc, ppl, inter, fb, load, compute, atomic_load(&refreshes),
            atomic_load(&refresh_failures));
}

void api_reply_buf(struct api_req *r, struct cxg_buf *b)
{
        cxg_free(r->reply);
        r->status = 200;
        r->reply = b->data;
        r->reply_len = b->len;
        r->reply_type = NULL;
        b->data = NULL;
        b->len = b->cap = 0;
}
