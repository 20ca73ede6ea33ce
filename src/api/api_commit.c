/*
 * api_commit.c: the group committer of the API's writes (api_commit.h). Requests queue their
 * work; one thread with a store handle of its own takes everything pending, runs it in one
 * transaction (each request under a savepoint), commits at the configured durability and
 * wakes every waiter with its result and the change-log head. The queue is bounded: a full
 * queue is CXG_ERR_BUSY (503), an engine too far behind CXG_ERR_LIMIT (429), both with
 * Retry-After. Settings and their defaults are in docs/api.md, "Writes".
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api/api_commit.h"
#include "core/banned.h"
#include "core/log.h"
#include "store/store_changes.h"

#define COMMIT_QUEUE_DEFAULT 1024     /* requests waiting for the next group */
#define COMMIT_QUEUE_MAX 1000000      /* the most [server] commit_queue may ask for */
#define COMMIT_LINGER_MAX_US 1000000L /* [server] commit_linger_us: at most 1 s */
#define WAIT_SCORES_DEFAULT_MS 5000   /* ?wait=scores gives up after it: 202 */
#define WAIT_SCORES_MAX_MS 600000L
#define BUSY_RETRY_AFTER_S 1 /* Retry-After of a 503 for a full queue */

/* One request's work, on the requesting thread's stack until the committer answered it. */
struct job {
        api_commit_fn fn;
        void *arg;
        struct cxg_error err;
        enum cxg_err rc;
        int64_t seq;
        int done;
        struct job *next;
};

static struct {
        pthread_mutex_t mu;
        pthread_cond_t work; /* the committer waits for jobs */
        pthread_cond_t done; /* requesters wait for their group */
        struct job *head, *tail;
        size_t depth;
        int started, stopping;
        pthread_t th;
        struct store *st;
        long generation; /* api_g.generation the handle's id caches are from */
        /* settings */
        size_t max_depth;
        long linger_us;
        long wait_ms;
        int durability_full;
} cm = {.mu = PTHREAD_MUTEX_INITIALIZER,
        .work = PTHREAD_COND_INITIALIZER,
        .done = PTHREAD_COND_INITIALIZER};

/* counters for /metrics */
static atomic_long n_requests, n_groups, n_failed_groups, n_rejected_busy, n_rejected_lag;
static atomic_long max_group, n_grouped;
#define NSIZE_BUCKETS 8
static const long size_bounds[NSIZE_BUCKETS] = {1, 2, 4, 8, 16, 64, 256, 1024};
static atomic_long size_hist[NSIZE_BUCKETS + 1];

static void note_group(size_t n, int failed)
{
        size_t b = 0;
        long prev = atomic_load(&max_group);

        atomic_fetch_add(&n_groups, 1);
        atomic_fetch_add(&n_grouped, (long)n);
        if (failed)
                atomic_fetch_add(&n_failed_groups, 1);
        while (b < NSIZE_BUCKETS && (long)n > size_bounds[b])
                b++;
        atomic_fetch_add(&size_hist[b], 1);
        while ((long)n > prev && !atomic_compare_exchange_weak(&max_group, &prev, (long)n))
                ;
}

/* Run one job under a savepoint of the open transaction; an error undoes it alone. */
static void run_job(struct job *j)
{
        cxg_error_clear(&j->err);
        if ((j->rc = store_savepoint(cm.st, &j->err)))
                return;
        j->rc = j->fn(cm.st, j->arg, &j->err);
        if (j->rc) {
                store_savepoint_rollback(cm.st);
                return;
        }
        if ((j->rc = store_savepoint_release(cm.st, &j->err)))
                store_savepoint_rollback(cm.st);
}

/* Run the jobs from first (a list taken off the queue) in one transaction. */
static void run_group(struct job *first, size_t n)
{
        struct cxg_error err = {0};
        enum cxg_err rc;
        int64_t head = INT64_MAX; /* unknown: ?wait=scores then times out rather than lie */
        size_t any = 0;
        api_store_sync_ids(cm.st, &cm.generation); /* after deletions: cached ids may be stale */
        if ((rc = store_begin(cm.st, &err))) {
                for (struct job *j = first; j; j = j->next) {
                        j->rc = rc;
                        j->err = err;
                }
                note_group(n, 1);
                return;
        }
        for (struct job *j = first; j; j = j->next) {
                run_job(j);
                any += j->rc == CXG_OK;
        }
        rc = any ? store_commit(cm.st, &err) : CXG_OK;
        if (!any)
                store_rollback(cm.st);
        if (rc) {
                cxg_log(CXG_LOG_ERROR, "serve: group commit of %zu requests: %s", n, err.msg);
                for (struct job *j = first; j; j = j->next)
                        if (j->rc == CXG_OK) {
                                j->rc = rc;
                                j->err = err;
                        }
        } else if (any) {
                struct cxg_error herr = {0};

                if (store_changes_head(cm.st, &head, &herr)) {
                        cxg_log(CXG_LOG_WARN, "serve: change-log head after a commit: %s",
                                herr.msg);
                        head = INT64_MAX;
                        api_engine_committed(0, any);
                } else {
                        api_engine_committed(head, any);
                }
        }
        for (struct job *j = first; j; j = j->next)
                j->seq = head;
        note_group(n, rc != CXG_OK);
}

