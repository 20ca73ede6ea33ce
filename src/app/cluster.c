/*
 * cluster.c: one engine node of a scale-out cluster, step by step (app/cluster.h): the
 * [cluster] settings, join, tick (heartbeat, leases, ownership), publishing partial sums and
 * states, gathering partials for the two-phase recompute, following the other nodes' states,
 * and leaving. Every step is one call the server's applier makes; the engine computes, the
 * store keeps, this file only moves blobs between them and decides when.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "app/cluster.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/log.h"
#include "engine/cluster.h"
#include "core/banned.h"

#define STATES_BATCH 500  /* published states per transaction */
#define FOLLOW_BATCH 1000 /* followed states per engine apply */
#define TICK_MAX_S 3600   /* [cluster] tick_seconds bound */

/* ---- settings ---- */

/* One whole number of [cluster] at entry e within [lo, hi]. */
static enum cxg_err cfg_long(const struct cxg_config *ini, const struct cxg_config_entry *e,
                             long lo, long hi, long *out, struct cxg_error *err)
{
        if (cxg_config_long(ini, e->key, *out, lo, hi, out, err))
                return cxg_error_setf(err, CXG_ERR_INVALID, e->key,
                                      "config: %s:%ld: %s must be a whole number from %ld to %ld, "
                                      "not \"%s\"",
                                      ini->path, e->line, e->key, lo, hi, e->value);
        return CXG_OK;
}

/* One key of the [cluster] section into c. */
static enum cxg_err cfg_key(const struct cxg_config *ini, const struct cxg_config_entry *e,
                            struct app_cluster_cfg *c, struct cxg_error *err)
{
        const char *k = e->key + strlen("cluster.");
        long v;
        enum cxg_err rc;

        if (strcmp(k, "shards") == 0) {
                v = c->n_shards;
                if ((rc = cfg_long(ini, e, 1, CXG_SHARDS_MAX, &v, err)))
                        return rc;
                c->n_shards = (uint32_t)v;
        } else if (strcmp(k, "lease_seconds") == 0) {
                return cfg_long(ini, e, 1, TICK_MAX_S * 10, &c->lease_s, err);
        } else if (strcmp(k, "tick_seconds") == 0) {
                return cfg_long(ini, e, 1, TICK_MAX_S, &c->tick_s, err);
        } else if (strcmp(k, "stall_seconds") == 0) {
                return cfg_long(ini, e, 1, TICK_MAX_S * 100, &c->stall_s, err);
        } else if (strcmp(k, "min_nodes") == 0) {
                v = c->min_nodes;
                if ((rc = cfg_long(ini, e, 1, CXG_SHARDS_MAX, &v, err)))
                        return rc;
                c->min_nodes = (uint32_t)v;
        } else if (strcmp(k, "node") == 0 || strcmp(k, "url") == 0) {
                char *dst = k[0] == 'n' ? c->node : c->url;
                size_t cap = k[0] == 'n' ? sizeof(c->node) : sizeof(c->url);

                if (!e->value[0] || strlen(e->value) >= cap)
                        return cxg_error_setf(err, CXG_ERR_INVALID, e->key,
                                              "config: %s:%ld: %s must be 1 to %zu characters",
                                              ini->path, e->line, e->key, cap - 1);
                if (k[0] == 'u' && strncmp(e->value, "http://", 7) != 0)
                        return cxg_error_setf(err, CXG_ERR_INVALID, e->key,
                                              "config: %s:%ld: cluster.url must be an http:// "
                                              "URL, not \"%s\"",
                                              ini->path, e->line, e->value);
                snprintf(dst, cap, "%s", e->value);
        } else {
                return cxg_error_setf(
                    err, CXG_ERR_INVALID, e->key,
                    "config: %s:%ld: unknown key '%s' (the [cluster] keys are "
                    "shards, node, url, lease_seconds, tick_seconds, stall_seconds, "
                    "min_nodes)",
                    ini->path, e->line, e->key);
        }
        return CXG_OK;
}

