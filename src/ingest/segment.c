/*
 * segment.c: the Segment message mapping of segment.h. Reads one message through the
 * read-only JSON API (core/json.h), validates what cxgarden needs (a userId, an event name,
 * well-formed times) and fills person / account / interaction structs; extra traits,
 * properties and context become attributes JSON text. docs/collect.md is the mapping table.
 */
#include "ingest/segment.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/banned.h"
#include "core/parse.h"

static const char *const kind_names[SEG__COUNT] = {"identify", "group",  "track",
                                                   "page",     "screen", "alias"};

int seg_kind_parse(const char *s, size_t n)
{
        for (int k = 0; k < SEG__COUNT; k++)
                if (strlen(kind_names[k]) == n && memcmp(kind_names[k], s, n) == 0)
                        return k;
        return -1;
}

const char *seg_kind_name(enum seg_kind k)
{
        return k < SEG__COUNT ? kind_names[k] : "unknown";
}

int64_t seg_event_time(int64_t t, int64_t sent_at, int64_t received_at)
{
        if (t == CXG_TS_NONE)
                return received_at;
        if (sent_at == CXG_TS_NONE)
                return t;
        return received_at - (sent_at - t);
}

/* String member key of v (n bytes into *n), NULL when absent or not a string. */
static const char *mstr(struct cxg_jval v, const char *key, size_t *n)
{
        struct cxg_jval m;
        size_t len = 0;
        const char *s;

        if (!cxg_jget(v, key, &m))
                return NULL;
        s = cxg_jstr(m, &len);
        if (n)
                *n = len;
        return s;
}

/* Non-empty string member, else NULL. */
static const char *mtext(struct cxg_jval v, const char *key)
{
        size_t n;
        const char *s = mstr(v, key, &n);

        return s && n > 0 ? s : NULL;
}

/*
 * An identifier member (userId, groupId): a non-empty string, or an integer written as text
 * into the arena. *out is NULL when absent; CXG_ERR_INVALID when of another type or too long.
 */
static enum cxg_err id_member(struct cxg_jval v, const char *key, struct cxg_arena *a,
                              const char **out, struct cxg_error *err)
{
        struct cxg_jval m;
        int64_t i;
        size_t n = 0;
        const char *s;

        *out = NULL;
        if (!cxg_jget(v, key, &m) || cxg_jtype(m) == CXG_J_NULL)
                return CXG_OK;
        if (cxg_jint(m, &i)) {
                char num[32];

                snprintf(num, sizeof(num), "%lld", (long long)i);
                if (!(*out = cxg_arena_strdup(a, num)))
                        return cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
                return CXG_OK;
        }
        s = cxg_jstr(m, &n);
        if (!s)
                return cxg_error_setf(err, CXG_ERR_INVALID, key, "must be a string");
        if (n == 0)
                return CXG_OK;
        if (n > SEG_MAX_ID || memchr(s, '\0', n))
                return cxg_error_setf(err, CXG_ERR_INVALID, key,
                                      "must be at most %d bytes of text without NUL", SEG_MAX_ID);
        *out = s;
        return CXG_OK;
}

/* A time member into *out (CXG_TS_NONE when absent); CXG_ERR_INVALID when not ISO 8601. */
static enum cxg_err time_member(struct cxg_jval v, const char *key, int64_t *out,
                                struct cxg_error *err)
{
        struct cxg_jval m;
        struct cxg_error e = {0};
        size_t n = 0;
        const char *s;

        *out = CXG_TS_NONE;
        if (!cxg_jget(v, key, &m) || cxg_jtype(m) == CXG_J_NULL)
                return CXG_OK;
        s = cxg_jstr(m, &n);
        if (!s || n == 0 || cxg_parse_time(s, n, out, &e))
                return cxg_error_setf(err, CXG_ERR_INVALID, key,
                                      "not an ISO 8601 date-time (for example "
                                      "2024-03-01T10:00:00.000Z)");
        return CXG_OK;
}

