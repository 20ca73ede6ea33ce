/*
 * cluster.h: the use cases of one engine node of a scale-out cluster (docs/architecture.md,
 * "Scale-out"; docs/api.md, "Scale-out"). The node joins (records the shard count, first
 * heartbeat), then every tick renews its heartbeat and leases and balances the shards (and the
 * applier loads the shards that changed); after
 * its engine caught up it publishes its shards' baseline partial sums and its accounts'
 * states; it gathers every shard's partials for the two-phase recompute and follows the
 * other nodes' published states. A clean stop leaves (its shards are free at once). The
 * engine reads, never writes: these functions move blobs between the engine and the store.
 * The server's applier calls them, except app_cluster_beat (its heartbeat thread); the status
 * may be read by any thread.
 */
#ifndef CXG_APP_CLUSTER_H
#define CXG_APP_CLUSTER_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/err.h"
#include "engine/engine.h"
#include "model/shard.h"
#include "store/store.h"
#include "store/store_cluster.h"

#define APP_CLUSTER_LEASE_DEFAULT_S 10
#define APP_CLUSTER_TICK_DEFAULT_S 2
#define APP_CLUSTER_STALL_LEASES 3 /* [cluster] stall_seconds default: this many leases */

/* The [cluster] settings (and serve --shards). */
struct app_cluster_cfg {
        uint32_t n_shards;
        char node[STORE_NODE_NAME_MAX]; /* "" until app_cluster_defaults */
        char url[STORE_NODE_URL_MAX];   /* "" until app_cluster_defaults */
        long lease_s, tick_s;
        long stall_s;       /* [cluster] stall_seconds: the applier's longest silence (0: 3 x
                               lease_s) before the heartbeat stops renewing */
        uint32_t min_nodes; /* [cluster] min_nodes: the balance's floor on live nodes (1) */
};

/*
 * Read the [cluster] section of ini (may be NULL) and shards_flag (serve --shards; 0: not
 * given) into *out; *on = 1 when either turns cluster mode on. Unknown keys and bad values
 * are CXG_ERR_INVALID naming the file and line; shards must be 1..CXG_SHARDS_MAX and
 * lease_seconds more than twice tick_seconds.
 */
enum cxg_err app_cluster_config(const struct cxg_config *ini, long shards_flag,
                                struct app_cluster_cfg *out, int *on,
                                struct cxg_error *err) CXG_WUR;
/*
 * Fill the node name and URL left empty: node = HOST:PORT (HOST:pPID while port is 0, not
 * known yet), url = http://127.0.0.1:PORT ("" while port is 0).
 */
void app_cluster_defaults(struct app_cluster_cfg *c, int port);

/* What the node publishes in its heartbeat and shows in /api/v1/cluster and /metrics. */
struct app_cluster_status {
        struct cxg_shardset owned; /* the shards the engine holds */
        struct cxg_shardset want;  /* the shards the last balancing step leased to the node */
        uint64_t rows;             /* interactions held */
        int64_t seq;               /* change-log seq applied */
        double lag_s;    /* age of the oldest committed change not applied (0: caught up) */
        int64_t pub_seq; /* newest published state applied */
        long recomputes; /* two-phase recomputes done */
        long ownership_changes;
        size_t nodes_alive; /* at the last tick */
};

/* One node's runtime state. */
struct app_cluster {
        struct app_cluster_cfg cfg;
        int64_t started_at;
        pthread_mutex_t mu; /* guards status (read by the API's threads) */
        struct app_cluster_status status;
        int joined;
        /* a fingerprint of the partial blob last put per shard (0: none), to put only what
         * changed */
        uint64_t part_hash[CXG_SHARDS_MAX];
};

