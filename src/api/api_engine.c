/*
 * api_engine.c: the bridge between the API and the analytics engine: the engine object the
 * server loads at start, the applier thread that keeps it up to date with the change log
 * (eng_engine_catch_up after every commit and on a short poll, so other processes' writes are
 * seen too; eng_engine_recompute every [engine] full_recompute_seconds), the waits of
 * ?wait=scores and of read-your-writes, the backpressure bound on its lag, and the engine's
 * /metrics lines. The read endpoints over the engine are in routes_engine.c.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api_commit.h"
#include "api/api_int.h"
#include "api/routes_alerts.h"
#include "app/cluster.h"
#include "core/alloc.h"
#include "core/banned.h"
#include "core/log.h"
#include "engine/engine.h"
#include "store/store_changes.h"
#include "store/store_nodes.h"

#define APPLY_BATCH 10000  /* change-log rows per catch-up: bounds its memory */
#define POLL_MS 50         /* look for other processes' writes this often */
#define LISTEN_WAIT_MS 200 /* the notification listener checks for a stop this often */
/* [engine] apply_interval_ms: rounds start at most this often, so that under a stream of
 * small commits one catch-up (and one rescore of each dirty account) covers many of them
 * instead of taking the write lock once per commit */
#define APPLY_INTERVAL_DEFAULT_MS 10
/* and a round that took t waits APPLY_DUTY_FACTOR * t before the next (at most
 * APPLY_DUTY_MAX_MS), so rescoring never takes more than about a fifth of a core from the
 * writers however large the dirty set; freshness stays well inside a second */
#define APPLY_DUTY_FACTOR 4
#define APPLY_DUTY_MAX_MS 250
#define RECOMPUTE_DEFAULT_S 300 /* [engine] full_recompute_seconds */
/* [engine] full_recompute_drift_seconds: how far the dirty rescores' as-of time (the latest
 * data) may run ahead of the last full recompute's before the next round recomputes all */
#define DRIFT_DEFAULT_S 3600
#define MAX_LAG_DEFAULT 1000000 /* [engine] max_lag: changes behind before 429 */
#define SYNC_WAIT_MS 60000      /* read-your-writes of entity writes: at most 1 min */
#define RETRY_AFTER_MAX_S 60    /* Retry-After of a 429 for a lagging engine */
#define RATE_WINDOW_S 1.0       /* rows/s gauges over this window */

static struct eng_engine eng;
static int eng_ok;

/* Cluster mode ([cluster] or serve --shards; docs/api.md, "Scale-out"): the node's state,
 * used by the applier thread (and its status by the API's threads) */
#define FOLLOW_MIN_MS 200  /* other nodes' published states are read at most this often */
#define PUBLISH_MIN_MS 200 /* and this node's rescored accounts' states published */
static struct app_cluster cl;
static int cl_on;
static struct {
        double last_tick, last_follow, last_states;
        int dirty;          /* rows applied since the last publication of the partials */
        int shards_changed; /* the owned shards changed since the last gather */
        int states_due;     /* rows applied since the last publication of the states */
        int prune_due;      /* the engine reloaded (deletions, erasures) since the last prune */
        int url_set;        /* [cluster] url given: not replaced once the port is known */
} clr;

/* The applier's state; mu guards everything but the settings and the counters. */
static struct {
        pthread_mutex_t mu;
        pthread_cond_t poke;    /* the applier waits for work */
        pthread_cond_t applied; /* waiters wait for the applier */
        pthread_t th;
        int started, stopping, poked;
        struct store *st;
        int64_t seq;          /* the change-log seq the engine has applied (e->seq) */
        int64_t head;         /* newest seq known to be committed */
        double pending_since; /* monotonic time of the oldest unapplied commit known; 0 none */
        /* requests: write requests the committer committed, rounds asked for by waiters,
         * full reloads asked for; each with the count that the last round covered */
        uint64_t writes, writes_applied, sync_req, sync_done, reload_req, reload_done;
        double last_recompute;
        double rate_t; /* start of the rows/s window */
        long rate_in0, rate_ap0;
        double rate_in, rate_ap; /* rows/s ingested and applied over the last window */
        /* settings */
        long recompute_s, drift_s, max_lag, test_delay_ms, interval_ms;
        /* PostgreSQL: a thread waiting on the change log's notifications pokes the applier
         * as soon as another server commits (the poll stays, for a lost connection) */
        struct store_listener *listener;
        pthread_t listen_th;
} ap;