/* Append "key": to b. */
static enum cxg_err put_key(struct cxg_buf *b, const char *key, size_t n)
{
        enum cxg_err rc;

        if ((rc = cxg_buf_json_str(b, key, n)))
                return rc;
        return cxg_buf_putc(b, ':');
}

/*
 * Append the members of object o to b (after a comma when *first is 0), skipping the keys of
 * skip (NULL-terminated, may be NULL) and, when shadow is present, the keys shadow has.
 */
static enum cxg_err put_members(struct cxg_buf *b, struct cxg_jval o, const char *const *skip,
                                struct cxg_jval shadow, int *first)
{
        struct cxg_jiter it;
        struct cxg_jval v, dummy;
        const char *key;
        size_t kn;
        enum cxg_err rc;

        cxg_jiter_init(o, &it);
        while (cxg_jiter_next(&it, &key, &kn, &v)) {
                int skipped = 0;

                for (size_t k = 0; skip && skip[k] && !skipped; k++)
                        skipped = strcmp(skip[k], key) == 0;
                if (skipped || (cxg_jpresent(shadow) && cxg_jget(shadow, key, &dummy)))
                        continue;
                if ((!*first && (rc = cxg_buf_putc(b, ','))) || (rc = put_key(b, key, kn)) ||
                    (rc = cxg_jwrite(v, b)))
                        return rc;
                *first = 0;
        }
        return CXG_OK;
}

/* Copy b's text into the arena as *out ("" objects become NULL: nothing to store). */
static enum cxg_err keep(struct cxg_buf *b, struct cxg_arena *a, const char **out,
                         struct cxg_error *err)
{
        *out = NULL;
        if (b->len <= 2)
                return CXG_OK;
        if (!(*out = cxg_arena_strndup(a, b->data, b->len)))
                return cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
        return CXG_OK;
}

/* Traits minus the ones mapped to columns, as a JSON object for attributes. */
static enum cxg_err traits_attributes(struct cxg_jval traits, const char *const *skip,
                                      struct cxg_arena *a, struct cxg_buf *b, const char **out,
                                      struct cxg_error *err)
{
        struct cxg_jval none = {{0}};
        int first = 1;

        cxg_buf_clear(b);
        if (cxg_buf_putc(b, '{') || put_members(b, traits, skip, none, &first) ||
            cxg_buf_putc(b, '}'))
                return cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
        return keep(b, a, out, err);
}

/*
 * Attributes of an interaction: {"properties": {...}, "context": {...}, "name": ...,
 * "category": ...}, the context being the message's merged over the batch's.
 */
static enum cxg_err event_attributes(struct cxg_jval v, const struct seg_env *env,
                                     struct cxg_arena *a, struct cxg_buf *b, const char **out,
                                     struct cxg_error *err)
{
        struct cxg_jval props, ctx = {{0}}, none = {{0}};
        int first = 1, inner;
        enum cxg_err rc = CXG_OK;