enum cxg_err app_cluster_config(const struct cxg_config *ini, long shards_flag,
                                struct app_cluster_cfg *out, int *on, struct cxg_error *err)
{
        enum cxg_err rc;

        memset(out, 0, sizeof(*out));
        out->n_shards = CXG_SHARDS_DEFAULT;
        out->lease_s = APP_CLUSTER_LEASE_DEFAULT_S;
        out->tick_s = APP_CLUSTER_TICK_DEFAULT_S;
        out->min_nodes = 1;
        *on = shards_flag > 0;
        for (size_t i = 0; ini && i < ini->count; i++) {
                const struct cxg_config_entry *e = &ini->entries[i];

                if (strncmp(e->key, "cluster.", 8) != 0)
                        continue;
                *on = 1;
                if ((rc = cfg_key(ini, e, out, err)))
                        return rc;
        }
        if (shards_flag < 0 || shards_flag > CXG_SHARDS_MAX)
                return cxg_error_setf(err, CXG_ERR_INVALID, "shards",
                                      "--shards must be from 1 to %d, not %ld", CXG_SHARDS_MAX,
                                      shards_flag);
        if (shards_flag > 0)
                out->n_shards = (uint32_t)shards_flag;
        if (*on && out->lease_s <= 2 * out->tick_s)
                return cxg_error_setf(err, CXG_ERR_INVALID, "cluster.lease_seconds",
                                      "config: %s: cluster.lease_seconds (%ld) must be more than "
                                      "twice cluster.tick_seconds (%ld), or a live node loses "
                                      "its shards between two ticks",
                                      ini ? ini->path : "(defaults)", out->lease_s, out->tick_s);
        if (!out->stall_s)
                out->stall_s = APP_CLUSTER_STALL_LEASES * out->lease_s;
        return CXG_OK;
}

void app_cluster_defaults(struct app_cluster_cfg *c, int port)
{
        char host[STORE_NODE_NAME_MAX / 2] = "localhost";

        if (!c->node[0]) {
                if (gethostname(host, sizeof(host) - 1) != 0)
                        snprintf(host, sizeof(host), "localhost");
                host[sizeof(host) - 1] = '\0';
                if (port > 0)
                        snprintf(c->node, sizeof(c->node), "%s:%d", host, port);
                else
                        snprintf(c->node, sizeof(c->node), "%s:p%ld", host, (long)getpid());
        }
        if (!c->url[0] && port > 0)
                snprintf(c->url, sizeof(c->url), "http://127.0.0.1:%d", port);
}

/* ---- node state ---- */

void app_cluster_init(struct app_cluster *c, const struct app_cluster_cfg *cfg, int64_t now)
{
        memset(c, 0, sizeof(*c));
        c->cfg = *cfg;
        c->started_at = now;
        pthread_mutex_init(&c->mu, NULL);
        cxg_shardset_init(&c->status.owned, cfg->n_shards, 0);
        c->status.want = c->status.owned;
}

void app_cluster_release(struct app_cluster *c)
{
        pthread_mutex_destroy(&c->mu);
}

void app_cluster_set_url(struct app_cluster *c, const char *url)
{
        pthread_mutex_lock(&c->mu);
        snprintf(c->cfg.url, sizeof(c->cfg.url), "%s", url);
        pthread_mutex_unlock(&c->mu);
}

void app_cluster_status_get(struct app_cluster *c, struct app_cluster_status *out)
{
        pthread_mutex_lock(&c->mu);
        *out = c->status;
        pthread_mutex_unlock(&c->mu);
}

/* A 64-bit fingerprint of a blob (never 0: 0 means "none"). */
static uint64_t blob_hash(const void *blob, size_t len)
{
        uint64_t h = 0;

        crypto_generichash((unsigned char *)&h, sizeof(h), blob, len, NULL, 0);
        return h ? h : 1;
}

