/*
 * collect.c: the collection use case (collect.h): parse and map a Segment request, then
 * write it inside the caller's transaction: identify -> person, group -> account and the
 * person's membership, track/page/screen -> interactions, every stored messageId recorded per
 * write key, every event that cannot be stored filed in ingest_rejects, and one audit record
 * per request. Policy for unknown people and accounts: docs/collect.md.
 */
#include "app/collect.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "core/grow.h"
#include "core/parse.h"
#include "store/store_rejects.h"

#define COLLECT_ARENA_BLOCK (64 * 1024)
#define COLLECT_MAX_MESSAGES 100000 /* 500 KB cannot hold more messages than this */

enum cxg_err app_collect_config(const struct cxg_config *ini, struct collect_cfg *out,
                                struct cxg_error *err)
{
        const char *v;

        out->create_unknown = 1;
        out->channel = CXG_CH_WEB;
        snprintf(out->placeholder, sizeof(out->placeholder), "%s", COLLECT_PLACEHOLDER_DEFAULT);
        if (!ini)
                return CXG_OK;
        if ((v = cxg_config_get(ini, "collect.unknown"))) {
                if (strcasecmp(v, "create") == 0)
                        out->create_unknown = 1;
                else if (strcasecmp(v, "reject") == 0)
                        out->create_unknown = 0;
                else
                        return cxg_error_setf(err, CXG_ERR_INVALID, "collect.unknown",
                                              "%s: [collect] unknown must be create or reject, "
                                              "not \"%s\"",
                                              ini->path, v);
        }
        if ((v = cxg_config_get(ini, "collect.channel")) &&
            (out->channel = model_channel_parse(v, strlen(v))) < 0)
                return cxg_error_setf(err, CXG_ERR_INVALID, "collect.channel",
                                      "%s: [collect] channel: unknown channel \"%s\"", ini->path,
                                      v);
        if ((v = cxg_config_get(ini, "collect.placeholder_account"))) {
                if (!*v || strlen(v) >= sizeof(out->placeholder))
                        return cxg_error_setf(err, CXG_ERR_INVALID, "collect.placeholder_account",
                                              "%s: [collect] placeholder_account must be 1 to "
                                              "127 bytes",
                                              ini->path);
                snprintf(out->placeholder, sizeof(out->placeholder), "%s", v);
        }
        return CXG_OK;
}

void app_collect_init(struct collect_req *r, const struct collect_cfg *cfg, int kind,
                      int64_t token_id, const char *actor, int64_t now)
{
        memset(r, 0, sizeof(*r));
        r->cfg = cfg;
        r->kind = kind;
        r->token_id = token_id;
        r->actor = actor;
        r->received_at = now;
        cxg_arena_init(&r->arena, COLLECT_ARENA_BLOCK, 0);
        cxg_buf_init(&r->scratch, 0);
}

void app_collect_release(struct collect_req *r)
{
        cxg_jparser_free(r->parser);
        cxg_arena_release(&r->arena);
        cxg_buf_release(&r->scratch);
        cxg_free(r->vals);
        cxg_free(r->msgs);
        cxg_free(r->bad);
        cxg_free(r->rejects);
        cxg_free(r->rows);
        cxg_free(r->row_msg);
        memset(r, 0, sizeof(*r));
}

/* The event's JSON text in the arena (NULL when it cannot be had). */
static const char *payload_of(struct collect_req *r, struct cxg_jval v)
{
        cxg_buf_clear(&r->scratch);
        if (cxg_jwrite(v, &r->scratch) || r->scratch.len > SEG_MAX_MESSAGE)
                return NULL;
        return cxg_arena_strndup(&r->arena, r->scratch.data, r->scratch.len);
}

/* File message i as rejected for e's field and reason. */
static enum cxg_err add_reject(struct collect_req *r, size_t i, const struct cxg_error *e)
{
        struct collect_reject *x;