/* Set c up from cfg (defaults filled), not joined yet. */
void app_cluster_init(struct app_cluster *c, const struct app_cluster_cfg *cfg, int64_t now);
/* Free what c holds (does not leave: see app_cluster_leave). */
void app_cluster_release(struct app_cluster *c);
/* The URL the node advertises, once known (serve --port 0 learns its port late). */
void app_cluster_set_url(struct app_cluster *c, const char *url);
/* A copy of the status under the lock. */
void app_cluster_status_get(struct app_cluster *c, struct app_cluster_status *out);

/*
 * Join: record (or check) the shard count, send the first heartbeat and take the shards a
 * first balancing step gives (c->status.owned), so the engine can load them.
 */
enum cxg_err app_cluster_join(struct app_cluster *c, struct store *st, int64_t now,
                              struct cxg_error *err) CXG_WUR;
/*
 * Beat (every tick, on a thread of its own so that a long load or recompute never lets the
 * leases lapse): heartbeat with the node's info (shards owned, rows, applied seq, lag,
 * pub_seq), one balancing step; the shards it leaves the node are kept as wanted.
 */
enum cxg_err app_cluster_beat(struct app_cluster *c, struct store *st, struct eng_engine *e,
                              int64_t now, double lag_s, struct cxg_error *err) CXG_WUR;
/*
 * Take the wanted shards (the applier's thread): when they differ from the engine's,
 * eng_engine_set_shards (logged with counts). *changed (may be NULL) = 1 when they did.
 */
enum cxg_err app_cluster_take(struct app_cluster *c, struct store *st, struct eng_engine *e,
                              int *changed, struct cxg_error *err) CXG_WUR;
/*
 * Publish the baseline partial sums of each owned shard whose blob changed since its last put,
 * fenced by the lease at now: a shard whose lease the node lost is refused by the store; then
 * the wanted shards become those the node still holds (the applier's next app_cluster_take
 * drops the others) and CXG_ERR_CONFLICT is returned after the other shards were put (the
 * caller retries at its next tick).
 */
enum cxg_err app_cluster_publish_partials(struct app_cluster *c, struct store *st,
                                          struct eng_engine *e, int64_t now,
                                          struct cxg_error *err) CXG_WUR;
/*
 * Gather every shard's partials and merge them in shard order; when all shards are present
 * and the merge differs from the one last used, recompute the owned accounts against it
 * (phase 2; logged with counts). *recomputed (may be NULL) = 1 when it did.
 */
enum cxg_err app_cluster_gather(struct app_cluster *c, struct store *st, struct eng_engine *e,
                                int *recomputed, struct cxg_error *err) CXG_WUR;
/*
 * Publish the state of the owned accounts that changed since the last publication, fenced by
 * the lease at now (as app_cluster_publish_partials: refused rows make the node reread the
 * shards it holds, hand out every state again next time, and return CXG_ERR_CONFLICT).
 */
enum cxg_err app_cluster_publish_states(struct app_cluster *c, struct store *st,
                                        struct eng_engine *e, int64_t now,
                                        struct cxg_error *err) CXG_WUR;
/* Apply the other shards' states published since the last pub_seq seen. */
enum cxg_err app_cluster_follow(struct app_cluster *c, struct store *st, struct eng_engine *e,
                                struct cxg_error *err) CXG_WUR;
/* After deletions: drop the published states of accounts and people that no longer exist. */
enum cxg_err app_cluster_prune(struct app_cluster *c, struct store *st,
                               struct cxg_error *err) CXG_WUR;
/* A clean stop: delete the heartbeat and release the leases at once. */
enum cxg_err app_cluster_leave(struct app_cluster *c, struct store *st,
                               struct cxg_error *err) CXG_WUR;

/*
 * The advertised URL of the node holding shard (into url, capacity cap): CXG_OK with the URL,
 * CXG_ERR_NOTFOUND when the shard has no live holder (or it advertises none).
 */
enum cxg_err app_cluster_owner_url(struct store *st, uint32_t shard, int64_t now, char *url,
                                   size_t cap, struct cxg_error *err) CXG_WUR;

#endif