static atomic_long applies, apply_failures, applied_changes, applied_rows, recomputes;

enum cxg_err api_engine_metrics(struct cxg_buf *b);

/* Absolute CLOCK_MONOTONIC time ms from now, for pthread_cond_timedwait. */
static struct timespec deadline_in(long ms)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += ms / 1000;
        ts.tv_nsec += (ms % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
        }
        return ts;
}

/* The [engine] settings of the applier (defaults without a config). */
static enum cxg_err applier_settings(const struct cxg_config *ini, struct cxg_error *err)
{
        enum cxg_err rc;

        ap.recompute_s = RECOMPUTE_DEFAULT_S;
        ap.drift_s = DRIFT_DEFAULT_S;
        ap.interval_ms = APPLY_INTERVAL_DEFAULT_MS;
        ap.max_lag = MAX_LAG_DEFAULT;
        ap.test_delay_ms = 0;
        if (!ini)
                return CXG_OK;
        if ((rc = cxg_config_long(ini, "engine.full_recompute_seconds", RECOMPUTE_DEFAULT_S, 1,
                                  7L * 24 * 3600, &ap.recompute_s, err)) ||
            (rc = cxg_config_long(ini, "engine.full_recompute_drift_seconds", DRIFT_DEFAULT_S, 0,
                                  365L * 24 * 3600, &ap.drift_s, err)) ||
            (rc = cxg_config_long(ini, "engine.apply_interval_ms", APPLY_INTERVAL_DEFAULT_MS, 0,
                                  1000, &ap.interval_ms, err)) ||
            (rc = cxg_config_long(ini, "engine.max_lag", MAX_LAG_DEFAULT, 1, 1L << 40, &ap.max_lag,
                                  err)))
                return rc;
        return cxg_config_long(ini, "engine.test_applier_delay_ms", 0, -1, 60000, &ap.test_delay_ms,
                               err);
}

/* What a round of the applier covers: everything asked for before it began (at t0). */
struct round {
        int64_t h;    /* the change-log head at t0 */
        int64_t seq0; /* the seq applied at t0 */
        uint64_t writes, sync_req, reload_req;
        double t0;
};

/* The change log moved to seq (seen at monotonic time t). Under ap.mu. */
static void note_head(int64_t seq, double t)
{
        if (seq > ap.head)
                ap.head = seq;
        if (seq > ap.seq && ap.pending_since == 0)
                ap.pending_since = t;
}

/* Changes or write requests committed but not applied. Under ap.mu. */
static int64_t lag_locked(void)
{
        int64_t lag = ap.head > ap.seq ? ap.head - ap.seq : 0;
        int64_t w = (int64_t)(ap.writes - ap.writes_applied);

        return w > lag ? w : lag;
}

void api_engine_committed(int64_t seq, size_t writes)
{
        double now = api_mono();

        if (!ap.started)
                return;
        pthread_mutex_lock(&ap.mu);
        ap.writes += writes;
        if (ap.pending_since == 0)
                ap.pending_since = now;
        note_head(seq, now);
        ap.poked = 1;
        pthread_cond_signal(&ap.poke);
        pthread_mutex_unlock(&ap.mu);
}

/* The engine applied the change log up to seq (one batch of a catch-up). */
static void note_applied(int64_t seq)
{
        pthread_mutex_lock(&ap.mu);
        if (seq > ap.seq)
                ap.seq = seq;
        pthread_cond_broadcast(&ap.applied);
        pthread_mutex_unlock(&ap.mu);
}

/*
 * Round rd succeeded: everything asked for before rd.t0 is applied. What is still pending
 * was committed after rd.t0 (when the round applied up to its head), so t0 bounds its age.
 */
