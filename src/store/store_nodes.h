/*
 * store_nodes.h: state that several `cxgarden serve` processes over one database share
 * (migration 7): failed-login windows, named leases (the detector's schedule), claims on
 * webhook deliveries, a cheap reachability check, and the wake-up on PostgreSQL's change
 * notifications. Each works on both backends; the SQL is safe under concurrent nodes because
 * every claim is one conditional statement: SQLite runs one writer at a time, PostgreSQL
 * re-checks the WHERE clause of an UPDATE on the row version it locked (and the delivery
 * claim skips rows another node holds, FOR UPDATE SKIP LOCKED).
 */
#ifndef CXG_STORE_NODES_H
#define CXG_STORE_NODES_H

#include <stdint.h>

#include "core/err.h"
#include "store/store.h"
#include "store/store_alerts.h"

/* Longest failed-login key ("u:NAME", "ip:ADDR") kept; longer keys are cut. */
#define STORE_LOGIN_KEY_MAX 200

/*
 * Seconds until key may try to sign in again: > 0 when it has max or more failures in a
 * window of window_s seconds that is still open at now, else 0.
 */
enum cxg_err store_login_wait(struct store *s, const char *key, int64_t now, int64_t window_s,
                              int max, long *wait, struct cxg_error *err) CXG_WUR;
/*
 * Count a failed sign-in for key at now: in its open window, or in a new one starting at now
 * when the last closed. Windows closed at now are deleted on the way (the table stays as
 * small as the failures of one window).
 */
enum cxg_err store_login_fail(struct store *s, const char *key, int64_t now, int64_t window_s,
                              struct cxg_error *err) CXG_WUR;
/* Forget key's failures (after a successful sign-in). */
enum cxg_err store_login_reset(struct store *s, const char *key, struct cxg_error *err) CXG_WUR;

/*
 * Take the lease name for holder at now, when its last taking is at least min_gap_s seconds
 * old (the lease row's at <= now - min_gap_s) and nobody else holds it (expires_at <= now,
 * or the holder is holder). On success *taken = 1 and the lease runs until now + ttl_s;
 * otherwise *taken = 0. *last_at (may be NULL) receives the time of the latest taking, by
 * anyone (now when taken), so a node can align its schedule to the winner's.
 */
enum cxg_err store_lease_take(struct store *s, const char *name, const char *holder, int64_t now,
                              int64_t min_gap_s, int64_t ttl_s, int *taken, int64_t *last_at,
                              struct cxg_error *err) CXG_WUR;
/* End holder's hold of lease name at now (others may take it as soon as the gap allows). */
enum cxg_err store_lease_release(struct store *s, const char *name, const char *holder, int64_t now,
                                 struct cxg_error *err) CXG_WUR;

/*
 * Claim up to limit pending deliveries due at now (of enabled webhooks, oldest first) for
 * this caller: each claimed delivery's next_at moves to lease_until, so no other node sends
 * it meanwhile, and a node that dies holding it leaves it due again at lease_until. cb gets
 * each claimed delivery (id, webhook_id, event, body, url, secret, attempt). The caller
 * records every result with store_delivery_result, which ends the claim.
 */
enum cxg_err store_deliveries_claim(struct store *s, int64_t now, int64_t lease_until, int limit,
                                    store_delivery_cb cb, void *ctx, struct cxg_error *err) CXG_WUR;

/* Whether the database answers a trivial query: CXG_OK, or the error of the attempt. */
enum cxg_err store_ping(struct store *s, struct cxg_error *err) CXG_WUR;

/*
 * A dedicated connection that listens for change notifications (PostgreSQL's channel
 * cxg_changes, which the change log's triggers notify). On SQLite there is nothing to listen
 * to: store_listener_open gives *out = NULL and callers poll.
 */
struct store_listener;

enum cxg_err store_listener_open(const char *db, struct store_listener **out,
                                 struct cxg_error *err) CXG_WUR;
/*
 * Wait up to timeout_ms for a notification: 1 when one (or more) came, 0 on time-out or when
 * the connection is down (it reconnects on the next call; the caller's poll covers the gap).
 */
int store_listener_wait(struct store_listener *l, int timeout_ms);
/* Close it. NULL is fine. */
void store_listener_close(struct store_listener *l);

#endif
