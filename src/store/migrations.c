/* migrations.c - the numbered schema migrations. Each entry runs once, in
 * order, inside a transaction; PRAGMA user_version records how far a data
 * directory has come. Never edit a shipped entry: add the next one. */
#include "store/store_int.h"

/* ---- the campaign dashboard's tallies (used by the last migration) ----
 * Kept by triggers, so each is in the transaction of the write it counts.
 * An inspection counts for a campaign when it names it, or names none and
 * uses one of its checklists (CP_MATCH); ckey is its campaign, '' for none.
 * Rows that fall to zero are deleted: a month or pledge row is never 0. */
#define CP_MONTH(ts) "strftime('%Y-%m', " ts " / 1000 + 28800, 'unixepoch')"
#define CP_MATCH(x, s)                                                                             \
  "(" x ".campaign = " s ".campaign OR (" x ".campaign IS NULL AND " x ".checklist IN"             \
  " (SELECT value FROM json_each(" s ".checklists))))"
#define CP_RSTATE(r)                                                                               \
  "CASE WHEN " r ".closed IS NULL THEN CASE WHEN " r ".status = 'overdue' THEN 'overdue'"          \
  " ELSE 'open' END WHEN " r ".closed <= " r ".deadline THEN 'closed_on_time'"                     \
  " ELSE 'closed_late' END"
/* cp_scope from the campaigns document, as campaigns.c's parts_of reads
 * it: a members' parent attribute of letters, digits and '_' or none */
#define CP_SCOPE_FILL                                                                              \
  "DELETE FROM cp_scope;"                                                                          \
  "INSERT OR IGNORE INTO cp_scope(campaign, ptypes, mtypes, ppath, checklists)"                    \
  " SELECT id, ptypes, CASE WHEN ok THEN mtypes END, CASE WHEN ok THEN '$.' || attr END,"          \
  " checklists FROM (SELECT *, istext AND length(CAST(attr AS BLOB)) BETWEEN 1 AND 64"             \
  " AND attr NOT GLOB '*[^A-Za-z0-9_]*' AS ok FROM (SELECT json_extract(c.value, '$.id') AS id,"   \
  " json_extract(c.value, '$.participants.entity_types') AS ptypes,"                               \
  " json_extract(c.value, '$.members.entity_types') AS mtypes,"                                    \
  " json_extract(c.value, '$.members.parent_attr') AS attr,"                                       \
  " json_type(c.value, '$.members.parent_attr') = 'text' AS istext,"                               \
  " json_extract(c.value, '$.checklists') AS checklists"                                           \
  " FROM doc d, json_each(d.body, '$.campaigns') c"                                                \
  " WHERE d.key = 'campaigns' AND json_type(c.value, '$.id') = 'text'));"
/* who an entity is in each campaign: a participant, a member, its parent
 * attribute, and the participant it counts for (itself or its parent) */
#define CP_MEMBER_FILL(where)                                                                      \
  "INSERT INTO cp_member(campaign, entity, part, member, parent, owner)"                           \
  " SELECT campaign, id, part, member, parent, CASE WHEN part THEN key ELSE parent END FROM"       \
  " (SELECT s.campaign, e.id, e.key, e.type IN (SELECT value FROM json_each(s.ptypes)) AS part,"   \
  " e.type IN (SELECT value FROM json_each(coalesce(s.mtypes, '[]'))) AS member,"                  \
  " CASE WHEN s.ppath IS NOT NULL THEN json_extract(e.attrs, s.ppath) END AS parent"               \
  " FROM cp_scope s, entity e WHERE " where ")"                                                    \
  " WHERE part OR member OR parent IS NOT NULL;"
/* the per-participant tallies of the owners in `join` (a join clause on
 * s, the scope, and m, cp_member): inspections, failed items, the last,
 * and open rectification items */
#define CP_OWNER_FILL(join)                                                                        \
  "INSERT INTO cp_t_owner(campaign, owner, n, failed, last, open_rect)"                            \
  " SELECT s.campaign, m.owner, count(*), sum(x.failed), max(x.ts), 0 FROM " join                  \
  " JOIN ins_inspection x ON x.entity = m.entity WHERE m.owner IS NOT NULL"                        \
  " AND " CP_MATCH(                                                                                \
      "x",                                                                                         \
      "s") " GROUP BY 1, 2;"                                                                       \
           "INSERT INTO cp_t_owner(campaign, owner, n, failed, last, open_rect)"                   \
           " SELECT s.campaign, m.owner, 0, 0, NULL, count(*) FROM " join                          \
           " JOIN ins_rectify r ON r.entity = m.entity JOIN ins_inspection x ON x.id = "           \
           "r.inspection"                                                                          \
           " WHERE m.owner IS NOT NULL AND r.closed IS NULL AND " CP_MATCH(                        \
               "x",                                                                                \
               "s") " GROUP BY 1, 2"                                                               \
                    " ON CONFLICT(campaign, owner) DO UPDATE SET open_rect = excluded.open_rect;"
/* signatures by (campaign, pledge, signer's rpos, month, signer's parent),
 * sign 1 or -1, of the signatures in `where` (p, e the signer) */
#define CP_PLEDGE_ADD(sign, rpos, where)                                                           \
  "INSERT INTO cp_t_pledge(campaign, pledge, rpos, month, parent, n)"                              \
  " SELECT p.campaign, p.pledge, " rpos ", " CP_MONTH(                                             \
      "p.ts") ", coalesce(m.parent, ''),"                                                          \
              " " sign " * count(*) FROM cp_pledge p JOIN entity e ON e.id = p.entity"             \
              " LEFT JOIN cp_member m ON m.campaign = p.campaign AND m.entity = p.entity"          \
              " WHERE " where " GROUP BY 1, 2, 3, 4, 5"                                            \
              " ON CONFLICT(campaign, pledge, rpos, month, parent) DO UPDATE SET n = n + "         \
              "excluded.n;"
/* inspections by (ckey, checklist, month, rpos of the entity) */
#define CP_MONTH_ADD(sign, rpos, where)                                                            \
  "INSERT INTO cp_t_month(ckey, checklist, month, rpos, n, failed)"                                \
  " SELECT coalesce(x.campaign, ''), x.checklist, " CP_MONTH(                                      \
      "x.ts") ", " rpos ","                                                                        \
              " " sign " * count(*), " sign " * sum(x.failed) FROM ins_inspection x JOIN entity e" \
              " ON e.id = x.entity WHERE " where " GROUP BY 1, 2, 3, 4"                            \
              " ON CONFLICT(ckey, checklist, month, rpos) DO UPDATE SET n = n + excluded.n,"       \
              " failed = failed + excluded.failed;"
/* rectification items by (ckey, checklist of the inspection, rpos of the
 * item's entity, state) */
#define CP_RECT_ADD(sign, rpos, where)                                                             \
  "INSERT INTO cp_t_rect(ckey, checklist, rpos, state, n)"                                         \
  " SELECT coalesce(x.campaign, ''), x.checklist, " rpos ", " CP_RSTATE(                           \
      "r") ","                                                                                     \
           " " sign " * count(*) FROM ins_rectify r JOIN ins_inspection x ON x.id = r.inspection"  \
           " JOIN entity e ON e.id = r.entity WHERE " where " GROUP BY 1, 2, 3, 4"                 \
           " ON CONFLICT(ckey, checklist, rpos, state) DO UPDATE SET n = n + excluded.n;"