        if (CXG_GROW(r->rejects, r->nrejects + 1, r->cap_rej, CXG_GROW_NOCAP))
                return CXG_ERR_NOMEM;
        x = &r->rejects[r->nrejects++];
        memset(x, 0, sizeof(*x));
        x->index = i;
        x->message_id = r->msgs[i].message_id;
        if (r->msgs[i].kind < SEG__COUNT)
                snprintf(x->kind, sizeof(x->kind), "%s", seg_kind_name(r->msgs[i].kind));
        snprintf(x->field, sizeof(x->field), "%s", e->field);
        snprintf(x->reason, sizeof(x->reason), "%s", e->msg);
        x->payload = payload_of(r, r->vals[i]);
        return CXG_OK;
}

/* The envelope of a batch: sentAt and context. */
static enum cxg_err envelope(struct cxg_jval root, struct seg_env *env, struct cxg_error *err)
{
        struct cxg_jval m;
        size_t n = 0;
        const char *s;
        struct cxg_error e = {0};

        env->sent_at = CXG_TS_NONE;
        if (cxg_jget(root, "sentAt", &m) && cxg_jtype(m) != CXG_J_NULL &&
            (!(s = cxg_jstr(m, &n)) || cxg_parse_time(s, n, &env->sent_at, &e)))
                return cxg_error_setf(err, CXG_ERR_PARSE, "sentAt",
                                      "sentAt is not an ISO 8601 date-time");
        if (cxg_jget(root, "context", &m) && cxg_jtype(m) == CXG_J_OBJECT)
                env->context = m;
        return CXG_OK;
}

/* Map message i (v) or file it as a reject; NOMEM is the only error. */
static enum cxg_err map_one(struct collect_req *r, size_t i, struct cxg_jval v, size_t body_len,
                            const struct seg_env *env)
{
        struct cxg_error e = {0};
        enum cxg_err rc;

        r->vals[i] = v;
        r->bad[i] = 0;
        memset(&r->msgs[i], 0, sizeof(r->msgs[i]));
        r->msgs[i].kind = SEG__COUNT;
        if (body_len > SEG_MAX_MESSAGE) {
                /* measured as compact JSON: a batch this large may hold an oversize event */
                cxg_buf_clear(&r->scratch);
                if (cxg_jwrite(v, &r->scratch))
                        return CXG_ERR_NOMEM;
                if (r->scratch.len > SEG_MAX_MESSAGE) {
                        cxg_error_setf(&e, CXG_ERR_LIMIT, "",
                                       "event is larger than 32 KB (%zu bytes)", r->scratch.len);
                        r->bad[i] = 1;
                        return add_reject(r, i, &e);
                }
        }
        rc = seg_map(v, r->kind, env, &r->arena, &r->scratch, &r->msgs[i], &e);
        if (rc == CXG_ERR_NOMEM)
                return rc;
        if (rc) {
                r->bad[i] = 1;
                return add_reject(r, i, &e);
        }
        return CXG_OK;
}

enum cxg_err app_collect_parse(struct collect_req *r, const char *body, size_t len,
                               struct cxg_error *err)
{
        struct seg_env env = {0};
        struct cxg_jval root, list = {{0}}, v;
        struct cxg_jiter it;
        size_t limit = r->kind < 0 ? SEG_MAX_BATCH : SEG_MAX_MESSAGE, n;
        enum cxg_err rc;

        if (len > limit)
                return cxg_error_set(err, CXG_ERR_LIMIT,
                                     "request body is %zu bytes; the limit is %zu KB %s", len,
                                     limit / 1024, r->kind < 0 ? "per batch" : "per call");
        if (!(r->parser = cxg_jparser_new()))
                return cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
        if ((rc = cxg_jparse(r->parser, body ? body : "", len, &root, err)))
                return rc;
        if (cxg_jtype(root) != CXG_J_OBJECT)
                return cxg_error_set(err, CXG_ERR_PARSE, "the body must be a JSON object");
        env.received_at = r->received_at;
        env.sent_at = CXG_TS_NONE;
        env.default_channel = r->cfg->channel;
        if (r->kind < 0) {
                if (!cxg_jget(root, "batch", &list) || cxg_jtype(list) != CXG_J_ARRAY)
                        return cxg_error_setf(err, CXG_ERR_PARSE, "batch",
                                              "expected {\"batch\": [messages...]}");
                if ((rc = envelope(root, &env, err)))
                        return rc;
                n = cxg_jsize(list);
        } else {
                n = 1;
        }
        if (n > COLLECT_MAX_MESSAGES)
                return cxg_error_set(err, CXG_ERR_LIMIT, "more than %d messages",
                                     COLLECT_MAX_MESSAGES);
        if (n && (!(r->vals = cxg_calloc(n, sizeof(*r->vals))) ||
                  !(r->msgs = cxg_calloc(n, sizeof(*r->msgs))) || !(r->bad = cxg_calloc(n, 1))))
                return cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
        r->n = n;
        if (r->kind >= 0) {
                if (map_one(r, 0, root, len, &env))
                        return cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
        } else {
                size_t i = 0;

                cxg_jiter_init(list, &it);
                while (cxg_jiter_next(&it, NULL, NULL, &v))
                        if (map_one(r, i++, v, len, &env))
                                return cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
        }
        r->nmaprej = r->nrejects;
        return CXG_OK;
}