static void round_done(const struct round *rd)
{
        pthread_mutex_lock(&ap.mu);
        ap.writes_applied = rd->writes;
        ap.sync_done = rd->sync_req;
        ap.reload_done = rd->reload_req;
        if (lag_locked() == 0)
                ap.pending_since = 0;
        else if (ap.seq >= rd->h && ap.pending_since < rd->t0)
                ap.pending_since = rd->t0;
        pthread_cond_broadcast(&ap.applied);
        pthread_mutex_unlock(&ap.mu);
}

/* Catch the engine up with the change log to at least h (in batches of APPLY_BATCH): 0 when
 * done, -1 after a failure (logged; the next round retries). */
static int catch_up(int64_t h)
{
        struct cxg_error err = {0};
        struct eng_catchup out;
        int64_t before;

        do {
                before = ap.seq;
                memset(&out, 0, sizeof(out));
                atomic_fetch_add(&applies, 1);
                if (eng_engine_catch_up(&eng, ap.st, APPLY_BATCH, &out, &err)) {
                        atomic_fetch_add(&apply_failures, 1);
                        cxg_log(CXG_LOG_ERROR, "serve: applying the change log: %s", err.msg);
                        return -1;
                }
                if (out.reloaded)
                        clr.prune_due = 1; /* deletions: published states may be orphans */
                atomic_fetch_add(&applied_changes, (long)out.changes);
                atomic_fetch_add(&applied_rows, (long)out.rows);
                note_applied(out.seq);
        } while (out.seq < h && out.seq > before);
        api_alerts_poke(); /* early warning on the new data, off the requests' path */
        return 0;
}

/* A full reload asked for by api_engine_sync (after an erasure): 0, or -1 (logged). */
static int reload(void)
{
        struct cxg_error err = {0};

        atomic_fetch_add(&applies, 1);
        if (eng_engine_reload(&eng, ap.st, &err)) {
                atomic_fetch_add(&apply_failures, 1);
                cxg_log(CXG_LOG_ERROR, "serve: engine reload: %s", err.msg);
                return -1;
        }
        clr.prune_due = 1;
        return 0;
}

/* The rows/s gauges, over windows of RATE_WINDOW_S. */
static void sample_rates(double now)
{
        long in = atomic_load(&api_g.ingest_accepted[0]) + atomic_load(&api_g.ingest_accepted[1]);
        long apl = atomic_load(&applied_rows);
        double dt = now - ap.rate_t;

        if (dt < RATE_WINDOW_S)
                return;
        pthread_mutex_lock(&ap.mu);
        ap.rate_in = (double)(in - ap.rate_in0) / dt;
        ap.rate_ap = (double)(apl - ap.rate_ap0) / dt;
        pthread_mutex_unlock(&ap.mu);
        ap.rate_in0 = in;
        ap.rate_ap0 = apl;
        ap.rate_t = now;
}

/*
 * 1 when a full recompute is due: every full_recompute_seconds, or as soon as the latest data
 * moved more than full_recompute_drift_seconds past the last full recompute's as-of time (a
 * backfill, or a quiet period ended), so that accounts without new rows are not judged at an
 * as-of time far behind the dirty ones'.
 */
static int recompute_due(void)
{
        int64_t drift;

        if (api_mono() - ap.last_recompute >= (double)ap.recompute_s)
                return 1;
        eng_engine_read_lock(&eng);
        drift = eng.scores.at - eng.scores.full_at;
        eng_engine_unlock(&eng);
        return drift > ap.drift_s || -drift > ap.drift_s; /* also back: an engine opened on
                                                               an empty store is as of now */
}

/* Log a failed cluster step (the next round retries it). */
static void cluster_failed(const char *step, const struct cxg_error *err)
{
        cxg_log(CXG_LOG_ERROR, "cluster: %s: %s", step, err->msg);
}

/*
 * Every tick_seconds: heartbeat and balance (an ownership change reloads the engine's shards),
 * publish the partials when rows were applied, and when a full recompute is due (or the node
 * never had every shard's partials, or its shards changed) the two-phase recompute; then the
 * states of the accounts rescored.
 */