/* The heartbeat row of c: name, url, start, and the status as JSON. */
static void beat_row(struct app_cluster *c, struct store_node_info *me)
{
        struct app_cluster_status s;
        char shards[STORE_NODE_INFO_MAX / 2];

        memset(me, 0, sizeof(*me));
        pthread_mutex_lock(&c->mu);
        s = c->status;
        snprintf(me->url, sizeof(me->url), "%s", c->cfg.url);
        pthread_mutex_unlock(&c->mu);
        snprintf(me->name, sizeof(me->name), "%s", c->cfg.node);
        me->started_at = c->started_at;
        cxg_shardset_format(&s.owned, shards, sizeof(shards));
        snprintf(me->info, sizeof(me->info),
                 "{\"shards\":\"%s\",\"owned\":%" PRIu32 ",\"rows\":%" PRIu64 ",\"seq\":%" PRId64
                 ",\"lag\":%.3f,\"pub_seq\":%" PRId64 ",\"recomputes\":%ld}",
                 shards, cxg_shardset_count(&s.owned), s.rows, s.seq, s.lag_s, s.pub_seq,
                 s.recomputes);
}

/* Refresh rows and seq of the status from the engine. */
static void status_from_engine(struct app_cluster *c, struct eng_engine *e, double lag_s)
{
        uint64_t rows;
        int64_t seq;

        eng_engine_read_lock(e);
        rows = (uint64_t)(e->snap.main.n + e->snap.delta.n);
        seq = e->seq;
        eng_engine_unlock(e);
        pthread_mutex_lock(&c->mu);
        c->status.rows = rows;
        c->status.seq = seq;
        c->status.lag_s = lag_s;
        pthread_mutex_unlock(&c->mu);
}

/* The number of live nodes at now, into the status. */
static enum cxg_err count_alive(struct app_cluster *c, struct store *st, int64_t now,
                                struct cxg_error *err)
{
        struct store_node_info *nodes = NULL;
        size_t n = 0;
        enum cxg_err rc = store_cluster_nodes(st, now, 0, &nodes, &n, err);

        cxg_free(nodes);
        if (!rc) {
                pthread_mutex_lock(&c->mu);
                c->status.nodes_alive = n;
                pthread_mutex_unlock(&c->mu);
        }
        return rc;
}

/* ---- steps ---- */

/* One balancing step of c at now: the shards it holds afterwards into *owned. */
static enum cxg_err balance(struct app_cluster *c, struct store *st, int64_t now,
                            struct cxg_shardset *owned, struct cxg_error *err)
{
        struct store_balance_opts o = {c->cfg.lease_s, c->cfg.n_shards, c->cfg.min_nodes};

        return store_shards_balance(st, c->cfg.node, now, &o, owned, err);
}

enum cxg_err app_cluster_join(struct app_cluster *c, struct store *st, int64_t now,
                              struct cxg_error *err)
{
        struct store_node_info me;
        struct cxg_shardset owned;
        enum cxg_err rc;
        char shards[256];

        if ((rc = store_cluster_setup(st, c->cfg.n_shards, err)))
                return rc;
        beat_row(c, &me);
        if ((rc = store_cluster_heartbeat(st, &me, now, c->cfg.lease_s, err)) ||
            (rc = balance(c, st, now, &owned, err)))
                return rc;
        pthread_mutex_lock(&c->mu);
        c->status.owned = c->status.want = owned;
        pthread_mutex_unlock(&c->mu);
        c->joined = 1;
        cxg_log(CXG_LOG_INFO, "cluster: node %s joined (%" PRIu32 " shards): owns %" PRIu32 " (%s)",
                c->cfg.node, c->cfg.n_shards, cxg_shardset_count(&owned),
                cxg_shardset_format(&owned, shards, sizeof(shards)));
        return count_alive(c, st, now, err);
}

enum cxg_err app_cluster_beat(struct app_cluster *c, struct store *st, struct eng_engine *e,
                              int64_t now, double lag_s, struct cxg_error *err)
{
        struct store_node_info me;
        struct cxg_shardset want;
        enum cxg_err rc;

        status_from_engine(c, e, lag_s);
        beat_row(c, &me);
        if ((rc = store_cluster_heartbeat(st, &me, now, c->cfg.lease_s, err)) ||
            (rc = balance(c, st, now, &want, err)) || (rc = count_alive(c, st, now, err)))
                return rc;
        pthread_mutex_lock(&c->mu);
        c->status.want = want;
        pthread_mutex_unlock(&c->mu);
        return CXG_OK;
}