        cxg_buf_clear(b);
        if ((rc = cxg_buf_putc(b, '{')))
                goto nomem;
        if (cxg_jget(v, "properties", &props) && cxg_jtype(props) == CXG_J_OBJECT &&
            cxg_jsize(props) > 0) {
                if ((rc = cxg_buf_puts(b, "\"properties\":")) || (rc = cxg_jwrite(props, b)))
                        goto nomem;
                first = 0;
        }
        cxg_jget(v, "context", &ctx);
        if (cxg_jtype(ctx) != CXG_J_OBJECT)
                ctx = none;
        if (cxg_jsize(ctx) > 0 || cxg_jsize(env->context) > 0) {
                inner = 1;
                if ((!first && (rc = cxg_buf_putc(b, ','))) ||
                    (rc = cxg_buf_puts(b, "\"context\":{")) ||
                    (rc = put_members(b, ctx, NULL, none, &inner)) ||
                    (rc = put_members(b, env->context, NULL, ctx, &inner)) ||
                    (rc = cxg_buf_putc(b, '}')))
                        goto nomem;
                first = 0;
        }
        for (int k = 0; k < 2; k++) {
                const char *key = k ? "category" : "name";
                size_t n;
                const char *s = mstr(v, key, &n);

                if (!s)
                        continue;
                if ((!first && (rc = cxg_buf_putc(b, ','))) ||
                    (rc = put_key(b, key, strlen(key))) || (rc = cxg_buf_json_str(b, s, n)))
                        goto nomem;
                first = 0;
        }
        if ((rc = cxg_buf_putc(b, '}')))
                goto nomem;
        return keep(b, a, out, err);
nomem:
        return cxg_error_set(err, rc, "%s", rc == CXG_ERR_NOMEM ? "out of memory" : "bad value");
}

/* 1 when s (n bytes) contains needle, ignoring case. */
static int has(const char *s, size_t n, const char *needle)
{
        size_t m = strlen(needle);

        for (size_t i = 0; i + m <= n; i++) {
                size_t k = 0;

                while (k < m && (s[i + k] | 0x20) == needle[k])
                        k++;
                if (k == m)
                        return 1;
        }
        return 0;
}

/* Channel from one context object, or -1 when it gives no hint. */
static int channel_of(struct cxg_jval ctx)
{
        struct cxg_jval lib, m;
        size_t n;
        const char *s = mstr(ctx, "channel", &n);
        int ch;

        if (s) {
                if ((ch = model_channel_parse(s, n)) >= 0)
                        return ch;
                if (n == 7 && has(s, n, "browser"))
                        return CXG_CH_WEB;
                if (n == 6 && has(s, n, "mobile"))
                        return CXG_CH_APP;
        }
        if (cxg_jget(ctx, "device", &m) || cxg_jget(ctx, "app", &m))
                return CXG_CH_APP;
        if (cxg_jget(ctx, "library", &lib) && (s = mstr(lib, "name", &n))) {
                if (has(s, n, "ios") || has(s, n, "android") || has(s, n, "react-native") ||
                    has(s, n, "flutter") || has(s, n, "swift") || has(s, n, "kotlin"))
                        return CXG_CH_APP;
                if (has(s, n, "analytics.js") || has(s, n, "analytics-next") ||
                    has(s, n, "browser"))
                        return CXG_CH_WEB;
        }
        if (cxg_jget(ctx, "userAgent", &m) || cxg_jget(ctx, "page", &m))
                return CXG_CH_WEB;
        return -1;
}

int seg_channel(struct cxg_jval context, struct cxg_jval batch_context, int def)
{
        int ch = channel_of(context);

        if (ch < 0)
                ch = channel_of(batch_context);
        return ch < 0 ? def : ch;
}

static const char *const person_skip[] = {"name", "firstName", "lastName", "email", "title",
                                          "role", "createdAt", "groupId",  NULL};
static const char *const account_skip[] = {
    "name", "plan", "mrr", "monthlyRevenue", "monthly_revenue", "createdAt", "currency", NULL};

/* identify: traits -> person columns and attributes. */
static enum cxg_err map_identify(struct cxg_jval v, struct cxg_arena *a, struct cxg_buf *b,
                                 struct seg_msg *o, struct cxg_error *err)
{
        struct cxg_jval traits = {{0}};
        const char *first, *last;
        enum cxg_err rc;

