/*
 * view_entities.c: the JSON views of the core entities, login users, audit entries and an
 * erasure report (see view_entities.h), shared by the API and the CLI.
 */
#include "app/view.h"
#include "app/view_entities.h"
#include "core/banned.h"
#include "core/parse.h"
#include "model/model.h"

/* Stored JSON text parsed, or fallback when absent or not JSON (fallback stolen). */
static json_t *raw(const char *text, json_t *fallback)
{
        json_t *j = text ? json_loads(text, 0, NULL) : NULL;

        if (j) {
                json_decref(fallback);
                return j;
        }
        return fallback;
}

static json_t *account(const struct account *a)
{
        return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:b,s:o,s:o}", "id", view_str(a->id), "name",
                         view_str(a->name), "plan", view_str(a->plan), "mrr", view_num(a->mrr),
                         "currency", view_str(a->currency), "created_at", view_time(a->created_at),
                         "churned_at", view_time(a->churned_at), "churned",
                         a->churned > 0 || a->churned_at != CXG_TS_NONE, "owner",
                         view_str(a->owner), "attributes", raw(a->attributes, json_null()));
}

static json_t *person(const struct person *p)
{
        return json_pack("{s:o,s:o,s:o,s:o,s:o,s:s,s:o,s:o,s:o}", "id", view_str(p->id),
                         "account_id", view_str(p->account_id), "name", view_str(p->name), "email",
                         view_str(p->email), "role", view_str(p->role), "seniority",
                         model_seniority_name(p->seniority), "created_at", view_time(p->created_at),
                         "left_at", view_time(p->left_at), "attributes",
                         raw(p->attributes, json_null()));
}

json_t *view_entity_row(const struct store_row *row)
{
        const struct subscription *s = row->subscription;
        const struct objective *o = row->objective;
        const struct capability *c = row->capability;

        switch (row->entity) {
        case STORE_E_ACCOUNTS:
                return account(row->account);
        case STORE_E_PEOPLE:
                return person(row->person);
        case STORE_E_SUBSCRIPTIONS:
                return json_pack("{s:I,s:o,s:o,s:o,s:o,s:o}", "id", (json_int_t)row->id,
                                 "account_id", view_str(s->account_id), "plan", view_str(s->plan),
                                 "mrr", view_num(s->mrr), "started_at", view_time(s->started_at),
                                 "ended_at", view_time(s->ended_at));
        case STORE_E_OBJECTIVES:
                return json_pack("{s:o,s:o,s:o,s:o,s:i,s:o,s:o}", "id", view_str(o->id),
                                 "account_id", view_str(o->account_id), "person_id",
                                 view_str(o->person_id), "title", view_str(o->title), "importance",
                                 o->importance, "status", view_str(o->status), "capabilities",
                                 raw(row->list_json, json_array()));
        case STORE_E_CAPABILITIES:
                return json_pack("{s:o,s:o,s:o,s:o}", "id", view_str(c->id), "name",
                                 view_str(c->name), "plans", raw(row->list_json, json_array()),
                                 "interaction_types", raw(row->list2_json, json_array()));
        default:
                return NULL;
        }
}

json_t *view_erase_report(const struct store_erase_report *r)
{
        return json_pack("{s:b,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:b}", "erased", 1, "id", r->anon_id,
                         "interactions", (json_int_t)r->interactions, "feedback",
                         (json_int_t)r->feedback, "objectives", (json_int_t)r->objectives, "users",
                         (json_int_t)r->users, "audit_redacted", (json_int_t)r->audit,
                         "texts_redacted", (json_int_t)r->mentions, "wal_cleared",
                         r->wal_frames_left == 0);
}

json_t *view_user(const struct store_user *u)
{
        char t[32];
        json_t *o = json_pack("{s:s,s:s,s:s,s:b}", "name", u->name, "role", u->role, "created_at",
                              cxg_time_format(u->created_at, t), "disabled", u->disabled);

        if (o && u->person_id[0] && json_object_set_new(o, "person_id", json_string(u->person_id)))
                return view_done(o, 1);
        return o;
}

json_t *view_audit(const struct store_audit *a)
{
        char t[32];
        json_t *sum = a->summary ? json_loads(a->summary, 0, NULL) : NULL;

        return json_pack("{s:I,s:s,s:s,s:s,s:s,s:s?,s:o}", "id", (json_int_t)a->id, "at",
                         cxg_time_format(a->at, t), "actor", a->actor, "action", a->action,
                         "entity", a->entity, "entity_id", a->entity_id, "summary",
                         sum ? sum : json_null());
}
