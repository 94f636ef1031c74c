/* wf_access.c - who may read an order and who may take an action on it:
 * dispatchers and admins on the dispatch side, officers for their own
 * department's orders and the joint orders they take part in. */
#include "workflow/workflow_int.h"

#include <string.h>

#include "model/roles.h"

int wf_role_of(const struct wf_actor *who) {
  return who->kind == ACTOR_USER ? who->role : 0;
}

/* The system acts with a dispatcher's rights and more (wf_may): it dispatches
 * complete applications and opens orders for rules. */
int wf_is_dispatcher(const struct wf_actor *who) {
  return who->kind == ACTOR_SYSTEM || (wf_role_of(who) & (ROLE_ADMIN | ROLE_DISPATCHER));
}

int wf_same_dept(const struct wf_actor *who, const char *dept) {
  return who->department && who->department[0] && dept && strcmp(who->department, dept) == 0;
}

int workflow_can_read(struct workflow *wf, const struct wf_actor *who,
                      const struct store_order *o) {
  if (!(wf_role_of(who) & ROLE_OFFICER)) return 1;
  if (wf_same_dept(who, o->department)) return 1;
  struct wf_kids k;
  int ok = 0;
  if (wf_kids_load(wf, o->parent ? o->parent : o->id, &k) == 0)
    for (size_t i = 0; i < k.n && !ok; i++) ok = wf_same_dept(who, k.v[i].department);
  zz_free(k.v);
  return ok;
}

int wf_may(const struct wf_actor *who, enum order_action a, const struct wf_order *w,
           struct zz_err *e) {
  if (who->kind == ACTOR_SYSTEM || (wf_role_of(who) & ROLE_ADMIN)) return 0;
  /* The sentences name the action: formatted with its English name (en.msg)
   * and with its Chinese (zh.msg_zh). */
  struct zz_err en, zh;
  if (order_action_side(a) == ORDER_SIDE_DISPATCH) {
    if (wf_role_of(who) & ROLE_DISPATCHER) return 0;
    zz_fail(&en, ZZ_EFORBIDDEN, "action", "only a dispatcher can %s an order",
            order_action_name(a));
    zz_fail(&zh, ZZ_EFORBIDDEN, "action", "only a dispatcher can %s an order", order_action_zh(a));
    return zz_fail_pair(e, ZZ_EFORBIDDEN, "action", en.msg, zh.msg_zh);
  }
  if ((wf_role_of(who) & ROLE_OFFICER) && wf_same_dept(who, w->o.department)) return 0;
  zz_fail(&en, ZZ_EFORBIDDEN, "action", "only an officer of department \"%s\" can %s order %lld",
          w->o.department ? w->o.department : "(none yet)", order_action_name(a),
          (long long)w->o.id);
  zz_fail(&zh, ZZ_EFORBIDDEN, "action", "only an officer of department \"%s\" can %s order %lld",
          w->o.department ? w->o.department : "（尚未指定）", order_action_zh(a),
          (long long)w->o.id);
  return zz_fail_pair(e, ZZ_EFORBIDDEN, "action", en.msg, zh.msg_zh);
}