        model_person_init(&o->person);
        o->person.id = o->user_id;
        cxg_jget(v, "traits", &traits);
        if (cxg_jpresent(traits) && cxg_jtype(traits) != CXG_J_OBJECT &&
            cxg_jtype(traits) != CXG_J_NULL)
                return cxg_error_setf(err, CXG_ERR_INVALID, "traits", "must be an object");
        o->person.name = mtext(traits, "name");
        first = mtext(traits, "firstName");
        last = mtext(traits, "lastName");
        if (!o->person.name && (first || last)) {
                cxg_buf_clear(b);
                if (cxg_buf_printf(b, "%s%s%s", first ? first : "", first && last ? " " : "",
                                   last ? last : "") ||
                    !(o->person.name = cxg_arena_strndup(a, b->data, b->len)))
                        return cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
        }
        o->person.email = mtext(traits, "email");
        o->person.role = mtext(traits, "title");
        if (!o->person.role)
                o->person.role = mtext(traits, "role");
        if ((rc = time_member(traits, "createdAt", &o->person.created_at, err))) {
                snprintf(err->field, sizeof(err->field), "traits.createdAt");
                return rc;
        }
        return traits_attributes(traits, person_skip, a, b, &o->person.attributes, err);
}

/* group: groupId and traits -> account columns and attributes. */
static enum cxg_err map_group(struct cxg_jval v, struct cxg_arena *a, struct cxg_buf *b,
                              struct seg_msg *o, struct cxg_error *err)
{
        static const char *const mrr_keys[] = {"mrr", "monthlyRevenue", "monthly_revenue"};
        struct cxg_jval traits = {{0}}, m;
        enum cxg_err rc;

        if ((rc = id_member(v, "groupId", a, &o->group_id, err)))
                return rc;
        if (!o->group_id)
                return cxg_error_setf(err, CXG_ERR_INVALID, "groupId",
                                      "a group call needs a groupId (the account's id)");
        model_account_init(&o->account);
        o->account.id = o->group_id;
        cxg_jget(v, "traits", &traits);
        o->account.name = mtext(traits, "name");
        o->account.plan = mtext(traits, "plan");
        o->account.currency = mtext(traits, "currency");
        for (size_t k = 0; k < 3 && isnan(o->account.mrr); k++) {
                if (!cxg_jget(traits, mrr_keys[k], &m) || cxg_jtype(m) == CXG_J_NULL)
                        continue;
                if (!cxg_jnum(m, &o->account.mrr) || o->account.mrr < 0)
                        return cxg_error_setf(err, CXG_ERR_INVALID, "traits.mrr",
                                              "%s must be a number >= 0", mrr_keys[k]);
        }
        if ((rc = time_member(traits, "createdAt", &o->account.created_at, err))) {
                snprintf(err->field, sizeof(err->field), "traits.createdAt");
                return rc;
        }
        return traits_attributes(traits, account_skip, a, b, &o->account.attributes, err);
}

/* track, page, screen: an interaction. */
static enum cxg_err map_event(struct cxg_jval v, const struct seg_env *env, struct cxg_arena *a,
                              struct cxg_buf *b, struct seg_msg *o, struct cxg_error *err)
{
        struct cxg_jval ctx = {{0}}, props, m;
        size_t n = 0;
        double d;

        model_interaction_init(&o->ia);
        o->ia.person_id = o->user_id;
        o->ia.ts = o->ts;
        cxg_jget(v, "context", &ctx);
        if (o->kind == SEG_TRACK) {
                o->ia.type = mstr(v, "event", &n);
                if (!o->ia.type || n == 0)
                        return cxg_error_setf(err, CXG_ERR_INVALID, "event",
                                              "a track call needs an event name");
                if (n > 256 || memchr(o->ia.type, '\0', n))
                        return cxg_error_setf(err, CXG_ERR_INVALID, "event",
                                              "event name longer than 256 bytes");
                o->ia.channel = seg_channel(ctx, env->context, env->default_channel);
        } else {
                o->ia.type = o->kind == SEG_PAGE ? "page" : "screen";
                o->ia.channel = o->kind == SEG_PAGE ? CXG_CH_WEB : CXG_CH_APP;
        }
        if (cxg_jget(v, "properties", &props)) {
                if (cxg_jtype(props) != CXG_J_OBJECT && cxg_jtype(props) != CXG_J_NULL)
                        return cxg_error_setf(err, CXG_ERR_INVALID, "properties",
                                              "must be an object");
                if ((cxg_jget(props, "revenue", &m) || cxg_jget(props, "value", &m)) &&
                    cxg_jnum(m, &d) && isfinite(d))
                        o->ia.value = d;
        }
        return event_attributes(v, env, a, b, &o->ia.attributes, err);
}