static void cluster_tick(double now)
{
        struct cxg_error err = {0};
        int changed = clr.shards_changed, re = 0;

        clr.last_tick = now;
        if (clr.dirty && app_cluster_publish_partials(&cl, ap.st, &eng, api_now(), &err)) {
                cluster_failed("publishing partials", &err);
                return;
        }
        clr.dirty = 0;
        if (!(changed || eng.partials_hash == 0 || recompute_due()))
                return;
        if (app_cluster_gather(&cl, ap.st, &eng, &re, &err)) {
                cluster_failed("gathering partials", &err);
                return;
        }
        clr.shards_changed = 0;
        ap.last_recompute = api_mono();
        if (re)
                atomic_fetch_add(&recomputes, 1);
        if ((re || changed) && app_cluster_publish_states(&cl, ap.st, &eng, api_now(), &err)) {
                cluster_failed("publishing states", &err);
                clr.states_due = 1; /* the rounds retry it */
        }
}

/* Load the shards the heartbeat thread's last balancing step left this node, if they changed. */
static void cluster_take(void)
{
        struct cxg_error err = {0};
        int changed = 0;

        if (app_cluster_take(&cl, ap.st, &eng, &changed, &err)) {
                cluster_failed("loading the shards", &err);
                return;
        }
        if (!changed)
                return;
        clr.dirty = clr.shards_changed = 1;
        pthread_mutex_lock(&ap.mu);
        if (eng.seq > ap.seq) /* the shards were loaded up to the head read first */
                ap.seq = eng.seq;
        pthread_mutex_unlock(&ap.mu);
}

/*
 * The cluster's part of an applier round: after a catch-up that applied rows, publish the
 * rescored accounts' states; tick when due; follow the other nodes' states.
 */
static void cluster_round(const struct round *rd)
{
        struct cxg_error err = {0};
        double now = api_mono();

        cluster_take();
        if (ap.seq > rd->seq0)
                clr.dirty = clr.states_due = 1;
        if (clr.prune_due) {
                clr.prune_due = 0;
                if (app_cluster_prune(&cl, ap.st, &err))
                        cluster_failed("pruning published states", &err);
        }
        /* encoding every owned account to find the changed ones costs O(accounts): at most
         * every PUBLISH_MIN_MS under a stream of commits */
        if (clr.states_due && (now - clr.last_states) * 1000.0 >= PUBLISH_MIN_MS) {
                clr.states_due = 0;
                clr.last_states = now;
                if (app_cluster_publish_states(&cl, ap.st, &eng, api_now(), &err)) {
                        cluster_failed("publishing states", &err);
                        clr.states_due = 1;
                }
        }
        if (now - clr.last_tick >= (double)cl.cfg.tick_s)
                cluster_tick(now);
        if ((now - clr.last_follow) * 1000.0 >= FOLLOW_MIN_MS) {
                clr.last_follow = now;
                if (app_cluster_follow(&cl, ap.st, &eng, &err))
                        cluster_failed("following states", &err);
        }
}

/*
 * One round of the applier: reload if asked, catch up when the log moved or a write or a
 * waiter asks for it (a catch-up without new changes is cheap), recompute when it is due
 * (before the waiters are told, so ?wait=scores sees the recomputed scores).
 */
static void apply_round(void)
{
        struct cxg_error err = {0};
        struct round rd;
        int rc = 0;

        rd.t0 = api_mono();
        if (store_changes_head(ap.st, &rd.h, &err)) {
                cxg_log(CXG_LOG_ERROR, "serve: reading the change-log head: %s", err.msg);
                return;
        }
        pthread_mutex_lock(&ap.mu);
        note_head(rd.h, rd.t0);
        rd.writes = ap.writes;
        rd.sync_req = ap.sync_req;
        rd.reload_req = ap.reload_req;
        rd.seq0 = ap.seq;
        pthread_mutex_unlock(&ap.mu);
        if (rd.reload_req > ap.reload_done)
                rc = reload();
        if (!rc && (rd.h > ap.seq || rd.writes > ap.writes_applied || rd.sync_req > ap.sync_done ||
                    rd.reload_req > ap.reload_done))
                rc = catch_up(rd.h);
        if (cl_on) {
                cluster_round(&rd);
        } else if (recompute_due()) {
                atomic_fetch_add(&recomputes, 1);
                if (eng_engine_recompute(&eng, ap.st, &err))
                        cxg_log(CXG_LOG_ERROR, "serve: periodic recompute: %s", err.msg);
                ap.last_recompute = api_mono();
        }
        if (!rc)
                round_done(&rd);
        sample_rates(api_mono());
        if (cl_on)
                api_cluster_progress(); /* the heartbeat's watchdog */
}

