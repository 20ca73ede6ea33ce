/*
 * store_query.h: what the HTTP API reads and deletes one entity at a time: filtered, sorted,
 * keyset-paginated lists of accounts, people, subscriptions, objectives and capabilities, one
 * row by external id, deletes that refuse while other rows refer to the entity, and clearing
 * optional fields (set to NULL, which an upsert cannot do).
 */
#ifndef CXG_STORE_QUERY_H
#define CXG_STORE_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

enum store_entity {
        STORE_E_ACCOUNTS,
        STORE_E_PEOPLE,
        STORE_E_SUBSCRIPTIONS,
        STORE_E_OBJECTIVES,
        STORE_E_CAPABILITIES,
        STORE_E__COUNT
};

#define STORE_QUERY_MAX_LIMIT 500

/*
 * A list request. Every filter is optional (NULL / -1: none). The sort field must be one of
 * store_query_sort_fields(); rows are ordered by it, then by internal id, so a cursor (the
 * sort key and id of the last row seen) resumes exactly after that row even when keys repeat.
 */
struct store_query {
        const char *ext_id;     /* exactly this external id (for subscriptions: internal id) */
        const char *plan;       /* accounts, subscriptions */
        const char *owner;      /* accounts */
        const char *account_id; /* people, subscriptions, objectives: external account id */
        int seniority;          /* people: enum cxg_seniority, -1 any */
        const char *status;     /* objectives */
        const char *attr_key;   /* accounts, people: attributes[attr_key] == attr_value */
        const char *attr_value;
        const char *sort; /* NULL: "id" */
        int desc;
        int has_after; /* resume after (after_num or after_text, after_id) */
        double after_num;
        const char *after_text;
        int64_t after_id;
        int limit; /* 1..STORE_QUERY_MAX_LIMIT */
};

/* One row handed to a list callback; everything is valid only during the call. */
struct store_row {
        enum store_entity entity;
        int64_t id; /* internal id */
        const struct account *account;
        const struct person *person;
        const struct subscription *subscription;
        const struct objective *objective;   /* capabilities: see list_json */
        const struct capability *capability; /* plans: list_json, types: list2_json */
        const char *list_json;  /* objectives: capability ids; capabilities: plans (JSON) */
        const char *list2_json; /* capabilities: interaction types (JSON array text) */
        int key_is_num;         /* the row's sort key, for the next cursor */
        double key_num;
        const char *key_text;
};

/* Set up q with no filters, sort by id ascending, limit 100. */
void store_query_init(struct store_query *q);

/* NULL-terminated list of the fields an entity can be sorted by (the first is the default). */
const char *const *store_query_sort_fields(enum store_entity e);
/* 1 when the sort field of entity e is numeric (cursor keys are numbers), else 0. */
int store_query_sort_is_num(enum store_entity e, const char *sort);

/*
 * Call cb for each row matching q in order, at most q->limit rows. CXG_ERR_INVALID (with
 * err->field "sort" or "attr") for an unknown sort field or an attribute key with quotes or
 * backslashes. A non-zero return of cb stops the list and is returned.
 */
typedef enum cxg_err (*store_row_cb)(void *ctx, const struct store_row *row);
enum cxg_err store_query_list(struct store *s, enum store_entity e, const struct store_query *q,
                              store_row_cb cb, void *ctx, struct cxg_error *err) CXG_WUR;

/*
 * Delete one row by external id (subscriptions: internal id as text) inside the caller's
 * transaction. CXG_ERR_NOTFOUND when absent; CXG_ERR_CONFLICT with a message naming what
 * still refers to it (people, interactions, objectives, ...). Deleting an account also deletes
 * its score history, which is derived data.
 */
enum cxg_err store_query_delete(struct store *s, enum store_entity e, const char *ext_id,
                                struct cxg_error *err) CXG_WUR;

/*
 * Set the named optional fields (canonical names, e.g. "plan", "churned_at") of one row to
 * NULL. CXG_ERR_INVALID (field set) for a field that cannot be cleared; CXG_ERR_NOTFOUND when
 * the row is absent.
 */
enum cxg_err store_query_clear(struct store *s, enum store_entity e, const char *ext_id,
                               const char *const *fields, size_t n, struct cxg_error *err) CXG_WUR;

/*
 * Forget the external-to-internal id caches of this handle, after another handle deleted rows
 * (a cached id of a deleted row would otherwise be reused).
 */
void store_query_forget_ids(struct store *s);

#endif
