/* campaigns_demo.c - the demo's campaigns (campaigns_demo.h). The history is
 * a queue of dated events (signatures, activities, visits, the owners'
 * acceptance of their rectification orders) run in time order through the
 * public functions of the campaign and inspection engines, with the clock
 * pinned at each event and the engines' timers (the workflow's SLA, the
 * overdue sweep) run once a simulated day, so every row, order timeline
 * and credit event carries the time it would have had. What a visit finds
 * is drawn when the visit happens: each item of a checklist breaks now and
 * then (less often as the campaign goes on), and a broken item is fixed
 * before its deadline (a re-inspection passes it), late, or, for a few
 * recent ones, not yet. Every figure the dashboards show is counted from
 * these rows, never typed. Besides 限塑 and 政法, whose histories are told
 * below, any campaign of the pack with a "demo" member gets routine
 * visits planned from its definition alone (the park's safety campaign).
 * The failures of the last year and their fixes get a photo: a placard
 * drawn by placard.c, stored through the inspection engine's photo path. */
#include "demo/campaigns_demo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "campaigns/campaigns.h"
#include "codes/codes.h"
#include "core/log.h"
#include "core/ztime.h"
#include "demo/demo_int.h"
#include "demo/placard.h"
#include "inspections/inspections.h"
#include "model/registry.h"
#include "model/roles.h"
#include "store/store.h"
#include "store/store_registry.h"
#include "workflow/workflow.h"

#define DAY_MS ZZ_DAY_MS
#define HOUR_MS ZZ_HOUR_MS
#define NEVER INT64_MAX
#define MAX_ITEMS 12
#define STALL_PLEDGES 2350 /* the seed's figure: stall-holders signed by May 2021 */
#define PLASTIC "plastic_2021"
#define ZFDW "zfdw_2021"
#define MAX_ROUTINES 4
#define PHOTOS_MAX 120              /* photos the demo writes for each campaign... */
#define PHOTOS_SINCE (365 * DAY_MS) /* ...of the visits of the last year */

/* ---- randomness: one stream, drawn in the events' order ---- */

struct rng {
  uint64_t s;
};
static double u01(struct rng *r) {
  r->s += 0x9e3779b97f4a7c15ULL;
  return demo_u01(demo_mix(r->s));
}
static int below(struct rng *r, int n) {
  return n > 0 ? (int)(u01(r) * n) : 0;
}
#define PICK(r, arr) (arr)[below((r), (int)ZZ_ARRAY_LEN(arr))]

static const char *const surnames[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周",
                                       "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "沈", "楼"};
static const char *const given[] = {"建国", "国强", "海燕", "志刚", "丽华", "伟",   "红英",
                                    "明",   "建华", "秀芳", "永康", "晓东", "春燕", "卫东"};

/* ---- the units a campaign reaches ---- */

struct unit {
  int64_t id;
  char key[129], type[65], name_zh[128];
  double lon, lat;
  char holder[64], phone[32];  /* attrs.holder (a stall's), attrs.contact_phone */
  char parent_key[129];        /* the member's parent attribute (a stall's market) */
  int parent;                  /* its index among the participants, -1 none */
  int checklist;               /* index into the world's checklists */
  int64_t signed_at;           /* the member's planned signature, 0: none */
  int64_t since;               /* a routine campaign visits it from then (0: always) */
  int64_t broken[MAX_ITEMS];   /* an item is failing until then (0: fine) */
  int64_t open_ids[MAX_ITEMS]; /* zfdw: the unit's open rectification items */
  int nopen;
};

struct units {
  struct unit *v;
  size_t n, cap;
};

struct checklist {
  char id[65];
  json_t *def; /* owned */
  size_t nitems;
  const char *item[MAX_ITEMS];
  int days[MAX_ITEMS];
};

/* ---- the event queue: a binary heap on (ts, seq) ---- */

enum ev_kind {
  EV_MARKET_PLEDGE = 1,
  EV_STALL_PLEDGE,
  EV_ACTIVITY,
  EV_CHECK,    /* a: participant (b 0) or member (b 1) index; x: 1 a re-inspection */
  EV_ACCEPT,   /* x: order, a: index into owners */
  EV_ZF_PLAN,  /* a: unit, b: 0 first visit, 1 follow-up; x: the visit's ts */
  EV_ZF_VISIT, /* a: unit, b: as above; x: the plan's id (set when planned) */
  EV_RT_CHECK  /* a: unit, b: routine; x: 1 a re-inspection */
};

struct ev {
  int64_t ts, x;
  uint32_t seq;
  int kind, a, b;
};

struct heap {
  struct ev *v;
  size_t n, cap;
  uint32_t seq;
};

static int ev_less(const struct ev *a, const struct ev *b) {
  return a->ts < b->ts || (a->ts == b->ts && a->seq < b->seq);
}

static int heap_push(struct heap *h, struct ev e) {
  if (zz_grow(&h->v, &h->cap, h->n, sizeof *h->v, 4096)) return ZZ_ENOMEM;
  e.seq = h->seq++;
  size_t i = h->n++;
  while (i > 0 && ev_less(&e, &h->v[(i - 1) / 2])) {
    h->v[i] = h->v[(i - 1) / 2];
    i = (i - 1) / 2;
  }
  h->v[i] = e;
  return 0;
}

static struct ev heap_pop(struct heap *h) {
  struct ev top = h->v[0], last = h->v[--h->n];
  size_t i = 0;
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= h->n) break;
    if (c + 1 < h->n && ev_less(&h->v[c + 1], &h->v[c])) c++;
    if (!ev_less(&h->v[c], &last)) break;
    h->v[i] = h->v[c];
    i = c;
  }
  if (h->n) h->v[i] = last;
  return top;
}

/* A campaign of routine visits, planned from its pack definition: its
 * "demo" member names the region whose units it visits, the entity types
 * visited every month, how many other units a month, and the attribute
 * (per type) of the day a unit came to be. */
struct routine {
  json_t *def; /* owned */
  const char *id;
  struct units u; /* one per entity and checklist */
  int sample;
  const json_t *every; /* borrowed from def */
  int64_t photos;
};

/* ---- the world being written ---- */

struct world {
  struct store *st;
  struct campaigns cs;
  struct inspections in;
  struct workflow *wf;
  struct rng r;
  int64_t now, start, scale;
  struct heap q;
  struct units markets, stalls, zf;
  struct checklist cl[16];
  size_t ncl;
  json_t *plastic, *zfdw; /* the campaigns' definitions, NULL when absent */
  const char *member_pledge, *participant_pledge;
  char *owners[16]; /* departments that accept orders (EV_ACCEPT's a) */
  size_t nowners;
  struct routine rt[MAX_ROUTINES];
  size_t nrt;
  int64_t uid, photos; /* photos: 限塑's */
  struct demo_campaigns_made made;
  struct zz_err *e;
};

static int push(struct world *w, int64_t ts, int kind, int a, int b, int64_t x) {
  if (ts > w->now) return 0; /* the future is not written */
  return heap_push(&w->q, (struct ev){.ts = ts, .kind = kind, .a = a, .b = b, .x = x});
}

static int64_t day_at(int64_t day_start, int hour, int minute) {
  return day_start + hour * HOUR_MS + minute * ZZ_MINUTE_MS;
}