static void *applier(void *unused)
{
        double t0;
        long pause_ms;

        (void)unused;
        pthread_mutex_lock(&ap.mu);
        while (!ap.stopping) {
                if (!ap.poked) {
                        struct timespec ts = deadline_in(POLL_MS);

                        pthread_cond_timedwait(&ap.poke, &ap.mu, &ts);
                }
                ap.poked = 0;
                if (ap.stopping || ap.test_delay_ms < 0)
                        continue; /* [engine] test_applier_delay_ms = -1: stalled (tests) */
                pthread_mutex_unlock(&ap.mu);
                if (ap.test_delay_ms > 0)
                        nanosleep(&(struct timespec){ap.test_delay_ms / 1000,
                                                     (ap.test_delay_ms % 1000) * 1000000L},
                                  NULL);
                t0 = api_mono();
                apply_round();
                pause_ms = (long)((api_mono() - t0) * 1000.0 * APPLY_DUTY_FACTOR);
                if (pause_ms > APPLY_DUTY_MAX_MS)
                        pause_ms = APPLY_DUTY_MAX_MS;
                if (pause_ms < ap.interval_ms)
                        pause_ms = ap.interval_ms;
                if (pause_ms > 0)
                        nanosleep(&(struct timespec){pause_ms / 1000, (pause_ms % 1000) * 1000000L},
                                  NULL);
                pthread_mutex_lock(&ap.mu);
        }
        pthread_mutex_unlock(&ap.mu);
        return NULL;
}

/* Wake the applier on every change notification until the applier stops. */
static void *listen_main(void *unused)
{
        (void)unused;
        for (;;) {
                int got = store_listener_wait(ap.listener, LISTEN_WAIT_MS);

                pthread_mutex_lock(&ap.mu);
                if (ap.stopping) {
                        pthread_mutex_unlock(&ap.mu);
                        return NULL;
                }
                if (got) {
                        ap.poked = 1;
                        pthread_cond_signal(&ap.poke);
                }
                pthread_mutex_unlock(&ap.mu);
        }
}

/* Start the listener where the store has one (PostgreSQL); failures only cost the wake-up. */
static void listener_start(const char *db)
{
        struct cxg_error err = {0};

        if (store_listener_open(db, &ap.listener, &err)) {
                cxg_log(CXG_LOG_WARN, "serve: change notifications: %s (polling instead)", err.msg);
                return;
        }
        if (ap.listener && pthread_create(&ap.listen_th, NULL, listen_main, NULL) != 0) {
                store_listener_close(ap.listener);
                ap.listener = NULL;
        }
}

/* Start the applier on a store handle of its own (the engine is loaded). */
static enum cxg_err applier_start(const struct api_config *cfg, struct cxg_error *err)
{
        pthread_condattr_t ca;
        enum cxg_err rc;

        if ((rc = applier_settings(cfg->ini, err)))
                return rc;
        if ((rc = store_open(cfg->db_path, 0, &ap.st, err)))
                return rc;
        pthread_mutex_init(&ap.mu, NULL);
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&ap.poke, &ca);
        pthread_cond_init(&ap.applied, &ca);
        pthread_condattr_destroy(&ca);
        ap.seq = ap.head = eng.seq;
        ap.last_recompute = ap.rate_t = api_mono();
        ap.stopping = ap.poked = 0;
        ap.pending_since = 0;
        ap.writes = ap.writes_applied = ap.sync_req = ap.sync_done = 0;
        ap.reload_req = ap.reload_done = 0;
        if (pthread_create(&ap.th, NULL, applier, NULL) != 0) {
                store_close(ap.st);
                ap.st = NULL;
                return cxg_error_set(err, CXG_ERR_NOMEM, "cannot start the engine's applier");
        }
        ap.started = 1;
        listener_start(cfg->db_path);
        return CXG_OK;
}