static void *committer(void *unused)
{
        (void)unused;
        pthread_mutex_lock(&cm.mu);
        for (;;) {
                struct job *first;
                size_t n;

                while (!cm.head && !cm.stopping)
                        pthread_cond_wait(&cm.work, &cm.mu);
                if (!cm.head)
                        break; /* stopping, and nothing is left */
                if (cm.linger_us > 0 && !cm.stopping) {
                        /* let more requests join the group (PostgreSQL's commit_delay) */
                        pthread_mutex_unlock(&cm.mu);
                        nanosleep(&(struct timespec){cm.linger_us / 1000000,
                                                     (cm.linger_us % 1000000) * 1000},
                                  NULL);
                        pthread_mutex_lock(&cm.mu);
                }
                first = cm.head;
                n = cm.depth;
                cm.head = cm.tail = NULL;
                cm.depth = 0;
                pthread_mutex_unlock(&cm.mu);
                run_group(first, n);
                pthread_mutex_lock(&cm.mu);
                for (struct job *j = first; j; j = j->next)
                        j->done = 1;
                pthread_cond_broadcast(&cm.done);
        }
        pthread_mutex_unlock(&cm.mu);
        return NULL;
}

/* The [store] and [server] settings of the committer from ini (NULL: defaults). */
static enum cxg_err read_settings(const struct cxg_config *ini, struct cxg_error *err)
{
        const char *v = ini ? cxg_config_get(ini, "store.durability") : NULL;
        long x;
        enum cxg_err rc;

        cm.durability_full = 0;
        if (v && strcasecmp(v, "full") == 0)
                cm.durability_full = 1;
        else if (v && strcasecmp(v, "normal") != 0)
                return cxg_error_setf(err, CXG_ERR_INVALID, "store.durability",
                                      "%s: [store] durability: expected normal or full, got '%s'",
                                      ini->path, v);
        cm.max_depth = COMMIT_QUEUE_DEFAULT;
        cm.linger_us = 0;
        cm.wait_ms = WAIT_SCORES_DEFAULT_MS;
        if (!ini)
                return CXG_OK;
        if ((rc = cxg_config_long(ini, "server.commit_queue", COMMIT_QUEUE_DEFAULT, 1,
                                  COMMIT_QUEUE_MAX, &x, err)))
                return rc;
        cm.max_depth = (size_t)x;
        if ((rc = cxg_config_long(ini, "server.commit_linger_us", 0, 0, COMMIT_LINGER_MAX_US,
                                  &cm.linger_us, err)))
                return rc;
        return cxg_config_long(ini, "server.wait_scores_timeout_ms", WAIT_SCORES_DEFAULT_MS, 0,
                               WAIT_SCORES_MAX_MS, &cm.wait_ms, err);
}

enum cxg_err api_commit_start(const struct api_config *cfg, struct cxg_error *err)
{
        enum cxg_err rc;

        if ((rc = read_settings(cfg->ini, err)))
                return rc;
        if ((rc = store_open(cfg->db_path, 0, &cm.st, err)))
                return rc;
        if ((rc = store_set_durability(cm.st, cm.durability_full, err))) {
                store_close(cm.st);
                cm.st = NULL;
                return rc;
        }
        cm.stopping = 0;
        cm.generation = atomic_load(&api_g.generation);
        if (pthread_create(&cm.th, NULL, committer, NULL) != 0) {
                store_close(cm.st);
                cm.st = NULL;
                return cxg_error_set(err, CXG_ERR_NOMEM, "cannot start the committer thread");
        }
        cm.started = 1;
        return CXG_OK;
}

void api_commit_stop(void)
{
        if (!cm.started)
                return;
        pthread_mutex_lock(&cm.mu);
        cm.stopping = 1;
        pthread_cond_signal(&cm.work);
        pthread_mutex_unlock(&cm.mu);
        pthread_join(cm.th, NULL); /* it commits what is queued first */
        cm.started = 0;
        store_close(cm.st);
        cm.st = NULL;
}

int api_commit_durability_full(void)
{
        return cm.durability_full;
}

/* The committer is not running (a handler used outside a server): a transaction of its own. */
static enum cxg_err run_inline(struct api_req *r, api_commit_fn fn, void *arg, int64_t *seq,
                               struct cxg_error *err)
{
        struct store *st = api_store(r);
        enum cxg_err rc;

        if (!st)
                return cxg_error_set(err, CXG_ERR_STORE, "the database cannot be opened");
        if ((rc = store_begin(st, err)))
                return rc;
        if ((rc = fn(st, arg, err)) || (rc = store_commit(st, err))) {
                store_rollback(st);
                return rc;
        }
        return seq ? store_changes_head(st, seq, err) : CXG_OK;
}

enum cxg_err api_commit_run(struct api_req *r, api_commit_fn fn, void *arg, int64_t *seq,
                            struct cxg_error *err)
{
        struct job j = {fn, arg, {0}, CXG_OK, 0, 0, NULL};
        long retry;

