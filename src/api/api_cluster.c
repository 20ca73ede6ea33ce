/*
 * api_cluster.c: a scale-out node's heartbeat thread and its watchdog on the applier
 * (docs/api.md and docs/architecture.md, "Scale-out"). The thread beats every tick_seconds
 * on a store handle of its own, whatever the applier is busy with, so that a long load or
 * recompute does not lose the node's leases; but when the applier has finished no round for
 * longer than [cluster] stall_seconds it stops beating (no heartbeat, no lease renewal, no
 * balancing), so the node's heartbeat and leases expire and the other nodes take its shards
 * as for a dead node. It beats again once the applier makes progress.
 */
#include <pthread.h>
#include <time.h>

#include "api/api_int.h"
#include "app/cluster.h"
#include "core/banned.h"
#include "core/log.h"
#include "engine/engine.h"

static struct {
        pthread_t th;
        pthread_mutex_t mu;
        pthread_cond_t wake;
        int started, stopping;
        struct store *st;
        struct app_cluster *c;
        struct eng_engine *e;
        double progress; /* api_mono() of the applier's last finished round */
        int stalled;     /* the last tick skipped the beat */
} hb = {.mu = PTHREAD_MUTEX_INITIALIZER};

void api_cluster_progress(void)
{
        double now = api_mono();

        pthread_mutex_lock(&hb.mu);
        hb.progress = now;
        pthread_mutex_unlock(&hb.mu);
}

/* Whether the applier is stalled at now (logs the changes at warn and info). */
static int stalled(double now)
{
        double quiet;
        int was = hb.stalled;

        pthread_mutex_lock(&hb.mu);
        quiet = now - hb.progress;
        pthread_mutex_unlock(&hb.mu);
        hb.stalled = quiet > (double)hb.c->cfg.stall_s;
        if (hb.stalled && !was)
                cxg_log(CXG_LOG_WARN,
                        "cluster: node %s: the applier has finished no round for %.0f s "
                        "(stall_seconds %ld): no more heartbeats or lease renewals, the other "
                        "nodes will take its shards",
                        hb.c->cfg.node, quiet, hb.c->cfg.stall_s);
        else if (!hb.stalled && was)
                cxg_log(CXG_LOG_INFO, "cluster: node %s: the applier moves again: beating",
                        hb.c->cfg.node);
        return hb.stalled;
}

static void *beat_main(void *unused)
{
        struct cxg_error err = {0};

        (void)unused;
        pthread_mutex_lock(&hb.mu);
        while (!hb.stopping) {
                struct timespec ts;

                pthread_mutex_unlock(&hb.mu);
                clock_gettime(CLOCK_MONOTONIC, &ts);
                ts.tv_sec += hb.c->cfg.tick_s;
                if (!stalled(api_mono()) &&
                    app_cluster_beat(hb.c, hb.st, hb.e, api_now(), api_engine_lag_s(), &err))
                        cxg_log(CXG_LOG_ERROR, "cluster: heartbeat: %s", err.msg);
                pthread_mutex_lock(&hb.mu);
                if (!hb.stopping)
                        pthread_cond_timedwait(&hb.wake, &hb.mu, &ts);
        }
        pthread_mutex_unlock(&hb.mu);
        return NULL;
}

enum cxg_err api_cluster_beat_start(struct app_cluster *c, struct eng_engine *e, const char *db,
                                    struct cxg_error *err)
{
        pthread_condattr_t ca;
        enum cxg_err rc;

        if ((rc = store_open(db, 0, &hb.st, err)))
                return rc;
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&hb.wake, &ca);
        pthread_condattr_destroy(&ca);
        hb.c = c;
        hb.e = e;
        pthread_mutex_lock(&hb.mu);
        hb.stopping = hb.stalled = 0;
        hb.progress = api_mono(); /* the first load is done: the watch starts now */
        pthread_mutex_unlock(&hb.mu);
        hb.started = 1;
        if (pthread_create(&hb.th, NULL, beat_main, NULL) != 0) {
                hb.started = 0;
                store_close(hb.st);
                hb.st = NULL;
                return cxg_error_set(err, CXG_ERR_NOMEM, "cannot start the cluster's heartbeat");
        }
        return CXG_OK;
}

void api_cluster_beat_stop(void)
{
        if (!hb.started)
                return;
        pthread_mutex_lock(&hb.mu);
        hb.stopping = 1;
        pthread_cond_signal(&hb.wake);
        pthread_mutex_unlock(&hb.mu);
        pthread_join(hb.th, NULL);
        hb.started = 0;
        store_close(hb.st);
        hb.st = NULL;
}