/* A working day's moment between 8:30 and 17:00, day `d` days after the
 * local day of t (moved off the weekend). */
static int64_t work_time(struct world *w, int64_t t, int d) {
  int64_t day = demo_day_start(demo_day_of(t) + d);
  struct zz_civil c;
  zz_time_civil(day, &c);
  if (c.wday == 6) day += 2 * DAY_MS;
  if (c.wday == 0) day += DAY_MS;
  return day_at(day, 8, 30) + below(&w->r, 510) * ZZ_MINUTE_MS;
}

/* ---- loading the units ---- */

static const char *sval(const json_t *o, const char *k) {
  const json_t *v = json_object_get(o, k);
  return json_is_string(v) ? json_string_value(v) : NULL;
}

static int has_str(const json_t *arr, const char *s) {
  for (size_t i = 0; s && i < json_array_size(arr); i++)
    if (json_is_string(json_array_get(arr, i)) &&
        strcmp(json_string_value(json_array_get(arr, i)), s) == 0)
      return 1;
  return 0;
}

struct load_ctx {
  struct units *u;
  const char *parent_attr;
  const char *since_attr; /* a date attribute: the unit exists from that day */
  int rc, rows;
  int64_t last;
};

static int unit_cb(void *ud, const struct store_entity *en) {
  struct load_ctx *x = ud;
  struct units *u = x->u;
  x->last = en->id;
  x->rows++;
  if (zz_grow(&u->v, &u->cap, u->n, sizeof *u->v, 64)) {
    x->rc = ZZ_ENOMEM;
    return 1;
  }
  struct unit *o = &u->v[u->n++];
  memset(o, 0, sizeof *o);
  o->id = en->id;
  o->parent = -1;
  o->lon = en->lon;
  o->lat = en->lat;
  zz_strlcpy(o->key, en->key, sizeof o->key);
  zz_strlcpy(o->type, en->type ? en->type : "", sizeof o->type);
  zz_strlcpy(o->name_zh, en->name_zh ? en->name_zh : en->key, sizeof o->name_zh);
  json_t *attrs = en->attrs_json ? json_loads(en->attrs_json, 0, NULL) : NULL;
  const char *s;
  if ((s = sval(attrs, "holder"))) zz_strlcpy(o->holder, s, sizeof o->holder);
  if ((s = sval(attrs, "contact_phone"))) zz_strlcpy(o->phone, s, sizeof o->phone);
  if (x->parent_attr && (s = sval(attrs, x->parent_attr)))
    zz_strlcpy(o->parent_key, s, sizeof o->parent_key);
  int y, m, d;
  if (x->since_attr && (s = sval(attrs, x->since_attr)) && sscanf(s, "%d-%d-%d", &y, &m, &d) == 3)
    o->since = zz_time_from_civil(y, m, d, 0, 0, 0);
  json_decref(attrs);
  return 0;
}

/* Every entity of the types in types (a JSON array) within the region
 * interval [lo, hi] (0, 0: anywhere) into u, in id order; since (an object
 * type -> date attribute, or NULL) sets each unit's since. */
static int load_units_in(struct world *w, const json_t *types, const char *parent_attr, int64_t lo,
                         int64_t hi, const json_t *since, struct units *u) {
  for (size_t i = 0; i < json_array_size(types); i++) {
    struct store_entity_filter f = {.type = json_string_value(json_array_get(types, i)),
                                    .rpos_lo = lo,
                                    .rpos_hi = hi,
                                    .limit = 1000};
    if (!f.type) continue;
    for (;;) { /* a page at a time, in id order */
      struct load_ctx x = {u, parent_attr, sval(since, f.type), 0, 0, 0};
      int rc = store_entities_each(w->st, &f, unit_cb, &x);
      if (rc || x.rc)
        return zz_fail(w->e, rc ? rc : x.rc, NULL, "cannot read the campaign's units");
      if (x.rows < f.limit) break;
      f.after_id = x.last;
    }
  }
  return 0;
}

static int load_units(struct world *w, const json_t *types, const char *parent_attr,
                      struct units *u) {
  return load_units_in(w, types, parent_attr, 0, 0, NULL, u);
}

/* Keeps checklist id (its definition def, owned from now) in the world's
 * next slot, which the caller found free; returns its index. */
static int checklist_add(struct world *w, const char *id, json_t *def) {
  struct checklist *k = &w->cl[w->ncl];
  memset(k, 0, sizeof *k);
  zz_strlcpy(k->id, id, sizeof k->id);
  k->def = def;
  const json_t *items = json_object_get(def, "items");
  for (size_t n = 0; n < json_array_size(items) && k->nitems < MAX_ITEMS; n++) {
    const json_t *it = json_array_get(items, n);
    const json_t *days = json_object_get(it, "rectify_days");
    if (!sval(it, "id")) continue;
    k->item[k->nitems] = sval(it, "id");
    k->days[k->nitems++] = json_is_integer(days) ? (int)json_integer_value(days) : 7;
  }
  return (int)w->ncl++;
}

/* The checklist of campaign c for entity type (its index, loaded once), or -1. */
static int checklist_for(struct world *w, const json_t *c, const char *type) {
  const json_t *ids = json_object_get(c, "checklists");
  for (size_t i = 0; i < json_array_size(ids); i++) {
    const char *id = json_string_value(json_array_get(ids, i));
    for (size_t k = 0; id && k < w->ncl; k++)
      if (strcmp(w->cl[k].id, id) == 0 &&
          has_str(json_object_get(w->cl[k].def, "entity_types"), type))
        return (int)k;
    json_t *def = NULL;
    struct zz_err ignored;
    if (!id || w->ncl == ZZ_ARRAY_LEN(w->cl) || inspections_checklist(w->st, id, &def, &ignored))
      continue;
    if (!has_str(json_object_get(def, "entity_types"), type)) {
      json_decref(def);
      continue;
    }
    return checklist_add(w, id, def);
  }
  return -1;
}

/* The index of checklist id among the world's (loaded once), or -1. */
static int checklist_load(struct world *w, const char *id) {
  for (size_t k = 0; k < w->ncl; k++)
    if (strcmp(w->cl[k].id, id) == 0) return (int)k;
  json_t *def = NULL;
  struct zz_err ignored;
  if (w->ncl == ZZ_ARRAY_LEN(w->cl) || inspections_checklist(w->st, id, &def, &ignored)) return -1;
  return checklist_add(w, id, def);
}

/* ---- the steps ---- */

static void pin(int64_t t) {
  zz_time_set_now(t);
}

/* A step's error: the engines' sentence, with what the demo was doing. */
static int step_failed(struct world *w, int rc, const char *what) {
  zz_warn("demo: campaigns: %s failed: %s", what, w->e->msg);
  return rc;
}

static void person(struct rng *r, char *out, size_t cap) {
  snprintf(out, cap, "%s%s", PICK(r, surnames), PICK(r, given));
}

static int market_pledge(struct world *w, const struct ev *v) {
  const struct unit *m = &w->markets.v[v->a];
  char name[32], digits[24], ts[32];
  person(&w->r, name, sizeof name);
  code_phone_digits(m->phone, digits);
  json_t *body = json_pack("{s:s, s:s, s:s, s:s}", "pledge", w->participant_pledge, "entity",
                           m->key, "signer", name, "ts", zz_time_format(v->ts, ts));
  if (strlen(digits) == 11 && digits[0] == '1')
    json_object_set_new(body, "phone", json_string(digits));
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  pin(v->ts);
  int rc =
      campaign_sign_paper(&w->cs, &(struct cp_actor){"scjg_chen"}, PLASTIC, body, &j, NULL, w->e);
  zz_buf_free(&b);
  json_decref(body);
  if (rc) return step_failed(w, rc, "a market's responsibility pledge");
  w->made.pledges++;
  return 0;
}

