/* cases_demo.c - the demo's 心花绽放 files (cases_demo.h). Each mother is
 * drawn from the seed: street, intention, skills and constraints; then her
 * year and a half of contacts, services, sessions and outcome is walked day
 * by day from her intake. The first file is the seed's story: a mother of
 * Xiaohe street who, after a salon and start-up training, opened a
 * cross-border e-commerce shop with a start-up subsidy and a guaranteed
 * loan, and employed two other mothers of her community. Every figure the
 * statistics show is counted from these rows, never typed. */
#include "demo/cases_demo.h"

#include <stdio.h>
#include <string.h>

#include "cases/cases.h"
#include "core/ztime.h"
#include "demo/demo_int.h"
#include "model/registry.h"
#include "store/store.h"
#include "store/store_cases.h"

#define DAY_MS (24LL * 3600 * 1000)
#define DEMO_CASES_DEFAULT 216

struct rng {
  uint64_t s;
};
static uint64_t next(struct rng *r) {
  r->s += 0x9e3779b97f4a7c15ULL;
  return demo_mix(r->s);
}
static double u01(struct rng *r) {
  return demo_u01(next(r));
}
static int below(struct rng *r, int n) {
  return (int)(u01(r) * n);
}
#define PICK(r, arr) (arr)[below((r), (int)ZZ_ARRAY_LEN(arr))]

static const char *const surnames[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周",
                                       "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "高",
                                       "沈", "蒋", "韩", "楼", "俞", "钱", "方", "金", "邵", "潘"};
static const char *const given[] = {"丽娟", "晓燕", "静",   "婷婷", "雅琴", "慧",   "敏",   "佳怡",
                                    "秀英", "海燕", "丹",   "颖",   "倩",   "红梅", "莉",   "芳",
                                    "燕萍", "玲",   "晓敏", "思雨", "梦婷", "雪",   "文静", "春燕",
                                    "美玲", "露",   "琳",   "洁",   "媛媛", "欣怡"};
static const char *const skills[] = {"电商运营", "会计",   "平面设计", "烘焙",     "育婴",
                                     "外贸",     "文案",   "摄影",     "手工编织", "英语",
                                     "行政管理", "短视频", "营养配餐", "插花",     "教培"};
static const char *const hours[] = {"9:00-15:00", "工作日上午", "孩子午睡时段",
                                    "每天4小时",  "周末",       "全天（老人帮带）"};
static const char *const childcare[] = {"孩子上幼儿园，下午三点半接", "二孩在家，需兼顾照护",
                                        "老人可帮忙带孩子", "孩子上小学，需接送", "孩子未满一岁"};
static const char *const communities[] = {"东新园", "和睦新村", "大关西苑", "小河",   "半山",
                                          "祥符",   "康桥",     "上塘",     "拱宸桥", "湖墅"};

/* One file being written: the case's id and the entries in time order. */
struct walk {
  struct store *st;
  int64_t id, now;
  const char *worker;
  struct zz_err *e;
  int rc;
};

static void add(struct walk *w, int64_t ts, const char *klass, const char *kind, const char *note,
                int64_t jobs, int64_t next_follow) {
  if (w->rc || ts > w->now) return;
  struct store_case_entry en = {.case_id = w->id,
                                .ts = ts,
                                .klass = klass,
                                .kind = kind,
                                .note = note,
                                .actor = w->worker,
                                .jobs = jobs,
                                .next_follow = next_follow};
  w->rc = store_case_entry_insert(w->st, &en, NULL, w->e);
}

/* Services the first weeks bring, by intention. */
static void first_services(struct walk *w, struct rng *r, const char *intention, int64_t t) {
  if (u01(r) < 0.7) add(w, t + (2 + below(r, 10)) * DAY_MS, "service", "counselling", NULL, 0, 0);
  add(w, t + (7 + below(r, 14)) * DAY_MS, "service", "career_guidance", NULL, 0, 0);
  if (strcmp(intention, "startup") == 0) {
    add(w, t + (20 + below(r, 30)) * DAY_MS, "service", "policy_subsidy", NULL, 0, 0);
    add(w, t + (25 + below(r, 40)) * DAY_MS, "service", "policy_loan", NULL, 0, 0);
  }
  if (u01(r) < 0.6)
    add(w, t + (30 + below(r, 60)) * DAY_MS, "service", "skills_training", NULL, 0, 0);
}