#define CP_DROP_ZEROS                                                                              \
  "DELETE FROM cp_t_month WHERE n = 0; DELETE FROM cp_t_rect WHERE n = 0;"                         \
  " DELETE FROM cp_t_pledge WHERE n = 0;"
/* the campaigns document changed: who is who and the tallies that depend
 * on it are made again from the rows */
#define CP_REBUILD                                                                                 \
  CP_SCOPE_FILL "DELETE FROM cp_member;" CP_MEMBER_FILL(                                           \
      "1") "DELETE FROM cp_t_owner;" CP_OWNER_FILL("cp_scope s JOIN cp_member m ON m.campaign = "  \
                                                   "s.campaign") "DELETE FROM "                    \
                                                                 "cp_t_pledge;" CP_PLEDGE_ADD("1", \
                                                                                              "e." \
                                                                                              "rp" \
                                                                                              "o"  \
                                                                                              "s", \
                                                                                              "1")

static const char *const sq_migrations[] = {
    /* 1: registry, records, rollups, accounts */
    "CREATE TABLE region(id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, parent INTEGER,"
    " level TEXT NOT NULL, name_zh TEXT, name_en TEXT, geometry TEXT, lon REAL, lat REAL,"
    " approximate INTEGER NOT NULL DEFAULT 0, lo INTEGER NOT NULL DEFAULT 0,"
    " hi INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE entity_type(id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, name_zh TEXT,"
    " name_en TEXT, extra TEXT);"
    "CREATE TABLE department(id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, name_zh TEXT,"
    " name_en TEXT, extra TEXT);"
    "CREATE TABLE metric(id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, name_zh TEXT,"
    " name_en TEXT, unit TEXT, agg TEXT NOT NULL, entity_type TEXT, kind TEXT);"
    "CREATE TABLE source(id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, name_zh TEXT,"
    " name_en TEXT, department TEXT, kind TEXT, metrics TEXT, token_hash TEXT UNIQUE,"
    " records INTEGER NOT NULL DEFAULT 0, last_seen INTEGER);"
    "CREATE TABLE entity(id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, type TEXT NOT NULL,"
    " name_zh TEXT, name_en TEXT, region INTEGER NOT NULL, rpos INTEGER NOT NULL DEFAULT 0,"
    " lon REAL, lat REAL, attrs TEXT NOT NULL DEFAULT '{}', status TEXT, updated INTEGER);"
    "CREATE INDEX entity_rpos ON entity(rpos, type);"
    "CREATE INDEX entity_by_type ON entity(type, id);"
    "CREATE INDEX entity_region ON entity(region);"
    "CREATE TABLE series(id INTEGER PRIMARY KEY, entity INTEGER NOT NULL, metric INTEGER NOT NULL,"
    " last_ts INTEGER, last_value REAL, UNIQUE(entity, metric));"
    "CREATE INDEX series_metric ON series(metric, entity);"
    "CREATE TABLE record(series INTEGER NOT NULL, ts INTEGER NOT NULL, value REAL NOT NULL,"
    " PRIMARY KEY(series, ts)) WITHOUT ROWID;"
    "CREATE TABLE event(id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, entity INTEGER NOT NULL,"
    " source INTEGER, kind TEXT NOT NULL, data TEXT NOT NULL);"
    "CREATE INDEX event_entity ON event(entity, ts);"
    "CREATE TABLE rollup(metric INTEGER NOT NULL, node INTEGER NOT NULL, grain INTEGER NOT NULL,"
    " bucket INTEGER NOT NULL, n INTEGER NOT NULL, sum REAL NOT NULL, min REAL, max REAL,"
    " last REAL, last_ts INTEGER, PRIMARY KEY(metric, node, grain, bucket)) WITHOUT ROWID;"
    "CREATE TABLE srollup(metric INTEGER NOT NULL, grain INTEGER NOT NULL, bucket INTEGER NOT NULL,"
    " series INTEGER NOT NULL, n INTEGER NOT NULL, sum REAL NOT NULL, min REAL, max REAL,"
    " last REAL, last_ts INTEGER, PRIMARY KEY(metric, grain, bucket, series)) WITHOUT ROWID;"
    "CREATE INDEX srollup_series ON srollup(series, grain, bucket);"
    "CREATE TABLE user(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, role TEXT NOT NULL,"
    " department TEXT, scope TEXT, pwhash TEXT NOT NULL, created INTEGER NOT NULL);"
    "CREATE TABLE session(token_hash TEXT PRIMARY KEY, user INTEGER NOT NULL,"
    " expires INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE counter(key TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;"
    "INSERT INTO counter VALUES('records', 0);",
    /* 2: pack documents (dashboards) */
    "CREATE TABLE doc(key TEXT PRIMARY KEY, body TEXT NOT NULL, updated INTEGER NOT NULL)"
    " WITHOUT ROWID;",
    /* 3: early warning and dispatch: matters, rules, alerts, work orders
     * with their append-only timeline, evidence, and the admin audit. */
    "CREATE TABLE matter(id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, name_zh TEXT,"
    " name_en TEXT, kind TEXT NOT NULL, departments TEXT NOT NULL DEFAULT '[]',"
    " sla_accept_minutes INTEGER NOT NULL, sla_resolve_minutes INTEGER NOT NULL,"
    " extra TEXT NOT NULL DEFAULT '{}');"
    "CREATE TABLE rule(id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, def TEXT NOT NULL,"
    " enabled INTEGER NOT NULL DEFAULT 1, origin TEXT NOT NULL DEFAULT 'pack',"
    " updated INTEGER NOT NULL);"
    "CREATE TABLE alert(id INTEGER PRIMARY KEY, rule TEXT NOT NULL, entity INTEGER NOT NULL,"
    " entity_key TEXT NOT NULL, region INTEGER NOT NULL, rpos INTEGER NOT NULL, severity TEXT NOT "
    "NULL,"
    " state TEXT NOT NULL, opened INTEGER NOT NULL, cleared INTEGER, value REAL,"
    " message TEXT, order_id INTEGER, acked_by TEXT, acked_at INTEGER);"
    /* one open alert per (rule, entity), enforced by the store itself */
    "CREATE UNIQUE INDEX alert_open ON alert(rule, entity) WHERE state = 'open';"
    "CREATE INDEX alert_rpos ON alert(rpos, id);"
    "CREATE TABLE work_order(id INTEGER PRIMARY KEY, parent INTEGER, matter TEXT NOT NULL,"
    " title TEXT NOT NULL, description TEXT, state TEXT NOT NULL, department TEXT,"
    " channel TEXT NOT NULL, region INTEGER NOT NULL, rpos INTEGER NOT NULL, entity TEXT,"
    " lon REAL, lat REAL, alert INTEGER, reporter TEXT, reporters TEXT NOT NULL DEFAULT '[]',"
    " created INTEGER NOT NULL, updated INTEGER NOT NULL, dispatched_at INTEGER,"
    " accept_due INTEGER, resolve_due INTEGER, accepted_at INTEGER, resolved_at INTEGER,"
    " closed_at INTEGER, overdue INTEGER NOT NULL DEFAULT 0,"
    " supervised INTEGER NOT NULL DEFAULT 0, escalated INTEGER NOT NULL DEFAULT 0,"
    " escalate_at INTEGER, escalated_to TEXT, duplicate_of INTEGER, merged_into INTEGER,"
    " rating INTEGER, rating_note TEXT, version INTEGER NOT NULL DEFAULT 1);"
    "CREATE INDEX order_state ON work_order(state, id);"
    "CREATE INDEX order_matter ON work_order(matter, created);"
    "CREATE INDEX order_parent ON work_order(parent);"
    "CREATE INDEX order_created ON work_order(created);"
    "CREATE TABLE order_event(id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL,"
    " ts INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, from_state TEXT,"
    " to_state TEXT, note TEXT, data TEXT);"
    "CREATE INDEX order_event_order ON order_event(order_id, id);"
    /* Append-only: the store refuses to change or remove a timeline entry. */
    "CREATE TRIGGER order_event_no_update BEFORE UPDATE ON order_event"
    " BEGIN SELECT RAISE(ABORT, 'order events are append-only'); END;"
    "CREATE TRIGGER order_event_no_delete BEFORE DELETE ON order_event"
    " BEGIN SELECT RAISE(ABORT, 'order events are append-only'); END;"
    "CREATE TABLE evidence(id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL,"
    " ts INTEGER NOT NULL, actor TEXT NOT NULL, mime TEXT NOT NULL, size INTEGER NOT NULL,"
    " path TEXT NOT NULL, note TEXT);"
    "CREATE INDEX evidence_order ON evidence(order_id);"
    "CREATE TABLE audit(id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, actor TEXT NOT NULL,"
    " action TEXT NOT NULL, target TEXT NOT NULL, detail TEXT);"
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
    " BEGIN SELECT RAISE(ABORT, 'the audit is append-only'); END;"
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
    " BEGIN SELECT RAISE(ABORT, 'the audit is append-only'); END;",
    /* 4: customer and enterprise codes: codes bound to entities, scan
     * counts per code and local day, and the public intake's receipts (the
     * reporter's phone lives here, out of the order row, so only the order
     * APIs that check the caller ever read it). */
    "CREATE TABLE code(id INTEGER PRIMARY KEY, token TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,"
    " entity TEXT NOT NULL, entity_type TEXT NOT NULL, region INTEGER NOT NULL,"
    " rpos INTEGER NOT NULL, state TEXT NOT NULL, created INTEGER NOT NULL,"
    " revoked_at INTEGER, replaced_by INTEGER);"
    /* one active code per (entity, kind): generation is idempotent */
    "CREATE UNIQUE INDEX code_active ON code(entity, kind) WHERE state = 'active';"
    "CREATE INDEX code_rpos ON code(rpos, id);"
    "CREATE TABLE code_scan(code INTEGER NOT NULL, day INTEGER NOT NULL, n INTEGER NOT NULL,"
    " PRIMARY KEY(code, day)) WITHOUT ROWID;"
    "CREATE TABLE intake(receipt TEXT PRIMARY KEY, order_id INTEGER NOT NULL UNIQUE,"
    " code INTEGER, phone TEXT, created INTEGER NOT NULL) WITHOUT ROWID;",
    /* 5: what an Open311 request brought with a work order beyond the
     * order itself: the reporter's contact, kept apart so that public
     * listings never show it, the address, the form's attributes and the
     * request's lookup token. */
    "CREATE TABLE order_intake(order_id INTEGER PRIMARY KEY, source INTEGER,"
    " token TEXT NOT NULL UNIQUE, address TEXT, attributes TEXT NOT NULL DEFAULT '{}',"
    " contact TEXT NOT NULL DEFAULT '{}', media_url TEXT, created INTEGER NOT NULL);"
    /* applications (申请): the public number, the applicant's contact and
     * form, the uploaded materials (one current file per material) and each
     * department's decision on its sub-order */
    "CREATE TABLE application(order_id INTEGER PRIMARY KEY, number TEXT NOT NULL UNIQUE,"
    " applicant TEXT NOT NULL, form TEXT NOT NULL DEFAULT '{}', created INTEGER NOT NULL);"
    "CREATE TABLE application_material(id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL,"
    " material TEXT NOT NULL, mime TEXT NOT NULL, size INTEGER NOT NULL, path TEXT NOT NULL,"
    " ts INTEGER NOT NULL, UNIQUE(order_id, material));"
    "CREATE TABLE application_decision(sub_order INTEGER PRIMARY KEY, order_id INTEGER NOT NULL,"
    " department TEXT NOT NULL, decision TEXT NOT NULL, note TEXT, actor TEXT NOT NULL,"
    " ts INTEGER NOT NULL);"
    "CREATE INDEX application_decision_order ON application_decision(order_id);",
    /* 6: the duplicate check of every new order (same matter, near, recent,
     * open) reads a small box of this index, and nothing else, instead of
     * every order of the matter's day: 500 reports of one matter at once
     * had made each insert read them all. */
    "CREATE INDEX order_place ON work_order(matter, lat, lon, created, state, parent)"
    " WHERE state NOT IN ('closed', 'merged') AND parent IS NULL;",
    /* 7: a metric's valid range (NULL: the default
     * bound), what a source may write beyond its metrics (JSON arrays of
     * entity types and region paths; NULL: any), and the source that owns
     * each series (NULL: no owner, as for series the import command and
     * the demo loader write, and those already stored when this runs). */
    "ALTER TABLE metric ADD COLUMN vmin REAL;"
    "ALTER TABLE metric ADD COLUMN vmax REAL;"
    "ALTER TABLE source ADD COLUMN entity_types TEXT;"
    "ALTER TABLE source ADD COLUMN regions TEXT;"
    "ALTER TABLE series ADD COLUMN source INTEGER;",
    /* 8: a user can be disabled; a new password,
     * disabling or removing a user ends their sessions in the same
     * transaction, whoever made the change (CLI beside a server, API) */
    "ALTER TABLE user ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;"
    "CREATE INDEX session_by_user ON session(user);"
    "CREATE TRIGGER user_sessions_end AFTER UPDATE OF pwhash, disabled ON user"
    " WHEN NEW.disabled <> 0 OR NEW.pwhash IS NOT OLD.pwhash"
    " BEGIN DELETE FROM session WHERE user = NEW.id; END;"
    "CREATE TRIGGER user_sessions_gone AFTER DELETE ON user"
    " BEGIN DELETE FROM session WHERE user = OLD.id; END;",
    /* 9: public consent: whether a public report (customer or enterprise
     * code, Open311) came in while its matter was public, so that the
     * form told the reporter it would be listed. Open311 GET lists only
     * those: publishing a matter later does not publish its older reports.
     * Rows already stored get their matter's present setting, so the
     * listing stays as it was when this runs. */
    "ALTER TABLE intake ADD COLUMN public INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE order_intake ADD COLUMN public INTEGER NOT NULL DEFAULT 0;"
    "UPDATE intake SET public = 1 WHERE order_id IN (SELECT w.id FROM work_order w"
    " JOIN matter m ON m.key = w.matter"
    " WHERE CASE WHEN json_valid(m.extra) THEN json_extract(m.extra, '$.public') END = 1);"
    "UPDATE order_intake SET public = 1 WHERE order_id IN (SELECT w.id FROM work_order w"
    " JOIN matter m ON m.key = w.matter"
    " WHERE CASE WHEN json_valid(m.extra) THEN json_extract(m.extra, '$.public') END = 1);",
    /* 10: device cookies: a browser that once signed in as a user escapes that
     * user's lockout; a new password, disabling or removing the user
     * revokes them (fails counts wrong passwords sent with the cookie) */
    "CREATE TABLE device(token_hash TEXT PRIMARY KEY, user INTEGER NOT NULL,"
    " expires INTEGER NOT NULL, fails INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX device_by_user ON device(user);"
    "CREATE TRIGGER user_devices_end AFTER UPDATE OF pwhash, disabled ON user"
    " WHEN NEW.disabled <> 0 OR NEW.pwhash IS NOT OLD.pwhash"
    " BEGIN DELETE FROM device WHERE user = NEW.id; END;"
    "CREATE TRIGGER user_devices_gone AFTER DELETE ON user"
    " BEGIN DELETE FROM device WHERE user = OLD.id; END;",
    /* 11: how many times each material was replaced (a cap, so that an
     * anonymous applicant cannot fill the disk with replaced files) */
    "ALTER TABLE application_material ADD COLUMN replaced INTEGER NOT NULL DEFAULT 0;",
    /* order statistics: the statistics page counts orders by span, region,
     * state, matter and department from this index alone (store_order_tally) */
    "CREATE INDEX order_stats ON work_order(created, parent, rpos, state, matter, department,"
    " overdue, resolve_due, resolved_at, closed_at, rating);",
    /* alert messages in English beside the Chinese one (message): rules
     * write both from their templates */
    "ALTER TABLE alert ADD COLUMN message_en TEXT;",
    /* order priority: the dispatch desk's triage. priority 1 critical, 2
     * high, 3 normal; pending_due the "dispatch within" deadline of an
     * order waiting for a dispatcher; duplicate_reason why it was flagged
     * (same_entity, nearby). The queue index serves the desk's sort
     * (priority, then waiting time) over open top-level orders; the entity
     * index the "same entity" duplicate check and search by entity. */
    "ALTER TABLE work_order ADD COLUMN priority INTEGER NOT NULL DEFAULT 3;"
    "ALTER TABLE work_order ADD COLUMN pending_due INTEGER;"
    "ALTER TABLE work_order ADD COLUMN duplicate_reason TEXT;"
    "CREATE INDEX order_queue ON work_order(priority, created, id)"
    " WHERE state NOT IN ('closed', 'merged') AND parent IS NULL;"
    "CREATE INDEX order_entity ON work_order(entity, matter, created)"
    " WHERE entity IS NOT NULL AND state NOT IN ('closed', 'merged') AND parent IS NULL;",
    /* metric states: the names of a status metric's values (1 正常, 0 故障),
     * a JSON array from the pack's metrics.json, NULL for a plain metric */
    "ALTER TABLE metric ADD COLUMN states TEXT;",
    /* order search: a trigram index over each order's title, description
     * and reporters (store_orders_each's q). Case-sensitive, as instr is;
     * each text ends with two U+0001 so that a term of one or two
     * characters is the prefix of an indexed trigram (order_text_terms
     * lists them). Kept by triggers, so that orders written by any means
     * are found. order_by_entity finds the orders of the entities whose
     * names match, closed ones too (order_entity covers open ones only). */
    "CREATE VIRTUAL TABLE order_text USING fts5(title, description, reporters,"
    " tokenize = 'trigram case_sensitive 1');"
    "CREATE VIRTUAL TABLE order_text_terms USING fts5vocab(order_text, row);"
    "INSERT INTO order_text(rowid, title, description, reporters) SELECT id,"
    " coalesce(title, '') || char(1, 1), coalesce(description, '') || char(1, 1),"
    " coalesce(reporters, '') || char(1, 1) FROM work_order;"
    "CREATE TRIGGER order_text_insert AFTER INSERT ON work_order BEGIN"
    " INSERT OR REPLACE INTO order_text(rowid, title, description, reporters) VALUES(NEW.id,"
    " coalesce(NEW.title, '') || char(1, 1), coalesce(NEW.description, '') || char(1, 1),"
    " coalesce(NEW.reporters, '') || char(1, 1)); END;"
    "CREATE TRIGGER order_text_update AFTER UPDATE OF title, description, reporters ON work_order"
    " WHEN OLD.title IS NOT NEW.title OR OLD.description IS NOT NEW.description"
    " OR OLD.reporters IS NOT NEW.reporters BEGIN"
    " INSERT OR REPLACE INTO order_text(rowid, title, description, reporters) VALUES(NEW.id,"
    " coalesce(NEW.title, '') || char(1, 1), coalesce(NEW.description, '') || char(1, 1),"
    " coalesce(NEW.reporters, '') || char(1, 1)); END;"
    "CREATE TRIGGER order_text_delete AFTER DELETE ON work_order BEGIN"
    " DELETE FROM order_text WHERE rowid = OLD.id; END;"
    "CREATE INDEX order_by_entity ON work_order(entity) WHERE entity IS NOT NULL;",
    /* open311 update feed: the timeline's changes of state by time
     * (store_order_state_events_between) */
    "CREATE INDEX order_event_ts ON order_event(ts);",
    /* map files (issue 15, compression and map names): a region's
     * administrative division code (行政区划代码), as DataV/ECharts maps name
     * features; NULL when the pack gives none */
    "ALTER TABLE region ADD COLUMN adcode TEXT;",
    /* mqtt ingest: the broker accounts zhizhi provisions (the mosquitto
     * password and ACL files are generated from them), and per-source
     * reject counts with the last error, shown in the admin's source list */
    "CREATE TABLE mqtt_account(username TEXT PRIMARY KEY, kind TEXT NOT NULL,"
    " source INTEGER REFERENCES source(id), hash TEXT NOT NULL, updated INTEGER NOT NULL);"
    "ALTER TABLE source ADD COLUMN rejected INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE source ADD COLUMN last_error TEXT;"
    "ALTER TABLE source ADD COLUMN last_error_at INTEGER;",
    /* cases (个案, issue 13: 心花绽放): a person followed by a department's
     * caseworkers, with personal data in the row (read only through the
     * case routes, each read audited), and the typed timeline. cs_case_due
     * serves the caseworker's list (due first), cs_case_quiet the
     * follow-up timer. */
    "CREATE TABLE cs_case(id INTEGER PRIMARY KEY, program TEXT NOT NULL,"
    " department TEXT NOT NULL, caseworker TEXT NOT NULL, region INTEGER NOT NULL,"
    " community TEXT, intention TEXT NOT NULL, name TEXT NOT NULL, phone TEXT,"
    " person TEXT NOT NULL DEFAULT '{}', profile TEXT NOT NULL DEFAULT '{}',"
    " status TEXT NOT NULL DEFAULT 'open', outcome TEXT, created INTEGER NOT NULL,"
    " last_contact INTEGER NOT NULL, next_follow INTEGER, followup_order INTEGER,"
    " jobs INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX cs_case_due ON cs_case(program, department, next_follow);"
    "CREATE INDEX cs_case_quiet ON cs_case(program, last_contact)"
    " WHERE status = 'open' AND followup_order IS NULL;"
    "CREATE TABLE cs_entry(id INTEGER PRIMARY KEY, case_id INTEGER NOT NULL REFERENCES cs_case(id),"
    " ts INTEGER NOT NULL, class TEXT NOT NULL, kind TEXT NOT NULL, note TEXT,"
    " actor TEXT NOT NULL, jobs INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX cs_entry_case ON cs_entry(case_id, ts);"
    "CREATE INDEX cs_entry_kind ON cs_entry(class, kind, ts);",
    /* NGSI-v2 subscriptions and their delivery state (issue 15, the `ngsi`
     * helper): a subscription survives a restart with its counters */
    "CREATE TABLE ngsi_subscription(id TEXT PRIMARY KEY, region TEXT NOT NULL, owner TEXT,"
    " doc TEXT NOT NULL, created INTEGER NOT NULL, times_sent INTEGER NOT NULL DEFAULT 0,"
    " last_notification INTEGER, last_success INTEGER, last_success_code INTEGER,"
    " last_failure INTEGER, last_failure_reason TEXT, fails INTEGER NOT NULL DEFAULT 0);"
    /* ... and webhooks of alert and order events, with theirs */
    "CREATE TABLE webhook(id INTEGER PRIMARY KEY, url TEXT NOT NULL, events TEXT NOT NULL,"
    " secret TEXT NOT NULL, created_by TEXT, created INTEGER NOT NULL,"
    " times_sent INTEGER NOT NULL DEFAULT 0, last_success INTEGER, last_success_code INTEGER,"
    " last_failure INTEGER, last_failure_reason TEXT, fails INTEGER NOT NULL DEFAULT 0);",
    /* campaigns (issue 13 §2, 限塑): pledges signed by the campaign's
     * participants (a market's 责任状, a stall-holder's 承诺书), one per
     * (campaign, pledge, entity), and its promotion activities. The
     * campaign, its pledge texts and systems are pack data (campaigns.json). */
    "CREATE TABLE cp_pledge(id INTEGER PRIMARY KEY, campaign TEXT NOT NULL, pledge TEXT NOT NULL,"
    " version TEXT NOT NULL, entity INTEGER NOT NULL REFERENCES entity(id), signer TEXT NOT NULL,"
    " phone TEXT, channel TEXT NOT NULL, ts INTEGER NOT NULL, UNIQUE(campaign, pledge, entity));"
    "CREATE INDEX cp_pledge_ts ON cp_pledge(campaign, pledge, ts);"
    "CREATE TABLE cp_activity(id INTEGER PRIMARY KEY, campaign TEXT NOT NULL, kind TEXT NOT NULL,"
    " entity INTEGER REFERENCES entity(id), ts INTEGER NOT NULL, title TEXT NOT NULL,"
    " participants INTEGER NOT NULL DEFAULT 0, note TEXT, actor TEXT NOT NULL);"
    "CREATE INDEX cp_activity_ts ON cp_activity(campaign, ts);"
    /* inspections (§2 and §3): one visit with its checklist's answers; uid
     * is the client's key, so a submission queued offline and sent twice
     * is stored once. A failed item or a finding becomes a rectification
     * item (查纠整改) with its owner, deadline and work order, closed by a
     * later inspection that passes the item. Credit events carry points
     * per entity (信用). Plans are the calendar of visits (§3). */
    "CREATE TABLE ins_inspection(id INTEGER PRIMARY KEY, uid TEXT NOT NULL UNIQUE,"
    " checklist TEXT NOT NULL, campaign TEXT, plan INTEGER, entity INTEGER NOT NULL"
    " REFERENCES entity(id), region INTEGER NOT NULL, department TEXT NOT NULL,"
    " inspector TEXT NOT NULL, ts INTEGER NOT NULL, lon REAL, lat REAL, result TEXT NOT NULL,"
    " failed INTEGER NOT NULL DEFAULT 0, answers TEXT NOT NULL, note TEXT,"
    " created INTEGER NOT NULL);"
    "CREATE INDEX ins_inspection_entity ON ins_inspection(entity, ts);"
    "CREATE INDEX ins_inspection_campaign ON ins_inspection(campaign, ts);"
    "CREATE TABLE ins_photo(id INTEGER PRIMARY KEY, inspection INTEGER NOT NULL"
    " REFERENCES ins_inspection(id), item TEXT, path TEXT NOT NULL, mime TEXT NOT NULL,"
    " size INTEGER NOT NULL, sha256 TEXT NOT NULL);"
    "CREATE INDEX ins_photo_inspection ON ins_photo(inspection);"
    "CREATE TABLE ins_rectify(id INTEGER PRIMARY KEY, inspection INTEGER NOT NULL"
    " REFERENCES ins_inspection(id), item TEXT NOT NULL, entity INTEGER NOT NULL,"
    " campaign TEXT, owner TEXT NOT NULL, deadline INTEGER NOT NULL, order_id INTEGER,"
    " status TEXT NOT NULL DEFAULT 'open', closed INTEGER, closed_by INTEGER, note TEXT);"
    "CREATE INDEX ins_rectify_entity ON ins_rectify(entity, status);"
    "CREATE INDEX ins_rectify_open ON ins_rectify(status, deadline);"
    "CREATE INDEX ins_rectify_campaign ON ins_rectify(campaign, status);"
    "CREATE TABLE credit_event(id INTEGER PRIMARY KEY, entity INTEGER NOT NULL"
    " REFERENCES entity(id), ts INTEGER NOT NULL, points INTEGER NOT NULL, kind TEXT NOT NULL,"
    " reason TEXT, campaign TEXT, inspection INTEGER, rectify INTEGER, actor TEXT NOT NULL);"
    "CREATE INDEX credit_event_entity ON credit_event(entity, ts);"
    "CREATE TABLE ins_plan(id INTEGER PRIMARY KEY, campaign TEXT, checklist TEXT NOT NULL,"
    " entity INTEGER NOT NULL REFERENCES entity(id), day INTEGER NOT NULL, leader TEXT NOT NULL,"
    " department TEXT NOT NULL, inspection INTEGER, note TEXT, created INTEGER NOT NULL);"
    "CREATE INDEX ins_plan_day ON ins_plan(campaign, day);",
    /* case programmes, continued (issue 13 §1, the `cases2` helper): an
     * activity (a live-stream show, a 成长互助月 session, a salon) with its
     * own code (kind 'activity', entity 'cs_activity/ID' in the code table)
     * and its attendance, one row per (activity, case), made by a mother's
     * check-in on her phone; cs_entry.ref ties a timeline entry to what it
     * records ('activity/ID', or the number of a policy application); and
     * cs_tally, the counters the statistics read instead of a GROUP BY over
     * every entry: per programme and dimension (intention, outcome, street
     * of the cases; kind and kind-by-month of each entry class), kept by the
     * same transactions that write cases and entries, filled here from the
     * rows already there. */
    "CREATE TABLE cs_activity(id INTEGER PRIMARY KEY, program TEXT NOT NULL,"
    " department TEXT NOT NULL, kind TEXT NOT NULL, title TEXT NOT NULL, ts INTEGER NOT NULL,"
    " place TEXT, region INTEGER NOT NULL, created_by TEXT NOT NULL, created INTEGER NOT NULL);"
    "CREATE INDEX cs_activity_ts ON cs_activity(program, ts);"
    "CREATE TABLE cs_attendance(activity INTEGER NOT NULL REFERENCES cs_activity(id),"
    " case_id INTEGER NOT NULL REFERENCES cs_case(id), ts INTEGER NOT NULL,"
    " entry INTEGER NOT NULL, PRIMARY KEY(activity, case_id)) WITHOUT ROWID;"
    "ALTER TABLE cs_entry ADD COLUMN ref TEXT;"
    "CREATE TABLE cs_tally(program TEXT NOT NULL, dim TEXT NOT NULL, key TEXT NOT NULL,"
    " month TEXT NOT NULL DEFAULT '', n INTEGER NOT NULL DEFAULT 0,"
    " jobs INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(program, dim, key, month)) WITHOUT ROWID;"
    "INSERT INTO cs_tally SELECT program, 'intention', intention, '', count(*), sum(jobs)"
    " FROM cs_case GROUP BY program, intention;"
    "INSERT INTO cs_tally SELECT program, 'outcome', coalesce(outcome, ''), '', count(*),"
    " sum(jobs) FROM cs_case GROUP BY program, coalesce(outcome, '');"
    "INSERT INTO cs_tally SELECT program, 'region', region, '', count(*), sum(jobs)"
    " FROM cs_case GROUP BY program, region;"
    "INSERT INTO cs_tally SELECT c.program, 'kind:' || e.class, e.kind, '', count(*),"
    " sum(e.jobs) FROM cs_entry e JOIN cs_case c ON c.id = e.case_id"
    " GROUP BY c.program, e.class, e.kind;"
    "INSERT INTO cs_tally SELECT c.program, 'month:' || e.class, e.kind,"
    " strftime('%Y-%m', e.ts / 1000 + 28800, 'unixepoch'), count(*), sum(e.jobs)"
    " FROM cs_entry e JOIN cs_case c ON c.id = e.case_id GROUP BY 1, 2, 3, 4;",
    /* campaign dashboard tallies (issue 13, the `dash` helper): what the
     * dashboard of a campaign counts, kept by triggers on the rows counted
     * (in the transaction of the write) and filled here from the rows there.
     * Config-free: inspections by (ckey, checklist, month, entity rpos),
     * the latest of each (ckey, checklist, entity), rectification items by
     * state, credit points by (ckey, entity). From the campaigns document
     * (cp_scope, remade by a trigger on doc when it changes): who each
     * entity is in each campaign (cp_member), the per-participant tallies
     * (cp_t_owner) and the signatures by (pledge, rpos, month, parent). An
     * entity whose key, type, attrs or rpos changes moves its counts. */
    "CREATE TABLE cp_scope(campaign TEXT PRIMARY KEY, ptypes TEXT, mtypes TEXT, ppath TEXT,"
    " checklists TEXT);"
    "CREATE TABLE cp_member(campaign TEXT NOT NULL, entity INTEGER NOT NULL, part INTEGER NOT NULL,"
    " member INTEGER NOT NULL, parent, owner, PRIMARY KEY(campaign, entity)) WITHOUT ROWID;"
    "CREATE INDEX cp_member_owner ON cp_member(campaign, owner);"
    "CREATE INDEX cp_member_parent ON cp_member(campaign, member, parent);"
    "CREATE INDEX cp_member_entity ON cp_member(entity);"
    "CREATE TABLE cp_dirty(campaign TEXT NOT NULL, owner NOT NULL, side INTEGER NOT NULL,"
    " PRIMARY KEY(campaign, owner, side));"
    "CREATE TABLE cp_t_month(ckey TEXT NOT NULL, checklist TEXT NOT NULL, month TEXT NOT NULL,"
    " rpos INTEGER NOT NULL, n INTEGER NOT NULL, failed INTEGER NOT NULL,"
    " PRIMARY KEY(ckey, checklist, month, rpos)) WITHOUT ROWID;"
    "CREATE TABLE cp_t_latest(ckey TEXT NOT NULL, checklist TEXT NOT NULL, entity INTEGER NOT NULL,"
    " ts INTEGER NOT NULL, id INTEGER NOT NULL, PRIMARY KEY(entity, checklist, ckey))"
    " WITHOUT ROWID;"
    "CREATE TABLE cp_t_rect(ckey TEXT NOT NULL, checklist TEXT NOT NULL, rpos INTEGER NOT NULL,"
    " state TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY(ckey, checklist, rpos, state))"
    " WITHOUT ROWID;"
    "CREATE TABLE cp_t_credit(ckey TEXT NOT NULL, entity INTEGER NOT NULL, points INTEGER NOT NULL,"
    " PRIMARY KEY(ckey, entity)) WITHOUT ROWID;"
    "CREATE TABLE cp_t_owner(campaign TEXT NOT NULL, owner NOT NULL, n INTEGER NOT NULL,"
    " failed INTEGER NOT NULL, last INTEGER, open_rect INTEGER NOT NULL,"
    " PRIMARY KEY(campaign, owner)) WITHOUT ROWID;"
    "CREATE TABLE cp_t_pledge(campaign TEXT NOT NULL, pledge TEXT NOT NULL, rpos INTEGER NOT NULL,"
    " month TEXT NOT NULL, parent NOT NULL, n INTEGER NOT NULL,"
    " PRIMARY KEY(campaign, pledge, rpos, month, parent)) WITHOUT ROWID;"
    /* the items an inspection opened, for the dashboard's latest visits */
    "CREATE INDEX ins_rectify_inspection ON ins_rectify(inspection);"
    "CREATE TABLE cp_t_type(type TEXT NOT NULL, rpos INTEGER NOT NULL, n INTEGER NOT NULL,"
    " PRIMARY KEY(type, rpos)) WITHOUT ROWID;"
    "CREATE TABLE cp_t_members(campaign TEXT NOT NULL, parent NOT NULL, n INTEGER NOT NULL,"
    " PRIMARY KEY(campaign, parent)) WITHOUT ROWID;"
    /* members by their parent, kept as cp_member changes */
    "CREATE TRIGGER cp_member_insert AFTER INSERT ON cp_member"
    " WHEN new.member AND new.parent IS NOT NULL BEGIN "
    "INSERT INTO cp_t_members(campaign, parent, n) VALUES(new.campaign, new.parent, 1)"
    " ON CONFLICT(campaign, parent) DO UPDATE SET n = n + 1; END;"
    "CREATE TRIGGER cp_member_delete AFTER DELETE ON cp_member"
    " WHEN old.member AND old.parent IS NOT NULL BEGIN "
    "UPDATE cp_t_members SET n = n - 1 WHERE campaign = old.campaign AND parent = old.parent;"
    "DELETE FROM cp_t_members WHERE campaign = old.campaign AND parent = old.parent AND n = 0;"
    " END;"
    /* filled from the rows there */
    "INSERT INTO cp_t_type(type, rpos, n) SELECT type, rpos, count(*) FROM entity GROUP BY 1, "
    "2;" CP_REBUILD CP_MONTH_ADD("1", "e.rpos", "1") CP_RECT_ADD("1", "e.rpos", "1")
    /* the first of the newest: a later row of the same ms does not replace it */
    "INSERT INTO cp_t_latest(ckey, checklist, entity, ts, id) SELECT k, checklist, entity, ts, id"
    " FROM (SELECT coalesce(campaign, '') AS k, checklist, entity, ts, id, row_number() OVER"
    " (PARTITION BY coalesce(campaign, ''), checklist, entity ORDER BY ts DESC, id) AS rn"
    " FROM ins_inspection) WHERE rn = 1;"
    "INSERT INTO cp_t_credit(ckey, entity, points) SELECT coalesce(campaign, ''), entity,"
    " sum(points) FROM credit_event GROUP BY 1, 2;"
    /* kept by the writes */
    "CREATE TRIGGER cp_ins_insert AFTER INSERT ON ins_inspection BEGIN " CP_MONTH_ADD(
        "1", "e.rpos",
        "x.id = new.id") "INSERT INTO cp_t_latest(ckey, checklist, entity, ts, id) "
                         "VALUES(coalesce(new.campaign, ''),"
                         " new.checklist, new.entity, new.ts, new.id) ON CONFLICT(entity, "
                         "checklist, ckey) DO UPDATE"
                         " SET ts = excluded.ts, id = excluded.id WHERE excluded.ts > ts;"
                         "INSERT INTO cp_t_owner(campaign, owner, n, failed, last, open_rect)"
                         " SELECT s.campaign, m.owner, 1, new.failed, new.ts, 0 FROM cp_scope s "
                         "JOIN cp_member m"
                         " ON m.campaign = s.campaign AND m.entity = new.entity WHERE m.owner IS "
                         "NOT NULL"
                         " AND " CP_MATCH(
                             "new",
                             "s") " ON CONFLICT(campaign, owner) DO UPDATE SET n = n + 1,"
                                  " failed = failed + excluded.failed, last = max(coalesce(last, "
                                  "excluded.last), excluded.last);"
                                  " END;"
                                  "CREATE TRIGGER cp_rect_insert AFTER INSERT ON ins_rectify "
                                  "BEGIN " CP_RECT_ADD(
                                      "1", "e.rpos",
                                      "r.id = new.id") "INSERT INTO cp_t_owner(campaign, owner, n, "
                                                       "failed, last, open_rect)"
                                                       " SELECT s.campaign, m.owner, 0, 0, NULL, 1 "
                                                       "FROM cp_scope s JOIN cp_member m"
                                                       " ON m.campaign = s.campaign AND m.entity = "
                                                       "new.entity JOIN ins_inspection x"
                                                       " ON x.id = new.inspection WHERE new.closed "
                                                       "IS NULL AND m.owner IS NOT NULL"
                                                       " AND " CP_MATCH(
                                                           "x",
                                                           "s") " ON CONFLICT(campaign, owner) DO "
                                                                "UPDATE SET"
                                                                " open_rect = open_rect + 1;"
                                                                " END;"
                                                                "CREATE TRIGGER cp_rect_update "
                                                                "AFTER UPDATE OF inspection, "
                                                                "entity, status, closed, deadline"
                                                                " ON ins_rectify BEGIN "
                                                                "INSERT INTO cp_t_rect(ckey, "
                                                                "checklist, rpos, state, n)"
                                                                " SELECT coalesce(x.campaign, ''), "
                                                                "x.checklist, e.rpos, " CP_RSTATE(
                                                                    "old") ", -1"
                                                                           " FROM ins_inspection x "
                                                                           "JOIN entity e ON e.id "
                                                                           "= old.entity WHERE "
                                                                           "x.id = old.inspection"
                                                                           " ON CONFLICT(ckey, "
                                                                           "checklist, rpos, "
                                                                           "state) DO UPDATE SET n "
                                                                           "= n + "
                                                                           "excluded."
                                                                           "n;" CP_RECT_ADD(
                                                                               "1", "e.rpos",
                                                                               "r.id = new.id") "DE"
                                                                                                "LE"
                                                                                                "TE"
                                                                                                " F"
                                                                                                "RO"
                                                                                                "M "
                                                                                                "cp"
                                                                                                "_t"
                                                                                                "_r"
                                                                                                "ec"
                                                                                                "t "
                                                                                                "WH"
                                                                                                "ER"
                                                                                                "E "
                                                                                                "n "
                                                                                                "= "
                                                                                                "0;"
                                                                                                "UP"
                                                                                                "DA"
                                                                                                "TE"
                                                                                                " c"
                                                                                                "p_"
                                                                                                "t_"
                                                                                                "ow"
                                                                                                "ne"
                                                                                                "r "
                                                                                                "SE"
                                                                                                "T "
                                                                                                "op"
                                                                                                "en"
                                                                                                "_r"
                                                                                                "ec"
                                                                                                "t "
                                                                                                "= "
                                                                                                "op"
                                                                                                "en"
                                                                                                "_r"
                                                                                                "ec"
                                                                                                "t "
                                                                                                "- "
                                                                                                "1 "
                                                                                                "WH"
                                                                                                "ER"
                                                                                                "E "
                                                                                                "ol"
                                                                                                "d."
                                                                                                "cl"
                                                                                                "os"
                                                                                                "ed"
                                                                                                " I"
                                                                                                "S "
                                                                                                "NU"
                                                                                                "LL"
                                                                                                " A"
                                                                                                "ND"
                                                                                                " ("
                                                                                                "ca"
                                                                                                "mp"
                                                                                                "ai"
                                                                                                "gn"
                                                                                                ", "
                                                                                                "ow"
                                                                                                "ne"
                                                                                                "r)"
                                                                                                " I"
                                                                                                "N "
                                                                                                "(S"
                                                                                                "EL"
                                                                                                "EC"
                                                                                                "T "
                                                                                                "s."
                                                                                                "ca"
                                                                                                "mp"
                                                                                                "ai"
                                                                                                "gn"
                                                                                                ", "
                                                                                                "m."
                                                                                                "ow"
                                                                                                "ne"
                                                                                                "r "
                                                                                                "FR"
                                                                                                "OM"
                                                                                                " c"
                                                                                                "p_"
                                                                                                "sc"
                                                                                                "op"
                                                                                                "e "
                                                                                                "s "
                                                                                                "JO"
                                                                                                "IN"
                                                                                                " c"
                                                                                                "p_"
                                                                                                "me"
                                                                                                "mb"
                                                                                                "er"
                                                                                                " m"
                                                                                                " O"
                                                                                                "N "
                                                                                                "m."
                                                                                                "ca"
                                                                                                "mp"
                                                                                                "ai"
                                                                                                "gn"
                                                                                                " ="
                                                                                                " s"
                                                                                                ".c"
                                                                                                "am"
                                                                                                "pa"
                                                                                                "ig"
                                                                                                "n "
                                                                                                "AN"
                                                                                                "D "
                                                                                                "m."
                                                                                                "en"
                                                                                                "ti"
                                                                                                "ty"
                                                                                                " ="
                                                                                                " o"
                                                                                                "ld"
                                                                                                ".e"
                                                                                                "nt"
                                                                                                "it"
                                                                                                "y "
                                                                                                "JO"
                                                                                                "IN"
                                                                                                " i"
                                                                                                "ns"
                                                                                                "_i"
                                                                                                "ns"
                                                                                                "pe"
                                                                                                "ct"
                                                                                                "io"
                                                                                                "n "
                                                                                                "x"
                                                                                                " O"
                                                                                                "N "
                                                                                                "x."
                                                                                                "id"
                                                                                                " ="
                                                                                                " o"
                                                                                                "ld"
                                                                                                ".i"
                                                                                                "ns"
                                                                                                "pe"
                                                                                                "ct"
                                                                                                "io"
                                                                                                "n "
                                                                                                "WH"
                                                                                                "ER"
                                                                                                "E"
                                                                                                " " CP_MATCH("x",
                                                                                                             "s") ");"
                                                                                                                  "INSERT INTO cp_t_owner(campaign, owner, n, failed, last, open_rect)"
                                                                                                                  " SELECT s.campaign, m.owner, 0, 0, NULL, 1 FROM cp_scope s JOIN cp_member m"
                                                                                                                  " ON m.campaign = s.campaign AND m.entity = new.entity JOIN ins_inspection x"
                                                                                                                  " ON x.id = new.inspection WHERE new.closed IS NULL AND m.owner IS NOT NULL"
                                                                                                                  " AND " CP_MATCH(
                                                                                                                      "x",
                                                                                                                      "s") " ON CONFLICT(campaign, owner) DO UPDATE SET"
                                                                                                                           " open_rect = open_rect + 1;"
                                                                                                                           " END;"
                                                                                                                           "CREATE TRIGGER cp_credit_insert AFTER INSERT ON credit_event BEGIN "
                                                                                                                           "INSERT INTO cp_t_credit(ckey, entity, points) VALUES(coalesce(new.campaign, ''), new.entity,"
                                                                                                                           " new.points) ON CONFLICT(ckey, entity) DO UPDATE SET points = points + excluded.points;"
                                                                                                                           " END;"
                                                                                                                           "CREATE TRIGGER cp_pledge_insert AFTER INSERT ON cp_pledge BEGIN " CP_PLEDGE_ADD("1",
                                                                                                                                                                                                            "e.rpos", "p.id = new.id") " END;"
                                                                                                                                                                                                                                       "CREATE TRIGGER cp_entity_insert AFTER INSERT ON entity BEGIN "
                                                                                                                                                                                                                                       "INSERT INTO cp_t_type(type, rpos, n) VALUES(new.type, new.rpos, 1)"
                                                                                                                                                                                                                                       " ON CONFLICT(type, rpos) DO UPDATE SET n = n + 1;" CP_MEMBER_FILL("e.id = new.id") " END;"
                                                                                                                                                                                                                                                                                                                           /* an entity that changes: its counts leave the old rpos and owners and
                                                                                                                                                                                                                                                                                                                            * go to the new; the owners it left or joined are counted again */
                                                                                                                                                                                                                                                                                                                           "CREATE TRIGGER cp_entity_update AFTER UPDATE OF key, type, attrs, rpos ON entity"
                                                                                                                                                                                                                                                                                                                           " WHEN old.key IS NOT new.key OR old.type IS NOT new.type OR old.attrs IS NOT new.attrs"
                                                                                                                                                                                                                                                                                                                           " OR old.rpos IS NOT new.rpos BEGIN "
                                                                                                                                                                                                                                                                                                                           "UPDATE cp_t_type SET n = n - 1 WHERE type = old.type AND rpos = old.rpos;"
                                                                                                                                                                                                                                                                                                                           "INSERT INTO cp_t_type(type, rpos, n) VALUES(new.type, new.rpos, 1)"
                                                                                                                                                                                                                                                                                                                           " ON CONFLICT(type, rpos) DO UPDATE SET n = n + 1;"
                                                                                                                                                                                                                                                                                                                           "DELETE FROM cp_t_type WHERE type = old.type AND rpos = old.rpos AND n = 0;" CP_MONTH_ADD("-1",
                                                                                                                                                                                                                                                                                                                                                                                                                     "old.rpos",
                                                                                                                                                                                                                                                                                                                                                                                                                     "x.entity = new.id") CP_MONTH_ADD("1", "new.rpos", "x.entity = new.id") CP_RECT_ADD("-1", "old.rpos", "r.entity = new.id") CP_RECT_ADD("1",
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                            "new.rpos", "r.entity = new.id") CP_PLEDGE_ADD("-1",
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                           "old.rpos",
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                           "p.entity = new.id") "INSERT OR IGNORE INTO cp_dirty(campaign, owner, side) SELECT campaign, owner, 0"
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                " FROM cp_member WHERE entity = new.id AND owner IS NOT NULL;"
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                "DELETE FROM cp_member WHERE entity = new.id;" CP_MEMBER_FILL(
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                    "e.id = new.id")
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                    CP_PLEDGE_ADD(
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                        "1",
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                        "new.rpos", "p.entity = new.id") "INSERT OR IGNORE INTO cp_dirty(campaign, owner, side) SELECT campaign, owner, 1"
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                         " FROM cp_member WHERE entity = new.id AND owner IS NOT NULL;"
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                         "DELETE FROM cp_dirty WHERE (campaign, owner) IN (SELECT campaign, owner FROM cp_dirty"
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                         " GROUP BY 1, 2 HAVING count(*) = 2);"
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                         "DELETE FROM cp_t_owner WHERE (campaign, owner) IN (SELECT campaign, owner FROM cp_dirty);" CP_OWNER_FILL("cp_dirty d JOIN cp_scope s ON s.campaign = d.campaign JOIN cp_member m"
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                   " ON m.campaign = d.campaign AND m.owner = d.owner") "DELETE FROM cp_dirty;" CP_DROP_ZEROS
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                        " END;"
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                        "CREATE TRIGGER cp_doc_insert AFTER INSERT ON doc WHEN new.key = 'campaigns' BEGIN " CP_REBUILD
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                        " END;"
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                        "CREATE TRIGGER cp_doc_update AFTER UPDATE ON doc WHEN new.key = 'campaigns'"
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                        " AND old.body IS NOT new.body BEGIN " CP_REBUILD
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                        " END;",
    /* 25: the records engine (store/reclog.h): where its log stands,
     * committed with the rollups of the records it holds */
    "INSERT OR IGNORE INTO counter VALUES('reclog_gen', 1);"
    "INSERT OR IGNORE INTO counter VALUES('reclog_end', 0);",
    /* 26: raw retention per metric (metrics.json "raw_days"): records older
     * than that many days are pruned from the records engine, rollups stay;
     * NULL keeps them forever */
    "ALTER TABLE metric ADD COLUMN raw_days INTEGER;",
    /* 27: how far the rollups hold the records log (deferred rollups,
     * store_writer.c): until now always as far as it was committed */
    "INSERT OR IGNORE INTO counter SELECT 'rollup_gen', n FROM counter WHERE key = 'reclog_gen';"
    "INSERT OR IGNORE INTO counter SELECT 'rollup_end', n FROM counter WHERE key = 'reclog_end';",
};

int sq_migrate(sqlite3 *db, struct zz_err *e) {
  sqlite3_stmt *st = NULL;
  int version = 0, rc;
  if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    version = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  int n = (int)ZZ_ARRAY_LEN(sq_migrations);
  if (version > n)
    return zz_fail(e, ZZ_ESTORE, "data",
                   "data directory is at schema %d, newer than this zhizhi (%d)", version, n);
  for (int i = version; i < n; i++) {
    char pragma[64];
    snprintf(pragma, sizeof pragma, "PRAGMA user_version=%d", i + 1);
    if ((rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL)) != SQLITE_OK ||
        (rc = sqlite3_exec(db, sq_migrations[i], NULL, NULL, NULL)) != SQLITE_OK ||
        (rc = sqlite3_exec(db, pragma, NULL, NULL, NULL)) != SQLITE_OK ||
        (rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK) {
      int r = sq_fail(db, rc, e, "migration");
      sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
      return r;
    }
    zz_info("store: applied migration %d", i + 1);
  }
  return 0;
}