static int stall_pledge(struct world *w, const struct ev *v) {
  const struct unit *s = &w->stalls.v[v->a];
  char ts[32];
  const char *signer = s->holder[0] ? s->holder : "经营户";
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  pin(v->ts);
  int rc;
  if (v->b) { /* on the stall-holder's phone, through the stall's enterprise code */
    json_t *body = json_pack("{s:s, s:s, s:s, s:s}", "campaign", PLASTIC, "pledge",
                             w->member_pledge, "signer", signer, "phone", s->phone);
    rc = campaign_sign_public(&w->cs, s->key, body, &j, NULL, w->e);
    json_decref(body);
  } else { /* on paper, entered by the market supervision office */
    char digits[24];
    code_phone_digits(s->phone, digits);
    json_t *body = json_pack("{s:s, s:s, s:s, s:s}", "pledge", w->member_pledge, "entity", s->key,
                             "signer", signer, "ts", zz_time_format(v->ts, ts));
    if (strlen(digits) == 11 && digits[0] == '1')
      json_object_set_new(body, "phone", json_string(digits));
    rc =
        campaign_sign_paper(&w->cs, &(struct cp_actor){"scjg_chen"}, PLASTIC, body, &j, NULL, w->e);
    json_decref(body);
  }
  zz_buf_free(&b);
  if (rc) return step_failed(w, rc, "a stall-holder's commitment");
  w->made.pledges++;
  return 0;
}

static const char *const alt_titles[] = {"菜篮子、布袋子免费发放", "环保购物袋以旧换新",
                                         "“绿色菜场·拒绝超薄袋”宣传日", "可降解塑料袋识别现场讲解"};
static const char *const meeting_titles[] = {"全区农贸市场限塑工作推进会",
                                             "农贸市场限塑工作季度例会", "限塑专项行动督导通报会"};

/* An activity: a kind (v->a: 0 initiative, 1 alternatives, 2 meeting),
 * at market v->b or, -1, the district's (-2: the kick-off meeting), with
 * v->x people. */
static int activity(struct world *w, const struct ev *v) {
  static const char *const kinds[] = {"initiative", "alternatives", "meeting"};
  const struct unit *m = v->b >= 0 ? &w->markets.v[v->b] : NULL;
  char title[200], ts[32];
  if (v->a == 0)
    snprintf(title, sizeof title, "%s《限塑倡议书》发放暨经营户动员会", m ? m->name_zh : "");
  else if (v->a == 1)
    snprintf(title, sizeof title, "%s", PICK(&w->r, alt_titles));
  else
    snprintf(title, sizeof title, "%s",
             v->b == -2 ? "全区农贸市场限塑专项行动部署会" : PICK(&w->r, meeting_titles));
  json_t *body = json_pack("{s:s, s:s, s:s, s:I}", "kind", kinds[v->a], "title", title, "ts",
                           zz_time_format(v->ts, ts), "participants", (json_int_t)v->x);
  if (m) json_object_set_new(body, "entity", json_string(m->key));
  int64_t id = 0;
  pin(v->ts);
  int rc = campaign_activity_add(&w->cs, &(struct cp_actor){"scjg_chen"}, PLASTIC, body, &id, w->e);
  json_decref(body);
  if (rc) return step_failed(w, rc, "an activity");
  w->made.activities++;
  return 0;
}

/* How often an item breaks: more in the campaign's first months. */
static double fail_rate(const struct world *w, int64_t ts, double base) {
  double months = (double)(ts - w->start) / (30.0 * DAY_MS);
  double f = base * (0.6 + 1.3 * exp(-months / 9.0));
  /* the last week's special checks (专项检查周) look harder */
  return ts > w->now - 7 * DAY_MS ? 2.5 * f : f;
}

/* What a broken item becomes: fixed and re-inspected before its deadline,
 * fixed late, or (recent ones, now and then) not yet. Returns the
 * re-inspection's time or 0, and sets *until. */
static int64_t fix_plan(struct world *w, int64_t ts, int days, int64_t *until) {
  double x = u01(&w->r);
  int recent = ts > w->now - 150 * DAY_MS;
  if (recent && x < 0.3) {
    *until = NEVER;
    return 0;
  }
  int64_t when;
  if (x < 0.40) /* late: some days past the deadline */
    when = work_time(w, ts, days + 2 + below(&w->r, 20));
  else /* on time: between the next day and the deadline's day */
    when = work_time(w, ts, 1 + below(&w->r, days > 1 ? days : 1));
  int64_t deadline = demo_day_start(demo_day_of(ts) + days + 1) - 1;
  if (x >= 0.40 && when > deadline) when = deadline - 2 * HOUR_MS; /* a weekend moved it */
  *until = when - HOUR_MS;
  return when;
}

/* Notes an inspector writes on a failed item. */
static const char *fail_note(const char *item) {
  static const char *const notes[][2] = {
      {"commitment_posted", "公示栏未张贴《责任状》，部分承诺书缺失"},
      {"credit_file", "信用档案未及时更新，违规经营户未记分"},
      {"central_purchase", "发现非市场统一采购的塑料袋在场内流通"},
      {"paid_use", "个别摊位免费提供塑料袋，收费标识缺失"},
      {"purchase_ledger", "塑料袋进货台账缺少近月票据"},
      {"publicity", "电子屏未播放限塑宣传内容"},
      {"no_ultrathin", "查见厚度不足0.025毫米的超薄塑料袋"},
      {"qualified_bags", "使用非统一供应的塑料袋"},
      {"no_free_bags", "向顾客免费提供塑料袋"},
      {"pledge_displayed", "承诺书未在摊位公示"},
      {"fire_exits", "安全出口处堆放杂物，疏散通道不畅"},
      {"extinguishers", "部分灭火器压力不足、已过有效期"},
      {"alarm_sprinkler", "喷淋系统末端试水压力不足，报警主机有故障未复位"},
      {"evacuation_signs", "疏散指示标志不亮，应急照明损坏"},
      {"ebike_charging", "楼道内电动自行车飞线充电"},
      {"chemicals", "危化品与普通物料混放，未建出入库台账"},
      {"wiring", "配电箱周边私拉电线，插座串接使用"},
      {"safety_duty", "隐患自查台账近期未记录"},
      {"emergency_plan", "应急预案未更新，今年未组织演练"},
      {"dust_cover", "裸土未覆盖，渣土堆放无防尘网"},
      {"dust_spray", "雾炮未开启，出入口车辆未冲洗带泥上路"},
      {"noise_hours", "夜间22时后仍在施工，无夜间施工许可"},
      {"hoarding", "东侧围挡破损倾斜"},
      {"site_safety", "临边防护缺失，临时用电未做到一机一闸一漏"},
  };
  for (size_t i = 0; i < ZZ_ARRAY_LEN(notes); i++)
    if (strcmp(notes[i][0], item) == 0) return notes[i][1];
  return "现场检查不合格，已要求限期整改";
}