/* Months of sessions, shows and salons from t to end. */
static void activities(struct walk *w, struct rng *r, int64_t t, int64_t end) {
  for (int64_t m = zz_time_add_months(t, 1); m < end; m = zz_time_add_months(m, 1)) {
    if (u01(r) < 0.3) add(w, m + below(r, 25) * DAY_MS, "activity", "growth_month", NULL, 0, 0);
    if (u01(r) < 0.08) add(w, m + below(r, 25) * DAY_MS, "activity", "livestream", NULL, 0, 0);
    if (u01(r) < 0.06) add(w, m + below(r, 25) * DAY_MS, "activity", "salon", NULL, 0, 0);
    if (u01(r) < 0.02)
      add(w, m + below(r, 25) * DAY_MS, "service", "experience_sharing", NULL, 0, 0);
  }
}

/* Contacts every 10 to 28 days from t until end (a quiet file stops
 * early), each setting the next follow-up. */
static int64_t contacts(struct walk *w, struct rng *r, int64_t t, int64_t end) {
  static const char *const how[] = {"phone", "phone", "wechat", "visit"};
  int64_t last = t;
  for (int64_t c = t + (10 + below(r, 18)) * DAY_MS; c < end; c += (10 + below(r, 18)) * DAY_MS) {
    add(w, c, "contact", PICK(r, how), NULL, 0, c + (14 + below(r, 16)) * DAY_MS);
    last = c;
  }
  return last;
}

/* What the demo knows of a mother when her file is opened. */
struct person {
  const char *name, *phone, *street, *community, *intention, *status;
  const char *address, *id_number, *hours, *childcare;
  const char *skills[2];
  int64_t created;
};

/* Opens p's file as a caseworker does (case_create: the programme's kinds
 * and the same checks as POST /api/v1/cases), at its past intake time. */
static int open_file(struct cases *cs, const char *prog, const struct person *p, int64_t *id,
                     struct zz_err *e) {
  char created[32];
  const struct case_actor worker = {.name = "hr_worker", .department = "", .role = 0};
  json_t *sk = json_array();
  for (size_t i = 0; i < ZZ_ARRAY_LEN(p->skills); i++)
    if (p->skills[i]) json_array_append_new(sk, json_string(p->skills[i]));
  json_t *body =
      json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s, s:s, s:s, s:s?, s:s?, s:o, s:s?, s:s?}", "program",
                prog, "caseworker", worker.name, "name", p->name, "phone", p->phone, "community",
                p->community, "street", p->street, "intention", p->intention, "created",
                zz_time_format(p->created, created), "address", p->address, "id_number",
                p->id_number, "skills", sk, "hours", p->hours, "childcare", p->childcare);
  if (body && p->status) json_object_set_new(body, "status", json_string(p->status));
  int rc =
      body ? case_create(cs, &worker, body, id, e) : zz_fail(e, ZZ_ENOMEM, NULL, "out of memory");
  json_decref(body);
  return rc;
}