/* ---- writing ---- */

/*
 * Make sure account ext exists: an existing one is kept as it is; a missing one is created
 * (with name when given) when create is set, else CXG_ERR_NOTFOUND naming field.
 */
static enum cxg_err ensure_account(struct store *st, const char *ext, const char *name, int create,
                                   const char *field, struct cxg_error *err)
{
        struct account a;
        int64_t id;
        enum cxg_err rc = store_account_ref(st, ext, strlen(ext), &id, err);

        if (rc != CXG_ERR_NOTFOUND)
                return rc;
        if (!create)
                return cxg_error_setf(err, CXG_ERR_NOTFOUND, field,
                                      "unknown account \"%s\": send a group call first, or set "
                                      "[collect] unknown = create",
                                      ext);
        model_account_init(&a);
        a.id = ext;
        a.name = name;
        return store_put_account(st, &a, NULL, NULL, err);
}

/* The account a new person joins: context.groupId, else the placeholder (see collect.md). */
static enum cxg_err new_person_account(struct collect_req *r, struct store *st,
                                       const struct seg_msg *m, int create, const char **acct,
                                       struct cxg_error *err)
{
        if (m->group_id) {
                *acct = m->group_id;
                return ensure_account(st, m->group_id, NULL, create, "context.groupId", err);
        }
        if (!create)
                return cxg_error_setf(err, CXG_ERR_NOTFOUND, "userId",
                                      "unknown person \"%s\" with no account: send identify with "
                                      "context.groupId or a group call first",
                                      m->user_id);
        *acct = r->cfg->placeholder;
        return ensure_account(st, r->cfg->placeholder, "Unassigned (collected events)", 1, "", err);
}

/* identify: create or update the person; its account stays unless context.groupId names one. */
static enum cxg_err write_identify(struct collect_req *r, struct store *st, struct seg_msg *m,
                                   struct cxg_error *err)
{
        char acct[SEG_MAX_ID + 2];
        enum cxg_err rc;

        if (m->group_id) {
                m->person.account_id = m->group_id;
                if ((rc = ensure_account(st, m->group_id, NULL, 1, "context.groupId", err)))
                        return rc;
        } else {
                rc = store_collect_person_account(st, m->user_id, acct, sizeof(acct), err);
                if (rc == CXG_OK)
                        m->person.account_id = acct;
                else if (rc != CXG_ERR_NOTFOUND ||
                         (rc = new_person_account(r, st, m, 1, &m->person.account_id, err)))
                        return rc;
        }
        return store_put_person(st, &m->person, NULL, NULL, err);
}

/* group: create or update the account, then make it the person's (creating the person). */
static enum cxg_err write_group(struct store *st, struct seg_msg *m, struct cxg_error *err)
{
        struct person p;
        int64_t aid, pid, paid;
        enum cxg_err rc;

        if ((rc = store_put_account(st, &m->account, &aid, NULL, err)))
                return rc;
        rc = store_person_ref(st, m->user_id, strlen(m->user_id), &pid, &paid, err);
        if (rc == CXG_OK && paid == aid)
                return CXG_OK;
        if (rc && rc != CXG_ERR_NOTFOUND)
                return rc;
        model_person_init(&p);
        p.id = m->user_id;
        p.account_id = m->group_id;
        return store_put_person(st, &p, NULL, NULL, err);
}