static int owner_index(struct world *w, const char *dept) {
  for (size_t i = 0; i < w->nowners; i++)
    if (strcmp(w->owners[i], dept) == 0) return (int)i;
  if (w->nowners == ZZ_ARRAY_LEN(w->owners)) return -1;
  w->owners[w->nowners] = zz_strdup(dept);
  return w->owners[w->nowners] ? (int)w->nowners++ : -1;
}

/* Submits body as who at ts; on success *out is the engine's answer. */
static int submit(struct world *w, const struct ins_actor *who, json_t *body, int64_t ts,
                  json_t **out) {
  char uid[40], t[32];
  snprintf(uid, sizeof uid, "demo-visit-%07lld", (long long)++w->uid);
  json_object_set_new(body, "uid", json_string(uid));
  json_object_set_new(body, "ts", json_string(zz_time_format(ts, t)));
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  int created = 0;
  pin(ts + (5 + below(&w->r, 40)) * ZZ_MINUTE_MS); /* sent a little after the visit */
  int rc = inspection_submit(&w->in, who, body, &created, &j, w->e);
  if (!rc && zz_json_finish(&j)) rc = zz_fail(w->e, ZZ_ENOMEM, NULL, "out of memory");
  *out = rc ? NULL : json_loads(b.data, 0, NULL);
  zz_buf_free(&b);
  if (rc) return step_failed(w, rc, "an inspection");
  w->made.inspections++;
  /* the owners accept their new orders within the working day */
  const json_t *items = json_object_get(*out, "rectify");
  for (size_t i = 0; i < json_array_size(items) && !rc; i++) {
    const json_t *it = json_array_get(items, i);
    const json_t *order = json_object_get(it, "order");
    int k = owner_index(w, sval(it, "owner") ? sval(it, "owner") : "");
    w->made.rectify++;
    if (json_is_integer(order) && k >= 0)
      rc = push(w, ts + (1 + below(&w->r, 20)) * HOUR_MS, EV_ACCEPT, k, 0,
                json_integer_value(order));
  }
  return rc;
}

/* A photo of each failed item (failed[i]) and each item fixed since the
 * last visit (fixed[i]) of the inspection in out, for visits of the last
 * year while the demo has photos left: a placard stored through the
 * inspection engine, as the inspector's phone would send it. */
static int photos_for(struct world *w, const json_t *out, const struct unit *u,
                      const struct checklist *cl, const int *failed, const int *fixed, int64_t ts,
                      int64_t *photos) {
  const json_t *id = json_object_get(json_object_get(out, "inspection"), "id");
  if (!json_is_integer(id) || ts < w->now - PHOTOS_SINCE) return 0;
  struct zz_civil c;
  zz_time_civil(ts, &c);
  char day[16];
  snprintf(day, sizeof day, "%04d-%02d-%02d", c.year % 10000, c.month % 100, c.day % 100);
  for (size_t i = 0; i < cl->nitems && *photos < PHOTOS_MAX; i++) {
    if (!failed[i] && !fixed[i]) continue;
    struct zz_buf png;
    zz_buf_init(&png, 0);
    int64_t pid = 0;
    int rc = demo_placard_png(cl->item[i], u->key, day, !failed[i], &png);
    if (rc) rc = zz_fail(w->e, rc, NULL, "out of memory");
    if (!rc)
      rc = inspection_photo_add(&w->in, json_integer_value(id), cl->item[i], png.data, png.len,
                                &pid, w->e);
    zz_buf_free(&png);
    if (rc) return step_failed(w, rc, "an inspection photo");
    (*photos)++;
  }
  return 0;
}

static const struct ins_actor market_inspectors[] = {
    {"scjg_wang", "market_supervision", ROLE_OFFICER},
    {"scjg_li", "market_supervision", ROLE_OFFICER},
    {"scjg_zhou", "market_supervision", ROLE_OFFICER},
};

/* A market's visit or a stall's spot check (v->b 1), or a re-inspection (v->x 1). */
static int check(struct world *w, const struct ev *v) {
  struct unit *u = v->b ? &w->stalls.v[v->a] : &w->markets.v[v->a];
  const struct checklist *cl = &w->cl[u->checklist];
  json_t *answers = json_array();
  int rc = 0, failed[MAX_ITEMS] = {0}, fixed[MAX_ITEMS] = {0};
  for (size_t i = 0; i < cl->nitems; i++) {
    json_t *a = json_pack("{s:s}", "item", cl->item[i]);
    int na = v->b && strcmp(cl->item[i], "pledge_displayed") == 0 &&
             (!u->signed_at || u->signed_at > v->ts);
    if (na) { /* nothing signed yet: nothing to display */
      json_object_set_new(a, "ok", json_null());
    } else {
      if (u->broken[i] && u->broken[i] <= v->ts) { /* fixed since */
        u->broken[i] = 0;
        fixed[i] = 1;
      }
      /* a routine visit may find an item newly broken; a re-inspection checks the fixes */
      if (!u->broken[i] && !v->x && u01(&w->r) < fail_rate(w, v->ts, v->b ? 0.028 : 0.022)) {
        int64_t until = 0, again = fix_plan(w, v->ts, cl->days[i], &until);
        u->broken[i] = until;
        if (again && (rc = push(w, again, EV_CHECK, v->a, v->b, 1))) break;
      }
      int ok = !u->broken[i];
      failed[i] = !ok;
      json_object_set_new(a, "ok", json_boolean(ok));
      if (!ok) json_object_set_new(a, "note", json_string(fail_note(cl->item[i])));
    }
    json_array_append_new(answers, a);
  }
  if (rc) {
    json_decref(answers);
    return rc;
  }
  double jitter = (u01(&w->r) - 0.5) * 0.0004;
  json_t *body = json_pack("{s:s, s:s, s:s, s:o}", "checklist", cl->id, "entity", u->key,
                           "campaign", PLASTIC, "answers", answers);
  if (!isnan(u->lon) && !isnan(u->lat)) {
    json_object_set_new(body, "lon", json_real(u->lon + jitter));
    json_object_set_new(body, "lat", json_real(u->lat - jitter));
  }
  if (v->x) json_object_set_new(body, "note", json_string("复查 re-inspection"));
  json_t *out = NULL;
  rc = submit(w, &PICK(&w->r, market_inspectors), body, v->ts, &out);
  if (!rc) rc = photos_for(w, out, u, cl, failed, fixed, v->ts, &w->photos);
  json_decref(out);
  json_decref(body);
  return rc;
}

/* A routine campaign's visit (v->b the routine) of unit v->a with its
 * checklist, by an officer of the checklist's department, or its
 * re-inspection (v->x 1): items break now and then, as in the markets. */