static int one_case(struct cases *cs, const char *prog, const char *street, struct rng *r,
                    int64_t start, int64_t now, struct zz_err *e) {
  char name[32], phone[16], address[80], idn[48], community[40];
  const char *intention = u01(r) < 0.55 ? "job" : u01(r) < 0.55 ? "startup" : "undecided";
  snprintf(name, sizeof name, "%s%s", PICK(r, surnames), PICK(r, given));
  static const char *const pre[] = {"138", "139", "137", "135", "158", "159", "188", "189", "150"};
  snprintf(phone, sizeof phone, "%s%08d", PICK(r, pre), below(r, 100000000));
  /* drawn in the order the demo has always drawn them: the same seed
   * gives the same mothers */
  const char *where = PICK(r, communities);
  int bldg = 1 + below(r, 30), unit = 1 + below(r, 4), mon = 1 + below(r, 12);
  int dom = 1 + below(r, 28), serial = below(r, 10000);
  snprintf(address, sizeof address, "%s社区%d幢%d单元", where, bldg, unit);
  snprintf(idn, sizeof idn, "3301051988%02d%02d%04d", mon, dom, serial);
  struct person p = {.name = name,
                     .phone = phone,
                     .street = street,
                     .intention = intention,
                     .address = address,
                     .id_number = idn};
  p.skills[0] = PICK(r, skills);
  p.skills[1] = PICK(r, skills);
  p.hours = PICK(r, hours);
  p.childcare = PICK(r, childcare);
  snprintf(community, sizeof community, "%s社区", PICK(r, communities));
  p.community = community;
  /* intake: the programme's first months brought most files */
  double x = u01(r);
  int64_t created = start + (int64_t)(x * x * (double)(now - 40 * DAY_MS - start));
  created = created - (created + 8 * 3600 * 1000LL) % DAY_MS + (9 + below(r, 8)) * 3600 * 1000LL;
  p.created = created;
  /* the outcome, if any, and when */
  const char *outcome = NULL;
  int64_t when = 0, jobs = 0;
  double o = u01(r);
  if (strcmp(intention, "job") == 0 && o < 0.68)
    outcome = o < 0.52 ? "employed" : "flexible";
  else if (strcmp(intention, "startup") == 0 && o < 0.5)
    outcome = "business", jobs = u01(r) < 0.3 ? 1 + below(r, 2) : 0;
  else if (strcmp(intention, "undecided") == 0 && o < 0.3)
    outcome = "flexible";
  if (outcome) when = created + (60 + below(r, 300)) * DAY_MS;
  if (when > now - 5 * DAY_MS) outcome = NULL;
  /* settled for half a year after the outcome: the file is closed */
  p.status = outcome && when + 180 * DAY_MS < now ? "closed" : "open";
  struct walk w = {cs->st, 0, now, "hr_worker", e, 0};
  if ((w.rc = open_file(cs, prog, &p, &w.id, e))) return w.rc;
  first_services(&w, r, intention, created);
  int64_t end = outcome ? when + 180 * DAY_MS : now;
  /* one open file in twenty goes quiet: its follow-up becomes a task */
  if (!outcome && u01(r) < 0.05) end = now - (35 + below(r, 30)) * DAY_MS;
  activities(&w, r, created, end < now ? end : now);
  contacts(&w, r, created, end < now ? end : now);
  if (outcome) add(&w, when, "outcome", outcome, NULL, jobs, 0);
  return w.rc;
}

/* The seed's story (file 1) and the two mothers her shop employed. */
static int story(struct cases *cs, const char *prog, int64_t now, struct zz_err *e) {
  struct person ma = {.name = "马丽霞",
                      .phone = "13805710101",
                      .street = "gongshu/xiaohe",
                      .community = "小河社区",
                      .intention = "startup",
                      .status = "open",
                      .address = "小河社区",
                      .skills = {"电商运营", "外贸"},
                      .hours = "9:00-17:00",
                      .childcare = "女儿上幼儿园",
                      .created = zz_time_from_civil(2019, 11, 12, 10, 0, 0)};
  struct walk w = {cs->st, 0, now, "hr_worker", e, 0};
  if ((w.rc = open_file(cs, prog, &ma, &w.id, e))) return w.rc;
  int64_t ma_id = w.id;
  add(&w, zz_time_from_civil(2019, 12, 7, 14, 0, 0), "activity", "salon", "全职妈妈公益沙龙", 0, 0);
  add(&w, zz_time_from_civil(2019, 12, 20, 10, 0, 0), "service", "counselling", NULL, 0, 0);
  add(&w, zz_time_from_civil(2020, 1, 9, 9, 0, 0), "service", "skills_training", "创业培训（电商）",
      0, 0);
  add(&w, zz_time_from_civil(2020, 3, 16, 15, 0, 0), "service", "policy_subsidy",
      "推介就业困难人员创业社保补贴", 0, 0);
  add(&w, zz_time_from_civil(2020, 4, 2, 15, 0, 0), "service", "policy_loan", "创业担保贷款", 0, 0);
  add(&w, zz_time_from_civil(2020, 5, 18, 10, 0, 0), "outcome", "business",
      "母婴用品跨境电商网店开业，带动社区两位全职妈妈就业", 2, 0);
  add(&w, zz_time_from_civil(2020, 10, 24, 14, 0, 0), "service", "experience_sharing",
      "在“成长互助月”分享会上讲创业经历", 0, 0);
  int64_t last = zz_time_from_civil(2020, 10, 24, 14, 0, 0);
  for (int64_t c = last + 30 * DAY_MS; c < now - 3 * DAY_MS; c += 30 * DAY_MS)
    add(&w, c, "contact", "phone", NULL, 0, c + 30 * DAY_MS);
  static const char *const two[][2] = {{"徐春燕", "13905710202"}, {"楼佳怡", "13705710303"}};
  for (int i = 0; i < 2 && !w.rc; i++) {
    char note[96];
    snprintf(note, sizeof note, "在个案 #%lld 创办的跨境电商网店就业", (long long)ma_id);
    struct person c = {.name = two[i][0],
                       .phone = two[i][1],
                       .street = ma.street,
                       .community = ma.community,
                       .intention = "job",
                       .status = "open",
                       .address = ma.address,
                       .skills = {"打包发货", "客服"},
                       .hours = "9:00-15:00",
                       .created = zz_time_from_civil(2020, 2, 10 + 7 * i, 10, 0, 0)};
    if ((w.rc = open_file(cs, prog, &c, &w.id, e))) break;
    add(&w, c.created + 9 * DAY_MS, "service", "career_guidance", NULL, 0, 0);
    add(&w, zz_time_from_civil(2020, 6, 1 + 14 * i, 10, 0, 0), "outcome", "employed", note, 0, 0);
    for (int64_t t = zz_time_from_civil(2020, 7, 1, 10, 0, 0); t < now - 3 * DAY_MS;
         t += 45 * DAY_MS)
      add(&w, t, "contact", "wechat", NULL, 0, t + 45 * DAY_MS);
  }
  return w.rc;
}