enum cxg_err app_cluster_take(struct app_cluster *c, struct store *st, struct eng_engine *e,
                              int *changed, struct cxg_error *err)
{
        struct cxg_shardset want, before;
        enum cxg_err rc;
        char was[256], is[256];

        if (changed)
                *changed = 0;
        pthread_mutex_lock(&c->mu);
        want = c->status.want;
        before = c->status.owned;
        pthread_mutex_unlock(&c->mu);
        if (cxg_shardset_equal(&before, &want))
                return CXG_OK;
        cxg_log(CXG_LOG_INFO, "cluster: node %s owns %" PRIu32 " shards (%s), was %" PRIu32 " (%s)",
                c->cfg.node, cxg_shardset_count(&want), cxg_shardset_format(&want, is, sizeof(is)),
                cxg_shardset_count(&before), cxg_shardset_format(&before, was, sizeof(was)));
        if ((rc = eng_engine_set_shards(e, st, &want, err)))
                return rc;
        /* shards given up: their partials are the new holder's to put */
        for (uint32_t i = 0; i < c->cfg.n_shards; i++)
                if (!cxg_shardset_has(&want, i))
                        c->part_hash[i] = 0;
        eng_engine_states_reset(e);
        pthread_mutex_lock(&c->mu);
        c->status.owned = want;
        c->status.ownership_changes++;
        pthread_mutex_unlock(&c->mu);
        if (changed)
                *changed = 1;
        return CXG_OK;
}

/*
 * A fenced publication was refused: the wanted shards become those whose lease c still holds
 * (expired ones too: the next beat renews them unless another node took them), so the
 * applier's next app_cluster_take drops the shards taken by others.
 */
static enum cxg_err lease_lost(struct app_cluster *c, struct store *st, const char *what,
                               struct cxg_error *err)
{
        struct store_shard_lease *v = NULL;
        struct cxg_shardset held, before;
        size_t n = 0;
        enum cxg_err rc;
        char was[256], is[256];

        if ((rc = store_shard_leases(st, &v, &n, err)))
                return rc;
        cxg_shardset_init(&held, c->cfg.n_shards, 0);
        for (size_t i = 0; i < n; i++)
                if (v[i].shard < c->cfg.n_shards && strcmp(v[i].holder, c->cfg.node) == 0)
                        cxg_shardset_add(&held, v[i].shard);
        cxg_free(v);
        pthread_mutex_lock(&c->mu);
        before = c->status.owned;
        c->status.want = held;
        pthread_mutex_unlock(&c->mu);
        cxg_log(CXG_LOG_WARN,
                "cluster: node %s: %s refused, the lease is lost; it holds %" PRIu32
                " shards (%s), its engine %" PRIu32 " (%s)",
                c->cfg.node, what, cxg_shardset_count(&held),
                cxg_shardset_format(&held, is, sizeof(is)), cxg_shardset_count(&before),
                cxg_shardset_format(&before, was, sizeof(was)));
        return CXG_OK;
}

/* Encode shard's partials and put them when they differ from the last put. */
static enum cxg_err put_partial(struct app_cluster *c, struct store *st, struct eng_engine *e,
                                uint32_t shard, int64_t now, struct cxg_buf *b, int *put,
                                struct cxg_error *err)
{
        struct eng_partials *pt = NULL;
        enum cxg_err rc;
        uint64_t h;
        int64_t seq;

        cxg_buf_clear(b);
        if ((rc = eng_engine_partials(e, shard, &pt, err)) ||
            (rc = eng_partials_encode(pt, b, err)))
                goto done;
        h = blob_hash(b->data, b->len);
        if (h == c->part_hash[shard])
                goto done;
        eng_engine_read_lock(e);
        seq = e->seq;
        eng_engine_unlock(e);
        if ((rc = store_partial_put(st, shard, c->cfg.node, now, seq, b->data, b->len, err)))
                goto done;
        c->part_hash[shard] = h;
        (*put)++;
done:
        eng_partials_free(pt);
        return rc;
}