static int routine_check(struct world *w, const struct ev *v) {
  struct routine *rt = &w->rt[v->b];
  struct unit *u = &rt->u.v[v->a];
  const struct checklist *cl = &w->cl[u->checklist];
  json_t *answers = json_array();
  int rc = 0, failed[MAX_ITEMS] = {0}, fixed[MAX_ITEMS] = {0};
  for (size_t i = 0; i < cl->nitems && !rc; i++) {
    if (u->broken[i] && u->broken[i] <= v->ts) {
      u->broken[i] = 0;
      fixed[i] = 1;
    }
    if (!u->broken[i] && !v->x && u01(&w->r) < fail_rate(w, v->ts, 0.03)) {
      int64_t until = 0, again = fix_plan(w, v->ts, cl->days[i], &until);
      u->broken[i] = until;
      if (again) rc = push(w, again, EV_RT_CHECK, v->a, v->b, 1);
    }
    failed[i] = u->broken[i] != 0;
    json_t *a = json_pack("{s:s, s:b}", "item", cl->item[i], "ok", !failed[i]);
    if (failed[i]) json_object_set_new(a, "note", json_string(fail_note(cl->item[i])));
    json_array_append_new(answers, a);
  }
  if (rc) {
    json_decref(answers);
    return rc;
  }
  json_t *body = json_pack("{s:s, s:s, s:s, s:o}", "checklist", cl->id, "entity", u->key,
                           "campaign", rt->id, "answers", answers);
  if (!isnan(u->lon) && !isnan(u->lat)) {
    json_object_set_new(body, "lon", json_real(u->lon));
    json_object_set_new(body, "lat", json_real(u->lat));
  }
  if (v->x) json_object_set_new(body, "note", json_string("复查 re-inspection"));
  const char *dept = sval(cl->def, "department");
  char name[96];
  snprintf(name, sizeof name, "%s_inspector%d", dept ? dept : "demo", 1 + below(&w->r, 3));
  struct ins_actor who = {name, dept ? dept : "", ROLE_OFFICER};
  json_t *out = NULL;
  rc = submit(w, &who, body, v->ts, &out);
  if (!rc) rc = photos_for(w, out, u, cl, failed, fixed, v->ts, &rt->photos);
  json_decref(out);
  json_decref(body);
  return rc;
}

static int accept(struct world *w, const struct ev *v) {
  char name[96];
  snprintf(name, sizeof name, "%s_duty", w->owners[v->a]);
  struct wf_actor who = {name, ROLE_OFFICER, w->owners[v->a], ACTOR_USER};
  pin(v->ts);
  int rc = workflow_act(w->wf, &who, v->x, "accept", NULL, 0, "已接收，组织整改", w->e);
  /* a re-inspection may have closed it first: nothing to accept */
  if (rc == ZZ_ECONFLICT) return 0;
  return rc ? step_failed(w, rc, "accepting an order") : 0;
}

/* ---- 政法队伍教育整顿: the units, their plans and visits ---- */

static const char *const seed_units[] = {"legal-banshan-court", "legal-shiqiao-police",
                                         "legal-mishixiang-police", "legal-hushu-traffic",
                                         "legal-sandao-law"};
static const char *const leaders[] = {"区委常委、政法委书记", "区委副书记", "区人大常委会副主任",
                                      "区政府副区长、公安分局局长", "区政协副主席"};
static const struct ins_actor zf_inspector = {"zfw_ducha", "politics_law", ROLE_OFFICER};

/* The department that owns a unit's rectification, by its type. */
static const char *zf_owner(const char *type) {
  if (strcmp(type, "court_tribunal") == 0) return "court";
  if (strcmp(type, "police_station") == 0) return "police";
  if (strcmp(type, "traffic_squad") == 0) return "traffic_police";
  if (strcmp(type, "law_firm") == 0) return "justice";
  return "politics_law";
}

static const char *zf_finding(struct rng *r, const char *type) {
  static const char *const common[] = {"学习笔记内容偏少，部分干警心得体会不够深入",
                                       "查纠整改台账分类不规范，问题清单未逐项明确责任人和时限",
                                       "个别干警对教育整顿“应知应会”内容掌握不熟"};
  static const char *const court[] = {"超审限案件清理台账未按月更新", "诉讼服务窗口公开承诺未上墙"};
  static const char *const police[] = {"涉案财物保管室登记信息不完整",
                                       "社区民警下沉走访记录缺少群众签字"};
  static const char *const traffic[] = {"执法记录仪视频未按规定及时上传",
                                        "简易程序处罚告知记录不全"};
  static const char *const law[] = {"律师收费标准未在接待场所公示",
                                    "执业风险防范制度未组织集中学习"};
  if (u01(r) < 0.45) return PICK(r, common);
  if (strcmp(type, "court_tribunal") == 0) return PICK(r, court);
  if (strcmp(type, "police_station") == 0) return PICK(r, police);
  if (strcmp(type, "traffic_squad") == 0) return PICK(r, traffic);
  return PICK(r, law);
}

static int zf_plan(struct world *w, const struct ev *v) {
  struct unit *u = &w->zf.v[v->a];
  char day[32];
  zz_time_format(v->x, day);
  day[10] = '\0';
  const char *leader = v->b == 1 ? "区委政法委督查组（回头看）" : PICK(&w->r, leaders);
  for (size_t i = 0; v->b != 1 && i < ZZ_ARRAY_LEN(seed_units); i++)
    if (strcmp(seed_units[i], u->key) == 0) leader = leaders[i];
  json_t *body =
      json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "campaign", ZFDW, "checklist",
                w->cl[u->checklist].id, "entity", u->key, "day", day, "leader", leader, "note",
                v->b == 1   ? "整改落实情况回头看"
                : v->b == 2 ? "教育整顿督导检查（因防汛工作顺延）"
                            : "教育整顿督导检查");
  int64_t id = 0;
  pin(v->ts);
  int rc = plan_create(&w->in, &zf_inspector, body, &id, w->e);
  json_decref(body);
  if (rc) return step_failed(w, rc, "a visit plan");
  w->made.plans++;
  /* the visit, on the plan's day (b 2: a plan put off, never made) */
  return v->b != 2 ? push(w, v->x, EV_ZF_VISIT, v->a, v->b, id) : 0;
}

static int zf_visit(struct world *w, const struct ev *v) {
  struct unit *u = &w->zf.v[v->a];
  const struct checklist *cl = &w->cl[u->checklist];
  json_t *answers = json_array(), *findings = json_array(), *closes = json_array();
  for (size_t i = 0; i < cl->nitems; i++) {
    int ok;
    if (!v->b) { /* the first visit: questions, talks, ledgers, notes */
      ok = u01(&w->r) >= 0.14;
      u->broken[i] = ok ? 0 : u01(&w->r) < 0.85 ? 1 : NEVER;
    } else { /* the follow-up: fixed unless it was left */
      ok = u->broken[i] != NEVER;
    }
    json_t *a = json_pack("{s:s, s:b}", "item", cl->item[i], "ok", ok);
    if (!ok)
      json_object_set_new(a, "note", json_string(v->b ? "仍未整改到位" : "现场检查发现不足"));
    json_array_append_new(answers, a);
  }
  if (!v->b) {
    int n = 1 + below(&w->r, 3);
    for (int i = 0; i < n; i++)
      json_array_append_new(
          findings, json_pack("{s:s, s:s, s:i}", "text", zf_finding(&w->r, u->type), "owner",
                              zf_owner(u->type), "days", u01(&w->r) < 0.5 ? 14 : 30));
  } else {
    /* the findings the unit fixed are struck off by name */
    for (int i = 0; i < u->nopen; i++)
      if (u01(&w->r) < 0.85) json_array_append_new(closes, json_integer(u->open_ids[i]));
  }
  json_t *body = json_pack("{s:s, s:s, s:s, s:I, s:o, s:o, s:o, s:s}", "checklist", cl->id,
                           "entity", u->key, "campaign", ZFDW, "plan", (json_int_t)v->x, "answers",
                           answers, "findings", findings, "closes", closes, "note",
                           v->b ? "回头看：核查整改落实情况"
                                : "区领导带队督导：现场提问、谈话交流、检查工作台账、翻阅学习笔记");
  if (!isnan(u->lon) && !isnan(u->lat)) {
    json_object_set_new(body, "lon", json_real(u->lon));
    json_object_set_new(body, "lat", json_real(u->lat));
  }
  json_t *out = NULL;
  int rc = submit(w, &zf_inspector, body, v->ts, &out);
  json_decref(body);
  if (!rc && !v->b) { /* the findings to strike off at the follow-up */
    const json_t *items = json_object_get(out, "rectify");
    u->nopen = 0;
    for (size_t i = 0; i < json_array_size(items) && u->nopen < MAX_ITEMS; i++) {
      const json_t *it = json_array_get(items, i);
      const char *item = sval(it, "item");
      if (item && strncmp(item, "finding-", 8) == 0)
        u->open_ids[u->nopen++] = json_integer_value(json_object_get(it, "id"));
    }
  }
  json_decref(out);
  return rc;
}

