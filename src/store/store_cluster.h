/*
 * store_cluster.h: what the engine nodes of a scale-out cluster share through the database
 * (migration 8; docs/architecture.md, "Scale-out"): the shard count, the nodes' heartbeats,
 * one lease per shard, each shard's baseline partial sums, and the per-account and per-person
 * state each owner publishes for every other node. The system of record stays the database:
 * no consensus of our own, every step is one transaction (on PostgreSQL under the write
 * lock, STORE_PG_WRITE_LOCK, so two nodes balancing at once take turns). Works on both
 * backends (a cluster over SQLite is one machine's processes; tests use it), PostgreSQL is
 * the one meant for several machines.
 */
#ifndef CXG_STORE_CLUSTER_H
#define CXG_STORE_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "model/shard.h"
#include "store/store.h"

#define STORE_NODE_NAME_MAX 128
#define STORE_NODE_URL_MAX 256
#define STORE_NODE_INFO_MAX 4096

/*
 * Record the cluster's shard count the first time a node joins; later joins must name the
 * same count (CXG_ERR_CONFLICT otherwise, naming both counts: the shard of every account
 * depends on it).
 */
enum cxg_err store_cluster_setup(struct store *s, uint32_t n_shards, struct cxg_error *err) CXG_WUR;

/* A node as its heartbeat row says. */
struct store_node_info {
        char name[STORE_NODE_NAME_MAX]; /* unique per node: [cluster] node, else host:port */
        char url[STORE_NODE_URL_MAX];   /* where its API answers ("" unknown) */
        int64_t started_at, seen_at, expires_at;
        char info[STORE_NODE_INFO_MAX]; /* JSON the node publishes: shards, rows, lag, ... */
};

/*
 * Insert or refresh me's row: seen_at = now, expires_at = now + ttl_s (started_at kept from
 * the first beat unless me->started_at is newer, i.e. the node restarted).
 */
enum cxg_err store_cluster_heartbeat(struct store *s, const struct store_node_info *me, int64_t now,
                                     int64_t ttl_s, struct cxg_error *err) CXG_WUR;
/* A clean stop: delete name's row and release its shard leases at once. */
enum cxg_err store_cluster_leave(struct store *s, const char *name, struct cxg_error *err) CXG_WUR;
/*
 * Every node row (live ones have expires_at > now; dead ones are listed too when include_dead),
 * ordered by name, into a cxg_malloc'ed array (*out, *n; free with cxg_free).
 */
enum cxg_err store_cluster_nodes(struct store *s, int64_t now, int include_dead,
                                 struct store_node_info **out, size_t *n,
                                 struct cxg_error *err) CXG_WUR;

/*
 * One balancing step for node at now, in one transaction:
 *   1. renew node's leases (expires_at = now + ttl_s);
 *   2. live = nodes whose heartbeat has not expired (node itself counts), ordered by name;
 *      node's target = n_shards / m + (rank < n_shards % m), m = max(live, min_nodes): while
 *      fewer than min_nodes nodes are live, each takes only its share of min_nodes and the
 *      rest of the shards stay free (a cold start does not load every shard on one node);
 *   3. above target: release node's highest-numbered shards until at target;
 *   4. below target: take shards that are free (no holder) or expired (expires_at <= now),
 *      lowest-numbered first, until at target.
 * *owned receives node's shards afterwards. A node joining or leaving moves only the shards
 * it takes or gives up; a node that dies keeps its shards until their lease expires (ttl_s),
 * then the others take them on their next step.
 */
struct store_balance_opts {
        int64_t ttl_s;
        uint32_t n_shards;
        uint32_t min_nodes; /* 0 or 1: no floor */
};
enum cxg_err store_shards_balance(struct store *s, const char *node, int64_t now,
                                  const struct store_balance_opts *o, struct cxg_shardset *owned,
                                  struct cxg_error *err) CXG_WUR;

struct store_shard_lease {
        uint32_t shard;
        char holder[STORE_NODE_NAME_MAX]; /* "" when free */
        int64_t expires_at;
        int64_t taken_at; /* when holder took it */
};
/* Every shard's lease row, by shard (cxg_malloc'ed; free with cxg_free). */
enum cxg_err store_shard_leases(struct store *s, struct store_shard_lease **out, size_t *n,
                                struct cxg_error *err) CXG_WUR;

/*
 * Publish shard's baseline partial sums (an opaque blob, engine/cluster.h) as computed by
 * node from the rows up to change-log seq. Replaces the shard's previous partial. Fenced by
 * the lease: written only if node holds shard's lease unexpired at now, in the same
 * transaction (under the write lock); CXG_ERR_CONFLICT naming the shard otherwise, nothing
 * written (a node back from a partition or stalled past its lease cannot overwrite the new
 * holder's partials).
 */
enum cxg_err store_partial_put(struct store *s, uint32_t shard, const char *node, int64_t now,
                               int64_t seq, const void *blob, size_t len,
                               struct cxg_error *err) CXG_WUR;
typedef enum cxg_err (*store_partial_cb)(void *ctx, uint32_t shard, const char *node, int64_t seq,
                                         const void *blob, size_t len);
/* Every shard's partial, by shard. */
enum cxg_err store_partials_scan(struct store *s, store_partial_cb cb, void *ctx,
                                 struct cxg_error *err) CXG_WUR;

/* Published state: an account's (kind STORE_STATE_ACCOUNT) or a person's (STORE_STATE_PERSON). */
enum { STORE_STATE_ACCOUNT, STORE_STATE_PERSON };
struct store_state_row {
        int kind;
        int64_t id;         /* the account's or person's store id */
        int64_t account_id; /* the account (the person's account for people) */
        uint32_t shard;
        const void *blob; /* opaque (engine/cluster.h) */
        size_t len;
        int64_t pub_seq; /* set by the store: the publication that wrote it */
};
/*
 * Publish rows[0..n) in one transaction: each row replaces the previous state of its (kind,
 * id) and gets pub_seq = one new value of a counter that only grows (*pub_seq receives it,
 * may be NULL), so readers fetch what changed since the last value they saw. Fenced by the
 * lease: a row is written only if node holds its shard's lease unexpired at now (checked in
 * the row's statement, under the write lock); the others are skipped and counted in
 * *refused (may be NULL), and the caller should reread which shards it holds.
 */
enum cxg_err store_state_publish(struct store *s, const char *node, int64_t now,
                                 const struct store_state_row *rows, size_t n, int64_t *pub_seq,
                                 size_t *refused, struct cxg_error *err) CXG_WUR;
typedef enum cxg_err (*store_state_cb)(void *ctx, const struct store_state_row *row);
/* Every state row with pub_seq > after (0: all), in pub_seq order, then by kind and id. */
enum cxg_err store_state_scan(struct store *s, int64_t after, store_state_cb cb, void *ctx,
                              struct cxg_error *err) CXG_WUR;
/* Delete the state of rows whose account or person no longer exists (after deletions). */
enum cxg_err store_state_prune(struct store *s, struct cxg_error *err) CXG_WUR;

/*
 * store_scan_interactions for the accounts of the given shards only: on PostgreSQL the
 * filter runs in the database (accounts.shard_key % n IN shards, by COPY); on SQLite rows of
 * other shards are dropped before cb (the same rows reach cb either way). after_id as
 * store_scan_interactions.
 */
enum cxg_err store_scan_interactions_shards(struct store *s, int64_t after_id,
                                            const struct cxg_shardset *shards,
                                            store_interaction_cb cb, void *ctx,
                                            struct cxg_error *err) CXG_WUR;

#endif