enum cxg_err app_cluster_publish_partials(struct app_cluster *c, struct store *st,
                                          struct eng_engine *e, int64_t now, struct cxg_error *err)
{
        struct app_cluster_status s;
        struct cxg_buf b;
        enum cxg_err rc = CXG_OK;
        int put = 0, refused = 0;
        uint32_t first = 0;

        app_cluster_status_get(c, &s);
        cxg_buf_init(&b, 0);
        for (uint32_t i = 0; i < c->cfg.n_shards && !rc; i++) {
                if (!cxg_shardset_has(&s.owned, i))
                        continue;
                rc = put_partial(c, st, e, i, now, &b, &put, err);
                if (rc == CXG_ERR_CONFLICT) { /* fenced: not this node's any more */
                        first = refused++ ? first : i;
                        cxg_error_clear(err);
                        rc = CXG_OK;
                }
        }
        cxg_buf_release(&b);
        if (!rc && put)
                cxg_log(CXG_LOG_DEBUG, "cluster: published the partials of %d shards", put);
        if (rc || !refused)
                return rc;
        if ((rc = lease_lost(c, st, "publishing partials", err)))
                return rc;
        return cxg_error_set(err, CXG_ERR_CONFLICT,
                             "cluster: node %s: the partials of %d shards (the first %" PRIu32
                             ") were refused: their lease is lost",
                             c->cfg.node, refused, first);
}

/* What app_cluster_gather collects from the store. */
struct gather {
        struct eng_partials *merged;
        struct cxg_shardset seen;
        crypto_generichash_state hs;
        struct cxg_error *err;
};

static enum cxg_err gather_one(void *ctx, uint32_t shard, const char *node, int64_t seq,
                               const void *blob, size_t len)
{
        struct gather *g = ctx;
        struct eng_partials *pt = NULL;
        enum cxg_err rc;

        (void)seq;
        if (shard >= g->seen.n)
                return CXG_OK; /* a shard of another count: store_cluster_setup forbids it */
        if ((rc = eng_partials_decode(blob, len, &pt, g->err))) {
                cxg_log(CXG_LOG_WARN, "cluster: shard %" PRIu32 "'s partials from %s: %s", shard,
                        node, g->err->msg);
                cxg_error_clear(g->err);
                return CXG_OK; /* that shard counts as missing until its holder puts it again */
        }
        rc = eng_partials_merge(g->merged, pt, g->err);
        eng_partials_free(pt);
        if (rc)
                return rc;
        cxg_shardset_add(&g->seen, shard);
        crypto_generichash_update(&g->hs, (const unsigned char *)&shard, sizeof(shard));
        crypto_generichash_update(&g->hs, blob, len);
        return CXG_OK;
}

enum cxg_err app_cluster_gather(struct app_cluster *c, struct store *st, struct eng_engine *e,
                                int *recomputed, struct cxg_error *err)
{
        struct gather g = {.err = err};
        enum cxg_err rc;
        uint64_t h = 0;
        uint32_t have;
        long n;

        if (recomputed)
                *recomputed = 0;
        if (!(g.merged = eng_partials_new()))
                return cxg_error_set(err, CXG_ERR_NOMEM, "cluster: out of memory merging partials");
        cxg_shardset_init(&g.seen, c->cfg.n_shards, 0);
        crypto_generichash_init(&g.hs, NULL, 0, sizeof(h));
        /* the store hands them out by shard: the merge order is the shard order */
        if ((rc = store_partials_scan(st, gather_one, &g, err)))
                goto done;
        crypto_generichash_final(&g.hs, (unsigned char *)&h, sizeof(h));
        h = h ? h : 1;
        have = cxg_shardset_count(&g.seen);
        if (have < c->cfg.n_shards || h == e->partials_hash)
                goto done;
        rc = eng_engine_recompute_with(e, st, g.merged, h, err);
        g.merged = NULL; /* taken over, also on failure */
        if (rc)
                goto done;
        pthread_mutex_lock(&c->mu);
        n = ++c->status.recomputes;
        pthread_mutex_unlock(&c->mu);
        cxg_log(CXG_LOG_INFO,
                "cluster: recompute %ld with the partials of %" PRIu32 " shards: %" PRIu32
                " shards scored here, %zu accounts in all",
                n, have, cxg_shardset_count(&e->own), e->snap.n_accounts);
        if (recomputed)
                *recomputed = 1;
done:
        eng_partials_free(g.merged);
        return rc;
}