/* ---- planning ---- */

/* The 限塑 campaign's signatures, activities and visits. */
static int plan_plastic(struct world *w) {
  int rc = 0;
  const int64_t s = w->start;
  /* the markets sign their responsibility pledge in the first weeks */
  for (size_t i = 0; i < w->markets.n && !rc; i++)
    rc = push(w, work_time(w, s, 4 + below(&w->r, 20)), EV_MARKET_PLEDGE, (int)i, 0, 0);
  /* the stall-holders' commitments, January to mid-May 2021, most early */
  size_t n = w->stalls.n, want = (size_t)STALL_PLEDGES * (size_t)w->scale;
  if (want > n) want = n;
  int *order = zz_calloc(n ? n : 1, sizeof *order);
  if (!order) return zz_fail(w->e, ZZ_ENOMEM, NULL, "out of memory");
  for (size_t i = 0; i < n; i++) order[i] = (int)i;
  for (size_t i = n; i > 1; i--) { /* Fisher-Yates: who signs */
    size_t k = (size_t)below(&w->r, (int)i);
    int t = order[i - 1];
    order[i - 1] = order[k];
    order[k] = t;
  }
  int64_t from = zz_time_from_civil(2021, 1, 11, 0, 0, 0);
  int64_t span = zz_time_from_civil(2021, 5, 20, 0, 0, 0) - from;
  for (size_t i = 0; i < want && !rc; i++) {
    struct unit *st = &w->stalls.v[order[i]];
    double x = pow(u01(&w->r), 1.6);
    int64_t t = work_time(w, from + (int64_t)(x * (double)span), 0);
    st->signed_at = t;
    rc = push(w, t, EV_STALL_PLEDGE, order[i], u01(&w->r) < 0.56, 0);
  }
  zz_free(order);
  /* activities: each market's initiative, its promotions, the district's meetings */
  for (size_t i = 0; i < w->markets.n && !rc; i++) {
    int members = 0;
    for (size_t k = 0; k < w->stalls.n; k++) members += w->stalls.v[k].parent == (int)i;
    rc = push(w, work_time(w, s, 5 + below(&w->r, 22)), EV_ACTIVITY, 0, (int)i,
              20 + members * (60 + below(&w->r, 30)) / 100);
    for (int64_t t = s + (50 + below(&w->r, 60)) * DAY_MS; t < w->now && !rc;
         t += (70 + below(&w->r, 90)) * DAY_MS / w->scale)
      rc = push(w, work_time(w, t, 0), EV_ACTIVITY, 1, (int)i, 40 + below(&w->r, 220));
  }
  if (!rc) rc = push(w, day_at(s + 7 * DAY_MS, 14, 30), EV_ACTIVITY, 2, -2, 60);
  for (int64_t t = zz_time_add_months(s, 3); t < w->now && !rc; t = zz_time_add_months(t, 3))
    for (int k = 0; k < w->scale && !rc; k++)
      rc =
          push(w, work_time(w, t, 5 + below(&w->r, 20)), EV_ACTIVITY, 2, -1, 25 + below(&w->r, 25));
  /* a visit to each market every month, and stall spot checks */
  for (int k = 0; !rc; k++) {
    int64_t month = zz_time_add_months(s, k);
    if (month >= w->now) break;
    for (size_t i = 0; i < w->markets.n && !rc; i++)
      for (int v = 0; v < w->scale && !rc; v++) { /* (the bench's scale: more visits) */
        int64_t t = work_time(w, month, (k == 0 ? 14 : 2) + below(&w->r, k == 0 ? 12 : 22));
        rc = push(w, t, EV_CHECK, (int)i, 0, 0);
      }
    int checks = (int)(w->markets.n * 3 * (size_t)w->scale);
    if (zz_time_add_months(month, 1) >= w->now) /* the special week: more checks */
      for (int c = 0; c < checks && !rc && w->stalls.n; c++)
        rc = push(w, work_time(w, w->now - 6 * DAY_MS, below(&w->r, 6)), EV_CHECK,
                  below(&w->r, (int)w->stalls.n), 1, 0);
    for (int c = 0; c < checks && !rc && w->stalls.n; c++) {
      int at = below(&w->r, (int)w->stalls.n);
      rc = push(w, work_time(w, month, (k == 0 ? 14 : 2) + below(&w->r, k == 0 ? 14 : 24)),
                EV_CHECK, at, 1, 0);
    }
  }
  return rc;
}

/* The 政法 units' plans and visits: the seed's five on 21 May 2021, the
 * others over the campaign, and a follow-up for most. */
static int plan_zfdw(struct world *w) {
  int rc = 0;
  int64_t seed_day = zz_time_from_civil(2021, 5, 21, 0, 0, 0);
  int64_t begin = zz_time_from_civil(2021, 3, 22, 0, 0, 0);
  int64_t end = zz_time_from_civil(2021, 7, 31, 0, 0, 0);
  int others = 0;
  for (size_t i = 0; i < w->zf.n && !rc; i++) {
    struct unit *u = &w->zf.v[i];
    int seed = -1;
    for (size_t k = 0; k < ZZ_ARRAY_LEN(seed_units); k++)
      if (strcmp(seed_units[k], u->key) == 0) seed = (int)k;
    int64_t visit;
    if (seed >= 0) {
      static const int at[][2] = {{9, 0}, {10, 30}, {14, 0}, {15, 20}, {16, 40}};
      visit = day_at(seed_day, at[seed][0], at[seed][1]);
    } else {
      int last = ++others == 7; /* planned for the campaign's last days, then put off */
      visit = last ? day_at(end - 2 * DAY_MS, 9, 30)
                   : work_time(w, begin + below(&w->r, 100) * DAY_MS, 0);
    }
    int64_t planned = work_time(w, visit, -(5 + below(&w->r, 5)));
    if (visit > w->now - DAY_MS || planned > w->now) continue;
    rc = push(w, planned, EV_ZF_PLAN, (int)i, others == 7 && seed < 0 ? 2 : 0, visit);
    if (others == 7 && seed < 0) continue;
    /* the follow-up, three to six weeks later, within the campaign */
    int64_t again = work_time(w, visit, 21 + below(&w->r, 21));
    if (!rc && u01(&w->r) < 0.75 && again < end && again < w->now - DAY_MS)
      rc = push(w, work_time(w, again, -3), EV_ZF_PLAN, (int)i, 1, again);
  }
  return rc;
}