static void applier_stop(void)
{
        if (!ap.started)
                return;
        pthread_mutex_lock(&ap.mu);
        ap.stopping = 1;
        pthread_cond_signal(&ap.poke);
        pthread_cond_broadcast(&ap.applied);
        pthread_mutex_unlock(&ap.mu);
        pthread_join(ap.th, NULL);
        if (ap.listener) {
                pthread_join(ap.listen_th, NULL);
                store_listener_close(ap.listener);
                ap.listener = NULL;
        }
        ap.started = 0;
        store_close(ap.st);
        ap.st = NULL;
}

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

/*
 * The persisted snapshot's path: [server] data_dir/engine.snapshot, or beside an SQLite store
 * (PATH.snapshot); 0 (none) for an in-memory store, with [server] snapshot_file = off, or for
 * a PostgreSQL address without data_dir (no file name is ever made from an address).
 */
static int api_snapfile_path(const struct api_config *cfg, char *out, size_t cap)
{
        const char *dir = cfg->ini ? cxg_config_get(cfg->ini, "server.data_dir") : NULL;
        const char *off = cfg->ini ? cxg_config_get(cfg->ini, "server.snapshot_file") : NULL;
        int n;

        if ((off && strcmp(off, "off") == 0) || !cfg->db_path[0] ||
            strcmp(cfg->db_path, ":memory:") == 0)
                return 0;
        if (dir && *dir) {
                n = snprintf(out, cap, "%s/engine.snapshot", dir);
        } else if (store_is_pg_url(cfg->db_path)) {
                cxg_log(CXG_LOG_INFO, "serve: no snapshot file for a PostgreSQL store without "
                                      "[server] data_dir: the engine loads the whole store at "
                                      "each start");
                return 0;
        } else {
                n = snprintf(out, cap, "%s.snapshot", cfg->db_path);
        }
        return n > 0 && (size_t)n < cap;
}

double api_engine_lag_s(void)
{
        double lag, now = api_mono();

        pthread_mutex_lock(&ap.mu);
        lag = ap.pending_since > 0 ? now - ap.pending_since : 0;
        pthread_mutex_unlock(&ap.mu);
        return lag;
}

/* Cluster mode or not, from [cluster] and serve --shards (node and URL filled later). */
static enum cxg_err cluster_config(const struct api_config *cfg, struct cxg_error *err)
{
        struct app_cluster_cfg cc;
        enum cxg_err rc;

        cl_on = 0;
        if ((rc = app_cluster_config(cfg->ini, cfg->shards, &cc, &cl_on, err)) || !cl_on)
                return rc;
        memset(&clr, 0, sizeof(clr));
        clr.url_set = cc.url[0] != '\0';
        app_cluster_defaults(&cc, cfg->port);
        app_cluster_init(&cl, &cc, api_now());
        clr.dirty = 1; /* the first tick publishes the partials of the shards loaded */
        return CXG_OK;
}

/*
 * A cluster node's engine: join (the first balancing step gives the shards), load those
 * shards only (no snapshot file: the shards differ from start to start). The applier's
 * first round ticks, publishes and gathers.
 */
static enum cxg_err cluster_open(const struct api_config *cfg, struct store *st,
                                 struct cxg_error *err)
{
        struct app_cluster_status s;
        enum cxg_err rc;

        if ((rc = app_cluster_join(&cl, st, api_now(), err))) {
                app_cluster_release(&cl);
                cl_on = 0;
                return rc;
        }
        app_cluster_status_get(&cl, &s);
        rc = eng_engine_open_sharded(&eng, st, cfg->ini, CXG_TS_NONE, cfg->threads, &s.owned, err);
        if (rc) {
                struct cxg_error e2 = {0};

                if (app_cluster_leave(&cl, st, &e2))
                        cxg_log(CXG_LOG_WARN, "cluster: leaving after a failed start: %s", e2.msg);
                app_cluster_release(&cl);
                cl_on = 0;
        }
        return rc;
}