        if (!cm.started)
                return run_inline(r, fn, arg, seq, err);
        atomic_fetch_add(&n_requests, 1);
        if ((retry = api_engine_backlog_retry()) > 0) {
                atomic_fetch_add(&n_rejected_lag, 1);
                r->retry_after = retry;
                return cxg_error_set(err, CXG_ERR_LIMIT,
                                     "the scoring engine is behind the writes by more than its "
                                     "bound ([engine] max_lag); retry after %ld s",
                                     retry);
        }
        pthread_mutex_lock(&cm.mu);
        if (cm.depth >= cm.max_depth || cm.stopping) {
                pthread_mutex_unlock(&cm.mu);
                atomic_fetch_add(&n_rejected_busy, 1);
                r->retry_after = BUSY_RETRY_AFTER_S;
                return cxg_error_set(err, CXG_ERR_BUSY,
                                     "the write queue is full (%zu requests, [server] "
                                     "commit_queue); retry shortly",
                                     cm.max_depth);
        }
        if (cm.tail)
                cm.tail->next = &j;
        else
                cm.head = &j;
        cm.tail = &j;
        cm.depth++;
        pthread_cond_signal(&cm.work);
        while (!j.done)
                pthread_cond_wait(&cm.done, &cm.mu);
        pthread_mutex_unlock(&cm.mu);
        if (j.rc) {
                *err = j.err;
                return j.rc;
        }
        if (seq)
                *seq = j.seq;
        return CXG_OK;
}

void api_commit_reply_error(struct api_req *r, enum cxg_err rc, const struct cxg_error *err)
{
        if (rc == CXG_ERR_LIMIT && r->retry_after > 0) {
                api_reply_error(r, 429, "too_many_requests", NULL, "%s", err->msg);
        } else if (rc == CXG_ERR_BUSY && r->retry_after > 0) {
                api_reply_error(r, 503, "busy", NULL, "%s", err->msg);
        } else {
                api_reply_cxg(r, rc, err);
        }
}

long api_commit_wait_ms(struct api_req *r)
{
        const char *w = api_arg(r, "wait");

        if (!w)
                return -1;
        return strcmp(w, "scores") == 0 ? cm.wait_ms : -2;
}

enum cxg_err api_commit_metrics(struct cxg_buf *b)
{
        enum cxg_err rc;
        long cum = 0;
        size_t depth;

        pthread_mutex_lock(&cm.mu);
        depth = cm.depth;
        pthread_mutex_unlock(&cm.mu);
        rc = cxg_buf_printf(
            b,
            "# HELP cxgarden_commit_queue_depth Write requests waiting for the next group "
            "commit.\n"
            "# TYPE cxgarden_commit_queue_depth gauge\n"
            "cxgarden_commit_queue_depth %zu\n"
            "cxgarden_commit_queue_capacity %zu\n"
            "# HELP cxgarden_commit_requests_total Write requests handed to the group committer.\n"
            "# TYPE cxgarden_commit_requests_total counter\n"
            "cxgarden_commit_requests_total %ld\n"
            "# HELP cxgarden_commits_total Group transactions (failed: rolled back).\n"
            "# TYPE cxgarden_commits_total counter\n"
            "cxgarden_commits_total %ld\n"
            "cxgarden_commits_failed_total %ld\n"
            "# HELP cxgarden_commit_group_max Largest group so far (requests in one "
            "transaction).\n"
            "# TYPE cxgarden_commit_group_max gauge\n"
            "cxgarden_commit_group_max %ld\n"
            "# HELP cxgarden_write_rejections_total Writes refused by backpressure, by status.\n"
            "# TYPE cxgarden_write_rejections_total counter\n"
            "cxgarden_write_rejections_total{status=\"429\"} %ld\n"
            "cxgarden_write_rejections_total{status=\"503\"} %ld\n"
            "# HELP cxgarden_commit_group_size Requests per group transaction.\n"
            "# TYPE cxgarden_commit_group_size histogram\n",
            depth, cm.max_depth, atomic_load(&n_requests), atomic_load(&n_groups),
            atomic_load(&n_failed_groups), atomic_load(&max_group), atomic_load(&n_rejected_lag),
            atomic_load(&n_rejected_busy));
        for (size_t i = 0; i < NSIZE_BUCKETS && !rc; i++) {
                cum += atomic_load(&size_hist[i]);
                rc = cxg_buf_printf(b, "cxgarden_commit_group_size_bucket{le=\"%ld\"} %ld\n",
                                    size_bounds[i], cum);
        }
        cum += atomic_load(&size_hist[NSIZE_BUCKETS]);
        if (!rc)
                rc = cxg_buf_printf(b,
                                    "cxgarden_commit_group_size_bucket{le=\"+Inf\"} %ld\n"
                                    "cxgarden_commit_group_size_count %ld\n"
                                    "cxgarden_commit_group_size_sum %ld\n",
                                    cum, cum, atomic_load(&n_grouped));
        return rc;
}