/* A routine campaign's visits: every month, each unit of the types it
 * visits every month (the construction sites), and a sample of the others
 * (the enterprises), each from the day it came to be; and in the last
 * week, a special check of as many more (专项检查周), which finds more. */
static int plan_routine(struct world *w, int k) {
  struct routine *rt = &w->rt[k];
  int rc = 0;
  int64_t start = w->start;
  const char *s = sval(rt->def, "start");
  int y, m, d;
  if (s && sscanf(s, "%d-%d-%d", &y, &m, &d) == 3) start = zz_time_from_civil(y, m, d, 0, 0, 0);
  /* a campaign that ended is visited until its last day */
  int64_t until = w->now;
  if ((s = sval(rt->def, "end")) && sscanf(s, "%d-%d-%d", &y, &m, &d) == 3 &&
      zz_time_from_civil(y, m, d, 0, 0, 0) + DAY_MS < until)
    until = zz_time_from_civil(y, m, d, 0, 0, 0) + DAY_MS;
  for (int n = 0; !rc; n++) {
    int64_t month = zz_time_add_months(start, n), next = zz_time_add_months(start, n + 1);
    if (month >= until) break;
    for (size_t i = 0; i < rt->u.n && !rc; i++) {
      const struct unit *u = &rt->u.v[i];
      if (!has_str(rt->every, u->type) || u->since >= next) continue;
      int64_t t = work_time(w, u->since > month ? u->since : month, 2 + below(&w->r, 20));
      if (t < until) rc = push(w, t, EV_RT_CHECK, (int)i, k, 0);
    }
    for (int c = 0; c < rt->sample * w->scale && !rc && rt->u.n; c++) {
      int i = below(&w->r, (int)rt->u.n);
      const struct unit *u = &rt->u.v[i];
      if (has_str(rt->every, u->type) || u->since >= next) continue; /* not there yet */
      int64_t t = work_time(w, u->since > month ? u->since : month, 2 + below(&w->r, 24));
      if (t < until) rc = push(w, t, EV_RT_CHECK, i, k, 0);
    }
  }
  for (int c = 0; c < rt->sample * w->scale && !rc && rt->u.n; c++) {
    int i = below(&w->r, (int)rt->u.n);
    if (rt->u.v[i].since < w->now - 7 * DAY_MS && until == w->now)
      rc = push(w, work_time(w, w->now - 6 * DAY_MS, below(&w->r, 6)), EV_RT_CHECK, i, k, 0);
  }
  return rc;
}

static int run_event(struct world *w, const struct ev *v) {
  switch (v->kind) {
  case EV_MARKET_PLEDGE:
    return market_pledge(w, v);
  case EV_STALL_PLEDGE:
    return stall_pledge(w, v);
  case EV_ACTIVITY:
    return activity(w, v);
  case EV_CHECK:
    return check(w, v);
  case EV_ACCEPT:
    return accept(w, v);
  case EV_ZF_PLAN:
    return zf_plan(w, v);
  case EV_ZF_VISIT:
    return zf_visit(w, v);
  case EV_RT_CHECK:
    return routine_check(w, v);
  }
  return 0;
}

/* The engines' timers for the simulated day at t: SLA, then overdue items. */
static void timers(struct world *w, int64_t t) {
  pin(t);
  workflow_tick(w->wf, t);
  inspections_sweep(&w->in, t);
}

static int any_cb(void *ud, const struct store_inspection *i) {
  (void)i;
  *(int *)ud = 1;
  return 1;
}

/* *any 1 when campaign PLASTIC has a signature already. */
static int signed_any(struct world *w, int *any) {
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  struct cp_view v = {0, 0, 1};
  int rc =
      campaign_pledges_json(&w->cs, PLASTIC, &v, &(struct cp_pledge_query){.limit = 1}, &j, w->e);
  if (!rc && zz_json_finish(&j)) rc = zz_fail(w->e, ZZ_ENOMEM, NULL, "out of memory");
  json_t *page = rc ? NULL : json_loads(b.data, 0, NULL);
  *any = json_array_size(json_object_get(page, "pledges")) > 0;
  json_decref(page);
  zz_buf_free(&b);
  return rc;
}

static void world_free(struct world *w) {
  for (size_t i = 0; i < w->ncl; i++) json_decref(w->cl[i].def);
  for (size_t i = 0; i < w->nowners; i++) zz_free(w->owners[i]);
  zz_free(w->markets.v);
  zz_free(w->stalls.v);
  zz_free(w->zf.v);
  for (size_t i = 0; i < w->nrt; i++) {
    zz_free(w->rt[i].u.v);
    json_decref(w->rt[i].def);
  }
  zz_free(w->q.v);
  json_decref(w->plastic);
  json_decref(w->zfdw);
}

static int doc_cb(void *ud, const char *json) {
  *(json_t **)ud = json_loads(json, 0, NULL);
  return 0;
}

/* The routine campaigns: those of the pack's campaigns (but 限塑 and 政法,
 * told apart) with a "demo" member {"region"?, "every_month"?: [types],
 * "sample_per_month"?: N, "since_attr"?: {type: attr}}; each unit once per
 * checklist of the campaign that inspects its type. A demo member that
 * names no known region leaves its campaign out, with a warning. */
static int routines_load(struct world *w) {
  json_t *doc = NULL;
  if (store_doc_get(w->st, "campaigns", doc_cb, &doc)) return 0; /* no campaigns.json */
  const json_t *list = json_object_get(doc, "campaigns");
  int rc = 0;
  for (size_t i = 0; i < json_array_size(list) && w->nrt < MAX_ROUTINES && !rc; i++) {
    json_t *c = json_array_get(list, i);
    const json_t *demo = json_object_get(c, "demo");
    const char *id = sval(c, "id");
    if (!json_is_object(demo) || !id || strcmp(id, PLASTIC) == 0 || strcmp(id, ZFDW) == 0) continue;
    int64_t lo = 0, hi = 0;
    const char *path = sval(demo, "region");
    if (path) {
      registry_rdlock(w->cs.reg);
      const struct reg_region *r = registry_region(w->cs.reg, path);
      if (r) {
        lo = r->lo;
        hi = r->hi;
      }
      registry_unlock(w->cs.reg);
      if (!r) {
        zz_warn("demo: campaigns: %s: demo.region \"%s\" does not exist; no history", id, path);
        continue;
      }
    }
    struct units all = {0};
    rc = load_units_in(w, json_object_get(json_object_get(c, "participants"), "entity_types"), NULL,
                       lo, hi, json_object_get(demo, "since_attr"), &all);
    struct routine *rt = &w->rt[w->nrt];
    memset(rt, 0, sizeof *rt);
    const json_t *ids = json_object_get(c, "checklists");
    for (size_t n = 0; n < all.n && !rc; n++)
      for (size_t k = 0; k < json_array_size(ids) && !rc; k++) {
        const char *cid = json_string_value(json_array_get(ids, k));
        int at = cid ? checklist_load(w, cid) : -1;
        if (at < 0 || !has_str(json_object_get(w->cl[at].def, "entity_types"), all.v[n].type))
          continue;
        if (zz_grow(&rt->u.v, &rt->u.cap, rt->u.n, sizeof *rt->u.v, 256)) {
          rc = zz_fail(w->e, ZZ_ENOMEM, NULL, "out of memory");
          break;
        }
        rt->u.v[rt->u.n] = all.v[n];
        rt->u.v[rt->u.n++].checklist = at;
      }
    zz_free(all.v);
    if (rc || !rt->u.n) {
      zz_free(rt->u.v);
      continue;
    }
    const json_t *sample = json_object_get(demo, "sample_per_month");
    rt->sample = json_is_integer(sample) && json_integer_value(sample) >= 0 &&
                         json_integer_value(sample) <= 10000
                     ? (int)json_integer_value(sample)
                     : 10;
    rt->def = json_incref(c);
    rt->id = id;
    rt->every = json_object_get(demo, "every_month");
    w->nrt++;
  }
  json_decref(doc);
  return rc;
}