static int count_cb(void *ud, const struct store_case *c) {
  (void)ud;
  (void)c;
  return 1;
}

/* The streets' region paths (at most cap); *xiaohe 1 when Xiaohe is one. */
static size_t streets(struct registry *reg, char (*paths)[128], size_t cap, int *xiaohe) {
  size_t n = 0;
  registry_rdlock(reg);
  for (int i = 0; i < registry_region_count(reg) && n < cap; i++) {
    const struct reg_region *rg = registry_region_at(reg, i);
    if (strcmp(rg->level, "street") != 0) continue;
    zz_strlcpy(paths[n++], rg->path, sizeof paths[0]);
    if (strcmp(rg->path, "gongshu/xiaohe") == 0) *xiaohe = 1;
  }
  registry_unlock(reg);
  return n;
}

int demo_cases_generate(struct store *st, struct registry *reg, uint64_t seed, int64_t now, int n,
                        int *made, struct zz_err *e) {
  *made = 0;
  int64_t have = 0;
  int xiaohe = 0;
  char paths[64][128];
  json_t *prog = NULL;
  if (store_cases_each(st, &(struct store_case_filter){.limit = 1}, &have, count_cb, NULL) ||
      have > 0 || cases_program(st, NULL, &prog, NULL))
    return 0;
  size_t ns = streets(reg, paths, ZZ_ARRAY_LEN(paths), &xiaohe);
  const char *pid = json_string_value(json_object_get(prog, "id"));
  const char *since = json_string_value(json_object_get(prog, "since"));
  int64_t start = zz_time_from_civil(2019, 10, 1, 0, 0, 0);
  if (since) zz_time_parse(since, strlen(since), &start);
  /* no workflow: the demo's files are written, not followed up here */
  struct cases cs = {.st = st, .reg = reg, .wf = NULL};
  int rc = 0;
  if (!ns || !xiaohe) goto done;
  if (n <= 0) n = DEMO_CASES_DEFAULT;
  if ((rc = store_txn(st, STORE_TXN_BEGIN, e))) goto done;
  rc = story(&cs, pid, now, e);
  struct rng r = {demo_mix(seed ^ 0x63617365ULL)}; /* "case" */
  for (int i = 3; i < n && !rc; i++)
    rc = one_case(&cs, pid, paths[below(&r, (int)ns)], &r, start, now, e);
  if (rc) {
    struct zz_err ignored;
    store_txn(st, STORE_TXN_ROLLBACK, &ignored);
  } else if (!(rc = store_txn(st, STORE_TXN_COMMIT, e))) {
    *made = n;
  }
done:
  json_decref(prog);
  return rc;
}
