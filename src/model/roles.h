/* roles.h - who acts: the roles a user holds and the kind of actor behind a
 * change. Routes allow a set of roles (a bit set, so one route can name
 * several); the engines (workflow, applications, intake) are told who acts,
 * so that the public and the system never borrow a user's role. No
 * dependencies: the HTTP layer, accounts and the engines all include it. */
#ifndef ZZ_ROLES_H
#define ZZ_ROLES_H

/* A user's role, one bit each; a route's allowed roles OR them. */
enum {
  ROLE_ADMIN = 1,
  ROLE_DISPATCHER = 2,
  ROLE_OFFICER = 4,
  ROLE_VIEWER = 8,
  ROLE_PARK_MANAGER = 16,
  ROLE_ANY = 31
};

/* Who acts. Only a user holds a role; the others act with the rights the
 * engine gives their kind (the system: rule-made orders, the dispatch of a
 * complete application; the public: its own report and rating). Zero is a
 * user, so that an actor built without a kind has no more rights than its
 * role gives it. */
enum actor_kind {
  ACTOR_USER = 0,   /* a signed-in person: role, department, scope */
  ACTOR_SOURCE = 1, /* a source platform with its API token */
  ACTOR_PUBLIC = 2, /* a citizen or an enterprise: code scans, public forms, Open311 */
  ACTOR_SYSTEM = 3, /* the server itself: rules, timers, automatic dispatch */
};

#endif