/* Loads the campaigns' units and checklists; 0 with nothing to do when
 * the pack has none of them. */
static int world_load(struct world *w) {
  struct zz_err ignored;
  int rc = 0;
  if (campaign_def(w->st, PLASTIC, &w->plastic, &ignored)) w->plastic = NULL;
  if (campaign_def(w->st, ZFDW, &w->zfdw, &ignored)) w->zfdw = NULL;
  if (w->plastic) {
    const json_t *members = json_object_get(w->plastic, "members");
    const json_t *pledges = json_object_get(w->plastic, "pledges");
    for (size_t i = 0; i < json_array_size(pledges); i++) {
      const json_t *p = json_array_get(pledges, i);
      const char *signer = sval(p, "signer");
      if (signer && strcmp(signer, "member") == 0)
        w->member_pledge = sval(p, "id");
      else
        w->participant_pledge = sval(p, "id");
    }
    const char *parent = sval(members, "parent_attr");
    if ((rc = load_units(
             w, json_object_get(json_object_get(w->plastic, "participants"), "entity_types"), NULL,
             &w->markets)) ||
        (rc = load_units(w, json_object_get(members, "entity_types"), parent, &w->stalls)))
      return rc;
    for (size_t i = 0; i < w->markets.n; i++)
      w->markets.v[i].checklist = checklist_for(w, w->plastic, w->markets.v[i].type);
    for (size_t i = 0; i < w->stalls.n; i++) {
      struct unit *s = &w->stalls.v[i];
      s->checklist = checklist_for(w, w->plastic, s->type);
      for (size_t k = 0; k < w->markets.n && s->parent < 0; k++)
        if (strcmp(w->markets.v[k].key, s->parent_key) == 0) s->parent = (int)k;
    }
    /* without its checklists or pledges the campaign is not the demo's */
    if (!w->markets.n || !w->member_pledge || !w->participant_pledge ||
        w->markets.v[0].checklist < 0 || (w->stalls.n && w->stalls.v[0].checklist < 0)) {
      json_decref(w->plastic);
      w->plastic = NULL;
    }
  }
  if (w->zfdw) {
    if ((rc = load_units(w,
                         json_object_get(json_object_get(w->zfdw, "participants"), "entity_types"),
                         NULL, &w->zf)))
      return rc;
    size_t k = 0; /* the units without a checklist are not visited */
    for (size_t i = 0; i < w->zf.n; i++) {
      w->zf.v[i].checklist = checklist_for(w, w->zfdw, w->zf.v[i].type);
      if (w->zf.v[i].checklist >= 0) w->zf.v[k++] = w->zf.v[i];
    }
    w->zf.n = k;
  }
  return routines_load(w);
}

int demo_campaigns_generate(struct store *st, struct registry *reg, const char *data_dir,
                            uint64_t seed, int64_t now, int scale, struct demo_campaigns_made *made,
                            struct zz_err *e) {
  memset(made, 0, sizeof *made);
  int any = 0;
  if (store_inspections_each(st, &(struct store_ins_filter){.limit = 1}, any_cb, &any) || any)
    return 0;
  struct world w = {.st = st,
                    .cs = {st, reg},
                    .in = {.st = st, .reg = reg, .data_dir = data_dir},
                    .r = {demo_mix(seed ^ 0x63616d70ULL)}, /* "camp" */
                    .now = now,
                    .start = zz_time_from_civil(2021, 1, 1, 0, 0, 0),
                    .scale = scale > 0 ? scale : 1,
                    .e = e};
  int rc = world_load(&w), in_txn = 0, level = -1;
  if (rc || (!w.plastic && !w.zfdw && !w.nrt)) goto done;
  /* any signature already there (a world written by hand) is kept as it is */
  if (w.plastic && (rc = signed_any(&w, &any))) goto done;
  if (any) goto done;
  struct workflow_opts wo = {.st = st, .reg = reg, .data_dir = data_dir, .no_thread = 1};
  if ((rc = workflow_open(&wo, &w.wf, e))) goto done;
  w.in.wf = w.wf;
  if ((rc = store_txn(st, STORE_TXN_BEGIN, e))) goto done;
  in_txn = 1;
  /* the history's thousands of order changes are not news: warnings only */
  level = log_enabled(ZZ_LOG_DEBUG) ? ZZ_LOG_DEBUG : log_enabled(ZZ_LOG_INFO) ? ZZ_LOG_INFO : -1;
  if (level >= 0) zz_log_set_level(ZZ_LOG_WARN);
  /* the stall-holders' enterprise codes, through which most of them sign */
  if (w.plastic && w.stalls.n) {
    char root[256] = "";
    registry_rdlock(reg);
    for (int i = 0; i < registry_region_count(reg) && !root[0]; i++)
      if (registry_region_at(reg, i)->parent < 0)
        zz_strlcpy(root, registry_region_at(reg, i)->path, sizeof root);
    registry_unlock(reg);
    struct code_gen_req req = {
        .kind = "enterprise", .entity_type = w.stalls.v[0].type, .region_path = root};
    struct code_gen_summary sum;
    do {
      if ((rc = code_generate(st, reg, &req, &sum, e))) goto done;
      req.after = sum.next;
    } while (sum.next);
  }
  if (w.plastic && (rc = plan_plastic(&w))) goto done;
  if (w.zfdw && (rc = plan_zfdw(&w))) goto done;
  for (size_t k = 0; k < w.nrt && !rc; k++) rc = plan_routine(&w, (int)k);
  if (rc) goto done;
  /* the history, a day of timers at a time */
  int64_t tick = demo_day_start(demo_day_of(w.start) + 1) + 30 * ZZ_MINUTE_MS;
  while (w.q.n && !rc) {
    struct ev v = heap_pop(&w.q);
    for (; tick <= v.ts; tick += DAY_MS) timers(&w, tick);
    rc = run_event(&w, &v);
  }
  if (rc) goto done;
  timers(&w, now);
  rc = store_txn(st, STORE_TXN_COMMIT, e);
  in_txn = 0;
  if (!rc) *made = w.made;
done:
  if (in_txn) {
    struct zz_err ignored;
    store_txn(st, STORE_TXN_ROLLBACK, &ignored);
  }
  zz_time_set_now(0);
  if (level >= 0) zz_log_set_level((enum zz_log_level)level);
  if (w.wf) workflow_close(w.wf);
  world_free(&w);
  return rc;
}