/* track, page, screen: resolve (or create) the person and queue the interaction row. */
static enum cxg_err queue_event(struct collect_req *r, struct store *st, size_t i,
                                struct cxg_error *err)
{
        struct seg_msg *m = &r->msgs[i];
        struct store_interaction *row;
        int64_t pid, aid;
        enum cxg_err rc;

        rc = store_person_ref(st, m->user_id, strlen(m->user_id), &pid, &aid, err);
        if (rc == CXG_ERR_NOTFOUND) {
                struct person p;

                if (!r->cfg->create_unknown)
                        return cxg_error_setf(err, CXG_ERR_NOTFOUND, "userId",
                                              "unknown person \"%s\": send identify first, or set "
                                              "[collect] unknown = create",
                                              m->user_id);
                model_person_init(&p);
                p.id = m->user_id;
                if ((rc = store_savepoint(st, err)))
                        return rc;
                if ((rc = new_person_account(r, st, m, 1, &p.account_id, err)) ||
                    (rc = store_put_person(st, &p, NULL, NULL, err))) {
                        store_savepoint_rollback(st);
                        return rc;
                }
                if ((rc = store_savepoint_release(st, err)))
                        return rc;
                rc = store_person_ref(st, m->user_id, strlen(m->user_id), &pid, &aid, err);
        }
        if (rc)
                return rc;
        if (CXG_GROW(r->rows, r->nrows + 1, r->cap_rows, CXG_GROW_NOCAP) ||
            CXG_GROW(r->row_msg, r->nrows + 1, r->cap_row_msg, CXG_GROW_NOCAP))
                return cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
        row = &r->rows[r->nrows];
        memset(row, 0, sizeof(*row));
        row->person_id = pid;
        row->account_id = aid;
        row->ts = m->ia.ts;
        row->duration_ms = -1;
        row->value = m->ia.value;
        row->channel = (uint8_t)m->ia.channel;
        row->outcome = CXG_OUT_NONE;
        row->attributes = m->ia.attributes;
        if ((rc = store_type_id(st, m->ia.type, strlen(m->ia.type), &row->type_id, err)))
                return rc;
        r->row_msg[r->nrows++] = i;
        return CXG_OK;
}

/* 1 when rc means "this event cannot be stored" rather than "the store failed". */
static int is_reject(enum cxg_err rc)
{
        return rc == CXG_ERR_INVALID || rc == CXG_ERR_NOTFOUND || rc == CXG_ERR_LIMIT ||
               rc == CXG_ERR_PARSE;
}

/* File message i as rejected (err e), or return the store failure rc. */
static enum cxg_err reject_or_fail(struct collect_req *r, size_t i, enum cxg_err rc,
                                   struct cxg_error *e, struct cxg_error *err)
{
        if (!is_reject(rc)) {
                *err = *e;
                return rc;
        }
        return add_reject(r, i, e) ? cxg_error_set(err, CXG_ERR_NOMEM, "out of memory") : CXG_OK;
}

/*
 * identify and group: under a savepoint of their own, so a reject undoes the message alone
 * (its messageId included).
 */
static enum cxg_err write_entity(struct collect_req *r, struct store *st, size_t i,
                                 struct cxg_error *err)
{
        struct seg_msg *m = &r->msgs[i];
        struct cxg_error e = {0};
        int dup = 0;
        enum cxg_err rc;

        if ((rc = store_savepoint(st, err)))
                return rc;
        if (m->message_id &&
            (rc = store_collect_seen(st, r->token_id, m->message_id, r->received_at, &dup, &e)))
                goto fail;
        if (dup) {
                r->duplicates++;
                return store_savepoint_release(st, err);
        }
        rc = m->kind == SEG_IDENTIFY ? write_identify(r, st, m, &e) : write_group(st, m, &e);
        if (rc)
                goto fail;
        r->accepted++;
        return store_savepoint_release(st, err);
fail:
        store_savepoint_rollback(st);
        return reject_or_fail(r, i, rc, &e, err);
}

