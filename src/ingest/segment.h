/*
 * segment.h: one message of Segment's HTTP Tracking API (identify, group, track, page,
 * screen, alias) mapped to cxgarden's entities, and validated. Pure: no SQL, no HTTP; the
 * writer (src/app/collect.c) resolves people and accounts and stores the result. The mapping
 * table is docs/collect.md.
 */
#ifndef CXG_SEGMENT_H
#define CXG_SEGMENT_H

#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/json.h"
#include "model/model.h"

#define SEG_MAX_MESSAGE (32 * 1024) /* bytes of one message (Segment's limit) */
#define SEG_MAX_BATCH (500 * 1024)  /* bytes of a /v1/batch body (Segment's limit) */
#define SEG_MAX_MESSAGE_ID 200      /* bytes of a messageId */
#define SEG_MAX_ID 255              /* bytes of a userId or groupId */

enum seg_kind { SEG_IDENTIFY, SEG_GROUP, SEG_TRACK, SEG_PAGE, SEG_SCREEN, SEG_ALIAS, SEG__COUNT };

/* What the envelope says about every message of a request. */
struct seg_env {
        int64_t received_at;     /* unix seconds the request arrived */
        int64_t sent_at;         /* batch-level sentAt, CXG_TS_NONE when absent */
        struct cxg_jval context; /* batch-level context (merged under each message's), or zero */
        int default_channel;     /* enum cxg_channel for track calls with no channel hint */
};

/* One mapped message. Strings live in the parsed document or in the arena given to seg_map. */
struct seg_msg {
        enum seg_kind kind;
        const char *message_id; /* NULL when the message has none */
        const char *user_id;
        const char *group_id;   /* group: groupId; others: context.groupId; NULL when absent */
        int64_t ts;             /* the event time (see seg_event_time) */
        struct person person;   /* identify; account_id left NULL for the writer */
        struct account account; /* group */
        struct interaction ia;  /* track, page, screen; person_id = user_id */
};

/* "identify", "group", ... or -1 when s (n bytes) names no message type. */
int seg_kind_parse(const char *s, size_t n);
const char *seg_kind_name(enum seg_kind k);

/*
 * The time of an event in unix seconds: t (timestamp, else originalTimestamp) corrected for
 * the sender's clock, received_at - (sent_at - t), when sent_at is given too; t alone when
 * sent_at is absent; received_at when t is absent.
 */
int64_t seg_event_time(int64_t t, int64_t sent_at, int64_t received_at);

/*
 * Map message v into *out. kind is the endpoint's type (SEG_TRACK for /v1/track, ...) or -1
 * for a batch element, whose "type" member decides. Built strings (attributes JSON, a name
 * joined from firstName and lastName, a numeric userId as text) go into arena a; scratch is
 * reused working memory. CXG_ERR_INVALID with err->field naming the Segment field ("userId",
 * "event", "timestamp", ...) and a reason a sender can act on; CXG_ERR_NOMEM.
 */
enum cxg_err seg_map(struct cxg_jval v, int kind, const struct seg_env *env, struct cxg_arena *a,
                     struct cxg_buf *scratch, struct seg_msg *out, struct cxg_error *err) CXG_WUR;

/* The channel of a track call from its context (see docs/collect.md), or def. */
int seg_channel(struct cxg_jval context, struct cxg_jval batch_context, int def);

#endif