/* The common fields: type, messageId, userId, context.groupId, the event time. */
static enum cxg_err map_common(struct cxg_jval v, int kind, const struct seg_env *env,
                               struct cxg_arena *a, struct seg_msg *o, struct cxg_error *err)
{
        struct cxg_jval ctx, m;
        int64_t t, sent;
        size_t n = 0;
        const char *s;
        enum cxg_err rc;

        if (kind < 0) {
                s = mstr(v, "type", &n);
                if (!s || (kind = seg_kind_parse(s, n)) < 0)
                        return cxg_error_setf(err, CXG_ERR_INVALID, "type",
                                              "type must be identify, group, track, page, "
                                              "screen or alias");
        }
        o->kind = (enum seg_kind)kind;
        if (cxg_jget(v, "messageId", &m) && cxg_jtype(m) != CXG_J_NULL) {
                s = cxg_jstr(m, &n);
                if (!s || n == 0 || n > SEG_MAX_MESSAGE_ID || memchr(s, '\0', n))
                        return cxg_error_setf(err, CXG_ERR_INVALID, "messageId",
                                              "must be text of 1 to %d bytes", SEG_MAX_MESSAGE_ID);
                o->message_id = s;
        }
        if (o->kind == SEG_ALIAS)
                return cxg_error_setf(err, CXG_ERR_INVALID, "type",
                                      "alias is not supported: cxgarden does not merge people "
                                      "(see docs/collect.md)");
        if ((rc = id_member(v, "userId", a, &o->user_id, err)))
                return rc;
        if (!o->user_id)
                return cxg_error_setf(err, CXG_ERR_INVALID, "userId",
                                      mtext(v, "anonymousId")
                                          ? "anonymous events are not stored: cxgarden scores "
                                            "known people, send a userId"
                                          : "a userId is required");
        if (o->kind != SEG_GROUP && cxg_jget(v, "context", &ctx) &&
            (rc = id_member(ctx, "groupId", a, &o->group_id, err))) {
                snprintf(err->field, sizeof(err->field), "context.groupId");
                return rc;
        }
        if ((rc = time_member(v, "timestamp", &t, err)))
                return rc;
        if (t == CXG_TS_NONE && (rc = time_member(v, "originalTimestamp", &t, err)))
                return rc;
        if ((rc = time_member(v, "sentAt", &sent, err)))
                return rc;
        o->ts = seg_event_time(t, sent != CXG_TS_NONE ? sent : env->sent_at, env->received_at);
        return CXG_OK;
}

enum cxg_err seg_map(struct cxg_jval v, int kind, const struct seg_env *env, struct cxg_arena *a,
                     struct cxg_buf *scratch, struct seg_msg *out, struct cxg_error *err)
{
        enum cxg_err rc;

        memset(out, 0, sizeof(*out));
        out->kind = SEG__COUNT; /* until the type is known */
        if (cxg_jtype(v) != CXG_J_OBJECT)
                return cxg_error_setf(err, CXG_ERR_INVALID, "", "a message must be a JSON object");
        if ((rc = map_common(v, kind, env, a, out, err)))
                return rc;
        switch (out->kind) {
        case SEG_IDENTIFY:
                return map_identify(v, a, scratch, out, err);
        case SEG_GROUP:
                return map_group(v, a, scratch, out, err);
        default:
                return map_event(v, env, a, scratch, out, err);
        }
}