/* The batch of states being published. */
struct states {
        struct app_cluster *c;
        struct store *st;
        int64_t now;
        size_t refused;
        struct store_state_row *rows;
        void **blobs;
        size_t n, total;
        int64_t pub_seq;
        struct cxg_error *err;
};

static enum cxg_err states_flush(struct states *p)
{
        enum cxg_err rc = CXG_OK;
        size_t refused = 0;

        if (p->n)
                rc = store_state_publish(p->st, p->c->cfg.node, p->now, p->rows, p->n, &p->pub_seq,
                                         &refused, p->err);
        p->refused += refused;
        for (size_t i = 0; i < p->n; i++)
                cxg_free(p->blobs[i]);
        p->total += p->n;
        p->n = 0;
        return rc;
}

static enum cxg_err states_one(void *ctx, int64_t account_id, uint32_t shard, const void *blob,
                               size_t len)
{
        struct states *p = ctx;
        void *copy = cxg_malloc(len ? len : 1);

        if (!copy)
                return cxg_error_set(p->err, CXG_ERR_NOMEM, "cluster: out of memory publishing");
        memcpy(copy, blob, len);
        p->blobs[p->n] = copy;
        p->rows[p->n] = (struct store_state_row){.kind = STORE_STATE_ACCOUNT,
                                                 .id = account_id,
                                                 .account_id = account_id,
                                                 .shard = shard,
                                                 .blob = copy,
                                                 .len = len};
        if (++p->n == STATES_BATCH)
                return states_flush(p);
        return CXG_OK;
}

enum cxg_err app_cluster_publish_states(struct app_cluster *c, struct store *st,
                                        struct eng_engine *e, int64_t now, struct cxg_error *err)
{
        struct states p = {.c = c, .st = st, .now = now, .err = err};
        enum cxg_err rc;

        p.rows = cxg_calloc(STATES_BATCH, sizeof(*p.rows));
        p.blobs = cxg_calloc(STATES_BATCH, sizeof(*p.blobs));
        if (!p.rows || !p.blobs) {
                rc = cxg_error_set(err, CXG_ERR_NOMEM, "cluster: out of memory publishing");
                goto done;
        }
        rc = eng_engine_states(e, 1, states_one, &p, NULL, err);
        if (!rc)
                rc = states_flush(&p);
        if (rc || p.refused) /* what was handed out may not be stored: all of it next time */
                eng_engine_states_reset(e);
        if (!rc && p.refused && !(rc = lease_lost(c, st, "publishing states", err)))
                rc = cxg_error_set(err, CXG_ERR_CONFLICT,
                                   "cluster: node %s: the state of %zu accounts was refused: "
                                   "their shards' lease is lost",
                                   c->cfg.node, p.refused);
        if (!rc && p.total)
                cxg_log(CXG_LOG_DEBUG,
                        "cluster: published the state of %zu accounts (pub_seq %lld)", p.total,
                        (long long)p.pub_seq);
done:
        for (size_t i = 0; i < p.n; i++)
                cxg_free(p.blobs[i]);
        cxg_free(p.rows);
        cxg_free(p.blobs);
        return rc;
}

/* The states being followed: copies of the rows read, applied in batches. */
struct follow {
        struct eng_engine *e;
        struct eng_state_in *rows;
        size_t n;
        int64_t last;
        size_t applied, bad;
        struct cxg_error *err;
};

static enum cxg_err follow_flush(struct follow *f)
{
        size_t bad = 0;
        enum cxg_err rc = CXG_OK;