/*
 * track, page, screen: no savepoint on the hot path (a known person: one messageId insert and
 * a queued row); creating an unknown person takes one (queue_event). A reject forgets the
 * messageId again.
 */
static enum cxg_err write_event(struct collect_req *r, struct store *st, size_t i,
                                struct cxg_error *err)
{
        struct seg_msg *m = &r->msgs[i];
        struct cxg_error e = {0};
        int dup = 0;
        enum cxg_err rc, urc;

        if (m->message_id &&
            (rc = store_collect_seen(st, r->token_id, m->message_id, r->received_at, &dup, err)))
                return rc;
        if (dup) {
                r->duplicates++;
                return CXG_OK;
        }
        if (!(rc = queue_event(r, st, i, &e)))
                return CXG_OK;
        if (is_reject(rc) && m->message_id &&
            (urc = store_collect_unsee(st, r->token_id, m->message_id, err)))
                return urc;
        return reject_or_fail(r, i, rc, &e, err);
}

/* Insert the queued rows; a row the store refuses is rejected and the rest go in. */
static enum cxg_err flush_rows(struct collect_req *r, struct store *st, struct cxg_error *err)
{
        while (r->nrows > 0) {
                struct cxg_error e = {0};
                enum cxg_err rc = store_put_interactions(st, r->rows, r->nrows, NULL, NULL, &e);
                size_t k;

                if (rc == CXG_OK)
                        break;
                if (!is_reject(rc) || e.line < 1 || (size_t)e.line > r->nrows) {
                        *err = e;
                        return rc;
                }
                k = (size_t)e.line - 1;
                if (add_reject(r, r->row_msg[k], &e))
                        return cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
                if (r->msgs[r->row_msg[k]].message_id &&
                    (rc = store_collect_unsee(st, r->token_id, r->msgs[r->row_msg[k]].message_id,
                                              err)))
                        return rc;
                memmove(&r->rows[k], &r->rows[k + 1], (r->nrows - k - 1) * sizeof(*r->rows));
                memmove(&r->row_msg[k], &r->row_msg[k + 1],
                        (r->nrows - k - 1) * sizeof(*r->row_msg));
                r->nrows--;
        }
        r->accepted += r->nrows;
        return CXG_OK;
}

/* File the rejects in ingest_rejects and audit the request. */
static enum cxg_err record(struct collect_req *r, struct store *st, struct cxg_error *err)
{
        struct app_ctx c = {st, r->actor, r->token_id, NULL, r->received_at};
        json_t *sum;
        enum cxg_err rc;

        for (size_t k = 0; k < r->nrejects; k++) {
                const struct collect_reject *x = &r->rejects[k];
                struct store_reject s = {r->received_at,
                                         "segment",
                                         r->token_id,
                                         x->message_id,
                                         x->kind[0] ? x->kind : NULL,
                                         x->field,
                                         x->reason,
                                         x->payload};

                if ((rc = store_reject_add(st, &s, err)))
                        return rc;
        }
        sum = json_pack("{s:I,s:I,s:I}", "accepted", (json_int_t)r->accepted, "duplicates",
                        (json_int_t)r->duplicates, "rejected", (json_int_t)r->nrejects);
        if (!sum)
                return cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
        rc = app_audit(&c, "collect", "segment", NULL, sum, err);
        json_decref(sum);
        return rc;
}

enum cxg_err app_collect_write(struct store *st, void *arg, struct cxg_error *err)
{
        struct collect_req *r = arg;
        enum cxg_err rc;

        r->accepted = r->duplicates = 0;
        r->nrejects = r->nmaprej;
        r->nrows = 0;
        for (size_t i = 0; i < r->n; i++) {
                if (r->bad[i])
                        continue;
                if (r->msgs[i].kind == SEG_IDENTIFY || r->msgs[i].kind == SEG_GROUP)
                        rc = write_entity(r, st, i, err);
                else
                        rc = write_event(r, st, i, err);
                if (rc)
                        return rc;
        }
        if ((rc = flush_rows(r, st, err)))
                return rc;
        return record(r, st, err);
}