/* A clean stop of a node: leave (its shards are free at once for the others). */
static void cluster_stop(void)
{
        struct store *st = NULL;
        struct cxg_error err = {0};

        if (!cl_on)
                return;
        api_cluster_beat_stop(); /* before leaving: a beat after it would join again */
        if (store_open(eng_db_path, 0, &st, &err) || app_cluster_leave(&cl, st, &err))
                cxg_log(CXG_LOG_WARN, "cluster: leaving: %s", err.msg);
        store_close(st);
        app_cluster_release(&cl);
        cl_on = 0;
}

struct app_cluster *api_cluster_get(void)
{
        return cl_on ? &cl : NULL;
}

void api_engine_listening(int port)
{
        char url[STORE_NODE_URL_MAX];

        if (!cl_on || clr.url_set || port <= 0)
                return;
        snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
        app_cluster_set_url(&cl, url);
}

/* Undo a start that failed after the engine was loaded (no snapshot file is saved). */
static void start_failed(void)
{
        api_commit_stop();
        applier_stop();
        api_alerts_stop();
        if (save_started)
                pthread_join(save_thread, NULL);
        save_started = 0;
        cluster_stop();
        eng_engine_release(&eng);
        eng_ok = 0;
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
        if ((rc = cluster_config(cfg, err))) {
                store_close(st);
                return rc;
        }
        if (cl_on)
                rc = cluster_open(cfg, st, err);
        else if (api_snapfile_path(cfg, snapfile, sizeof(snapfile)))
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
        if ((rc = api_alerts_start(cfg, err)) || (rc = applier_start(cfg, err)) ||
            (rc = api_commit_start(cfg, err)) ||
            (cl_on && (rc = api_cluster_beat_start(&cl, &eng, cfg->db_path, err)))) {
                start_failed();
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

        api_commit_stop(); /* commits what is queued (the HTTP workers are stopped) */
        applier_stop();    /* it uses the engine; the saved snapshot includes what it applied */
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
        cluster_stop();
        if (eng_ok)
                eng_engine_release(&eng);
        eng_ok = 0;
}

/*
 * Ask for a round (and a full reload first when full) and wait until one that began after
 * this call is done and the engine has applied seq, or until ts: 1 when it did.
 */
static int wait_round(int64_t seq, int full, const struct timespec *ts)
{
        uint64_t mine, rmine = 0;
        int ok;

        pthread_mutex_lock(&ap.mu);
        mine = ++ap.sync_req;
        if (full)
                rmine = ++ap.reload_req;
        ap.poked = 1;
        pthread_cond_signal(&ap.poke);
        while ((ap.seq < seq || ap.sync_done < mine || ap.reload_done < rmine) && !ap.stopping)
                if (pthread_cond_timedwait(&ap.applied, &ap.mu, ts) == ETIMEDOUT)
                        break;
        ok = ap.seq >= seq && ap.sync_done >= mine && ap.reload_done >= rmine;
        pthread_mutex_unlock(&ap.mu);
        return ok;
}

int api_engine_wait(int64_t seq, long ms)
{
        struct timespec ts = deadline_in(ms);

        return ap.started ? wait_round(seq, 0, &ts) : 1;
}

void api_engine_sync(struct api_req *r, int full)
{
        struct cxg_error err = {0};
        struct timespec ts = deadline_in(SYNC_WAIT_MS);
        int64_t h;

        if (!ap.started || !r->st)
                return;
        if (store_changes_head(r->st, &h, &err)) {
                cxg_log(CXG_LOG_WARN, "serve: %s %s: change-log head: %s", r->method, r->path,
                        err.msg);
                return;
        }
        pthread_mutex_lock(&ap.mu);
        note_head(h, api_mono());
        pthread_mutex_unlock(&ap.mu);
        if (!wait_round(h, full, &ts))
                cxg_log(CXG_LOG_WARN,
                        "serve: %s %s: the engine has not applied the write after %d s; "
                        "answering without it",
                        r->method, r->path, SYNC_WAIT_MS / 1000);
}

long api_engine_backlog_retry(void)
{
        int64_t lag;
        double age;
        long s;

        if (!ap.started)
                return 0;
        pthread_mutex_lock(&ap.mu);
        lag = lag_locked();
        age = ap.pending_since > 0 ? api_mono() - ap.pending_since : 0;
        pthread_mutex_unlock(&ap.mu);
        if (lag <= ap.max_lag)
                return 0;
        s = (long)ceil(age);
        return s < 1 ? 1 : s > RETRY_AFTER_MAX_S ? RETRY_AFTER_MAX_S : s;
}

/* The applier's gauges and counters: freshness, lag, rows/s. */
static enum cxg_err applier_metrics(struct cxg_buf *b)
{
        int64_t seq, head, lag;
        double fresh, rin, rap;

        pthread_mutex_lock(&ap.mu);
        seq = ap.seq;
        head = ap.head;
        lag = lag_locked();
        fresh = ap.started && ap.pending_since > 0 ? api_mono() - ap.pending_since : 0;
        rin = ap.rate_in;
        rap = ap.rate_ap;
        pthread_mutex_unlock(&ap.mu);
        return cxg_buf_printf(
            b,
            "# HELP cxgarden_freshness_seconds Age of the oldest committed change the engine has "
            "not applied (0: caught up).\n"
            "# TYPE cxgarden_freshness_seconds gauge\n"
            "cxgarden_freshness_seconds %.6f\n"
            "# HELP cxgarden_changelog_seq Change-log seq: newest committed, and applied by the "
            "engine.\n"
            "# TYPE cxgarden_changelog_seq gauge\n"
            "cxgarden_changelog_seq{what=\"head\"} %lld\n"
            "cxgarden_changelog_seq{what=\"applied\"} %lld\n"
            "# HELP cxgarden_changelog_lag Changes (or write requests, whichever is more) "
            "committed but not applied by the engine.\n"
            "# TYPE cxgarden_changelog_lag gauge\n"
            "cxgarden_changelog_lag %lld\n"
            "cxgarden_changelog_lag_bound %ld\n"
            "# HELP cxgarden_rows_per_second Rows per second over the last second: accepted by "
            "the ingest endpoints, and applied by the engine.\n"
            "# TYPE cxgarden_rows_per_second gauge\n"
            "cxgarden_rows_per_second{stage=\"ingested\"} %.1f\n"
            "cxgarden_rows_per_second{stage=\"applied\"} %.1f\n"
            "# HELP cxgarden_engine_applies_total Catch-ups and reloads of the engine, failures, "
            "change-log rows and rows applied, full recomputes.\n"
            "# TYPE cxgarden_engine_applies_total counter\n"
            "cxgarden_engine_applies_total %ld\n"
            "cxgarden_engine_apply_failures_total %ld\n"
            "cxgarden_engine_applied_changes_total %ld\n"
            "cxgarden_engine_applied_rows_total %ld\n"
            "cxgarden_engine_recomputes_total %ld\n",
            fresh, (long long)head, (long long)seq, (long long)lag, ap.max_lag, rin, rap,
            atomic_load(&applies), atomic_load(&apply_failures), atomic_load(&applied_changes),
            atomic_load(&applied_rows), atomic_load(&recomputes));
}

enum cxg_err api_engine_metrics(struct cxg_buf *b)
{
        size_t acc = 0, ppl = 0, inter = 0, fb = 0;
        double load = 0, compute = 0;
        enum cxg_err rc;

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
        rc = cxg_buf_printf(
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
            "cxgarden_scores_compute_seconds %.6f\n",
            acc, ppl, inter, fb, load, compute);
        if (!rc)
                rc = applier_metrics(b);
        if (!rc)
                rc = api_commit_metrics(b);
        if (!rc)
                rc = api_cluster_metrics(b);
        return rc;
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