        if (f->n)
                rc = eng_engine_foreign_put(f->e, f->rows, f->n, &bad, f->err);
        for (size_t i = 0; i < f->n; i++)
                cxg_free((void *)f->rows[i].blob);
        f->applied += f->n;
        f->bad += bad;
        f->n = 0;
        return rc;
}

static enum cxg_err follow_one(void *ctx, const struct store_state_row *row)
{
        struct follow *f = ctx;
        void *copy;

        if (row->pub_seq > f->last)
                f->last = row->pub_seq;
        /* people ride in accounts. Own shards' states are kept too (the engine applies only
         * the others'): skipping them here lost for good the states a new owner published
         * while this node still thought it held the shard (its lease expired while busy) */
        if (row->kind != STORE_STATE_ACCOUNT)
                return CXG_OK;
        if (!(copy = cxg_malloc(row->len ? row->len : 1)))
                return cxg_error_set(f->err, CXG_ERR_NOMEM, "cluster: out of memory following");
        memcpy(copy, row->blob, row->len);
        f->rows[f->n++] = (struct eng_state_in){row->account_id, copy, row->len};
        if (f->n == FOLLOW_BATCH)
                return follow_flush(f);
        return CXG_OK;
}

enum cxg_err app_cluster_follow(struct app_cluster *c, struct store *st, struct eng_engine *e,
                                struct cxg_error *err)
{
        struct follow f = {.e = e, .err = err};
        enum cxg_err rc;

        f.last = c->status.pub_seq; /* written by this thread only */
        if (!(f.rows = cxg_calloc(FOLLOW_BATCH, sizeof(*f.rows))))
                return cxg_error_set(err, CXG_ERR_NOMEM, "cluster: out of memory following");
        rc = store_state_scan(st, c->status.pub_seq, follow_one, &f, err);
        if (!rc)
                rc = follow_flush(&f);
        for (size_t i = 0; i < f.n; i++)
                cxg_free((void *)f.rows[i].blob);
        cxg_free(f.rows);
        if (rc)
                return rc;
        if (f.bad)
                cxg_log(CXG_LOG_WARN, "cluster: %zu published states did not decode", f.bad);
        pthread_mutex_lock(&c->mu);
        c->status.pub_seq = f.last;
        pthread_mutex_unlock(&c->mu);
        return CXG_OK;
}

enum cxg_err app_cluster_prune(struct app_cluster *c, struct store *st, struct cxg_error *err)
{
        (void)c;
        return store_state_prune(st, err);
}

enum cxg_err app_cluster_leave(struct app_cluster *c, struct store *st, struct cxg_error *err)
{
        enum cxg_err rc;

        if (!c->joined)
                return CXG_OK;
        if ((rc = store_cluster_leave(st, c->cfg.node, err)))
                return rc;
        c->joined = 0;
        cxg_log(CXG_LOG_INFO, "cluster: node %s left; its shards are free", c->cfg.node);
        return CXG_OK;
}

enum cxg_err app_cluster_owner_url(struct store *st, uint32_t shard, int64_t now, char *url,
                                   size_t cap, struct cxg_error *err)
{
        struct store_shard_lease *leases = NULL;
        struct store_node_info *nodes = NULL;
        size_t nl = 0, nn = 0;
        enum cxg_err rc;
        const char *holder = NULL;

        url[0] = '\0';
        if ((rc = store_shard_leases(st, &leases, &nl, err)) ||
            (rc = store_cluster_nodes(st, now, 0, &nodes, &nn, err)))
                goto done;
        for (size_t i = 0; i < nl; i++)
                if (leases[i].shard == shard && leases[i].holder[0] && leases[i].expires_at > now)
                        holder = leases[i].holder;
        for (size_t i = 0; holder && i < nn; i++)
                if (strcmp(nodes[i].name, holder) == 0 && nodes[i].url[0])
                        snprintf(url, cap, "%s", nodes[i].url);
        if (!url[0])
                rc = cxg_error_set(err, CXG_ERR_NOTFOUND, "shard %" PRIu32 " has no live holder",
                                   shard);
done:
        cxg_free(leases);
        cxg_free(nodes);
        return rc;
}
