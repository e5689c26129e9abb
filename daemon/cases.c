/*
 * Casework endpoints (see cases.h).  A request that needs keys runs in up
 * to three steps: its queries through ssession_exec() on the loop, the
 * crypto (unwrap, decrypt, seal, re-wrap) on a worker with copies of the
 * session's queue keys, and, for writes, one more ssession_exec() with
 * the sealed result.  Plaintext (report content, notes, messages) exists
 * only in the job between the worker and the reply and is wiped with it.
 *
 * Layouts (docs/crypto.md §2.7, §7): notes are envelope items under the
 * case DEK with ctx "meldpunt-note" || case id; thread messages are items
 * under the thread key with ctx "meldpunt-thread" || case id; the stored
 * envelope's ciphertext column is dek_commit || content ciphertext.
 * A case with a case_keys row (every case since 0050, docs/crypto.md
 * §12) has an outer layer under its case key on the DEK wrap and the
 * thread-key wrap: the worker opens the case key with the epoch key file
 * it names and strips both layers first; a transfer layers the new wraps.
 * Transition reasons and referral texts are items under the case key
 * (daemon/casetext.c, 0051): written through casetext_write(), opened by
 * the worker of a case read, which replaces the "*_sealed" members.
 *
 * The case's crypto material (the row of cmat_case_sql, the unlayering
 * and unwrapping) is in casemat.c, shared with the attachment reads.
 *
 * Logs name the function and SQLSTATE only: never ids, text or keys.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "crypto/casekey.h"
#include "crypto/envelope.h"
#include "crypto/hpke.h"
#include "crypto/secret.h"
#include "crypto/staffcred.h"
#include "daemon/app.h"
#include "daemon/casemat.h"
#include "daemon/cases.h"
#include "daemon/casetext.h"
#include "daemon/clock.h"
#include "daemon/config.h"
#include "forms/forms.h"
#include "daemon/http.h"
#include "daemon/log.h"
#include "daemon/pool.h"
#include "daemon/rparse.h"
#include "daemon/sparse.h"
#include "daemon/squery.h"
#include "daemon/ssession.h"
#include "daemon/store.h"
#include "stats/labels.h"

#define NOTE_CTX	"meldpunt-note"
#define THREAD_CTX	"meldpunt-thread"
#define KID_HEX		(2 * STAFFCRED_KEYID_LEN + 1)

/* A message or note row. */
struct citem {
	long long		 i_id;
	char			 i_dir[16];
	char			 i_when[40];
	char			 i_author[STAFFCRED_USER_MAX + 1];
	char			 i_text_key[48];
	unsigned char		*i_body;
	size_t			 i_bodylen;
};

enum cop { OP_READ, OP_NOTE, OP_MESSAGE, OP_TRANSFER };

struct cjob {
	struct app		*j_app;
	struct http_request	*j_req;
	struct ssession		*j_s;
	enum cop		 j_op;
	char			 j_case[37];
	unsigned char		 j_case_id[16];
	char			*j_text;
	size_t			 j_textlen;
	struct cmat		 j_m;
	json_t			*j_meta;	/* OP_READ: the clear fields */
	struct citem		*j_msgs, *j_notes;
	size_t			 j_nmsgs, j_nnotes;
	/* worker output */
	int			 j_ok;
	json_t			*j_out;
	unsigned char		*j_sealed;
	size_t			 j_sealedlen;
	/* OP_TRANSFER */
	char			 j_target[64];
	int			 j_tq;
	char			 j_tkid[KID_HEX];
	unsigned char		 j_tpub[HPKE_MAX_PUB];
	size_t			 j_tpublen;
	unsigned char		 j_denc[HPKE_MAX_ENC];
	unsigned char		 j_dwrap[48 + CASEKEY_LAYER_OVERHEAD];
	size_t			 j_denclen, j_dwraplen;
	unsigned char		 j_tenc[HPKE_MAX_ENC];
	unsigned char		 j_twrap[48 + CASEKEY_LAYER_OVERHEAD];
	size_t			 j_tenclen, j_twraplen;
	/* worker: the case key, when the case has one and it opened */
	unsigned char		 j_ck[CASEKEY_LEN];
	int			 j_has_ck;
	/* OP_TRANSFER: a reason was given but there is no case key */
	int			 j_nock;
};

/*
 * Every time of day in a staff answer is RFC 3339 in UTC with a "Z"
 * (2026-12-01T09:30:00Z), whatever the database session's TimeZone;
 * dates stay full-dates (2026-12-01).
 */
#define RFC3339(x)	"to_char((" x ") AT TIME ZONE 'UTC', " \
	"'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

#define OVERDUE_EXPR(c) \
    "casework.clocks_overdue(" c ".state, " c ".first_contact_on, " \
    c ".ack_due, " c ".feedback_due, " c ".first_response_due, " \
    "$1::date, $2::timestamptz)"

/*
 * The open states, written exactly as the predicate of the partial index
 * cases_open (schema/0040_staff_read_performance.sql) so that the planner
 * can prove a query restricted to them may use it.
 */
#define OPEN_STATES "('new', 'acknowledged', 'in_progress')"

/*
 * True exactly when cardinality(OVERDUE_EXPR(c)) > 0 (NULL counts as
 * false), as comparisons on columns: counted over the open cases, this
 * is an index-only scan of cases_open, not a function call per case.
 */
#define OVERDUE_COND(c) \
    "(" c ".state IN " OPEN_STATES " AND (" c ".feedback_due < $1::date " \
    "OR (" c ".first_contact_on IS NULL AND (" c ".ack_due < $1::date " \
    "OR " c ".first_response_due < $2::timestamptz))))"

/* ------------------------------------------------------------ helpers */

static void
item_clear(struct citem *it, size_t n)
{
	size_t	i;

	for (i = 0; it != NULL && i < n; i++)
		free(it[i].i_body);
	free(it);
}

static void
cjob_free(struct cjob *j)
{
	if (j == NULL)
		return;
	if (j->j_text != NULL)
		OPENSSL_clear_free(j->j_text, j->j_textlen + 1);
	cmat_clear(&j->j_m);
	json_decref(j->j_meta);
	json_decref(j->j_out);
	item_clear(j->j_msgs, j->j_nmsgs);
	item_clear(j->j_notes, j->j_nnotes);
	free(j->j_sealed);
	if (j->j_s != NULL)
		ssession_unref(j->j_s);
	OPENSSL_cleanse(j, sizeof(*j));
	free(j);
}

static struct cjob *
cjob_new(struct http_request *req, void *arg, struct ssession *s,
    enum cop op)
{
	struct cjob	*j;

	if ((j = calloc(1, sizeof(*j))) == NULL) {
		http_reply_error(req, 503, "unavailable", "Out of memory.");
		return (NULL);
	}
	j->j_app = arg;
	j->j_req = req;
	j->j_s = s;
	j->j_op = op;
	ssession_ref(s);
	return (j);
}

static void
busy(struct http_request *req)
{
	http_reply_error(req, 503, "unavailable",
	    "The service is busy; try again shortly.");
}

/* A job ends with exactly one reply: these send it and free the job. */
static void
cjob_fail(struct cjob *j, int status, const char *code, const char *msg)
{
	http_reply_error(j->j_req, status, code, msg);
	cjob_free(j);
}

static void
cjob_busy(struct cjob *j)
{
	busy(j->j_req);
	cjob_free(j);
}

static void
cjob_store_error(struct cjob *j, int st, const char *sqlstate)
{
	ssession_reply_error(j->j_req, st, sqlstate);
	cjob_free(j);
}

/* ctx = label || case id (16 raw bytes) */
static size_t
item_ctx(const char *label, const unsigned char *case_id, unsigned char *ctx)
{
	size_t	l = strlen(label);

	memcpy(ctx, label, l);
	memcpy(ctx + l, case_id, 16);
	return (l + 16);
}

/* Decrypt an item into a JSON string; JSON null when it does not open. */
static json_t *
item_json(const unsigned char *key, const char *label,
    const unsigned char *case_id, const struct citem *it)
{
	unsigned char	 ctx[64];
	size_t		 ctxlen = item_ctx(label, case_id, ctx), ptlen;
	uint8_t		*pt = NULL;
	json_t		*v;

	if (key == NULL || it->i_body == NULL ||
	    envelope_item_open(key, ctx, ctxlen, it->i_body, it->i_bodylen,
	    &pt, &ptlen) == -1)
		return (json_null());
	v = json_stringn((const char *)pt, ptlen);
	OPENSSL_clear_free(pt, ptlen);
	return (v != NULL ? v : json_null());
}

/*
 * The session and the parsed body of a POST on a case (daemon/sparse.c);
 * -1 after the reply (401, 403, then 400, or 404 for a malformed case
 * id).  The caller releases b with sparse_body_clear(), which wipes it.
 */
static int
post_begin(struct http_request *req, enum sparse_kind kind,
    struct ssession **sp, struct sparse_body *b)
{
	const unsigned char	*data;
	size_t			 len;
	struct sparse_err	 e;

	if ((*sp = ssession_auth(req, SSESSION_CASEWORK)) == NULL)
		return (-1);
	data = http_req_body(req, &len);
	if (sparse_case_body(data, len, kind, b, &e) == -1) {
		ssession_reply_sparse(req, &e);
		return (-1);
	}
	return (0);
}

static int
case_id_ok(const char *id, unsigned char *raw)
{
	return (id != NULL && staffcred_uuid_parse(id, raw) == 0);
}

static void
bad_case(struct http_request *req)
{
	/* Not even well-formed: no such case. */
	http_reply_error(req, 404, "not_found", "No such case.");
}

/* -------------------------------------------------- simple JSON queries */

/*
 * One ssession_exec() whose answer is made from the first row: a JSON
 * document made by SQL (jq_*), or one value of a write on a case (cw_*).
 * The job holds a reference on the session until the reply.
 */
struct jq {
	struct http_request	*q_req;
	struct ssession		*q_s;
	const char		*q_member;	/* jq: {member: doc}; cw: the
						 * member next to "case" */
	int			 q_need_row;	/* jq: res[1] must have a row */
	int			 q_limit;	/* jq: list paging, 0 = none */
	char			 q_case[37];	/* cw */
	int			 q_status;	/* cw: the status on success */
};

static void
jq_free(struct jq *q)
{
	ssession_unref(q->q_s);
	free(q);
}

/* Run st for a copy of how in s; 503 when it cannot be queued. */
static void
jq_exec(struct http_request *req, struct ssession *s, const struct jq *how,
    const struct store_stmt *st, int n, ssession_exec_cb done)
{
	struct jq	*q;

	if ((q = malloc(sizeof(*q))) == NULL) {
		busy(req);
		return;
	}
	*q = *how;
	q->q_req = req;
	q->q_s = s;
	ssession_ref(s);
	if (ssession_exec(s, st, n, done, q) == -1) {
		jq_free(q);
		busy(req);
	}
}

static void
jq_done(int st, const char *sqlstate, PGresult **res, int n, void *arg)
{
	struct jq	*q = arg;
	json_t		*doc, *out, *last;
	json_error_t	 jerr;
	char		 cur[80];

	if (st != STORE_OK) {
		ssession_reply_error(q->q_req, st, sqlstate);
		goto done;
	}
	if (q->q_need_row && (n < 2 || PQntuples(res[1]) != 1)) {
		http_reply_error(q->q_req, 404, "not_found", "No such queue.");
		goto done;
	}
	if (PQntuples(res[0]) != 1 || (doc = json_loads(PQgetvalue(res[0], 0,
	    0), 0, &jerr)) == NULL) {
		http_reply_error(q->q_req, 500, "internal", "Internal error.");
		goto done;
	}
	out = json_pack("{s:o}", q->q_member, doc);
	if (q->q_limit > 0 && json_is_array(doc)) {
		/* One row more than asked was fetched: it says "there is
		 * a next page"; the cursor is the last row shown. */
		if ((int)json_array_size(doc) > q->q_limit) {
			json_array_remove(doc, json_array_size(doc) - 1);
			last = json_array_get(doc, json_array_size(doc) - 1);
			snprintf(cur, sizeof(cur), "%s.%s",
			    json_string_value(json_object_get(last,
			    "received_on")), json_string_value(
			    json_object_get(last, "id")));
			json_object_set_new(out, "next", json_string(cur));
		} else
			json_object_set_new(out, "next", json_null());
	}
	http_reply_json(q->q_req, 200, out);
 done:
	jq_free(q);
}

static void
jq_run(struct http_request *req, struct ssession *s, const char *member,
    const struct store_stmt *st, int n, int need_row, int limit)
{
	struct jq	 how;

	memset(&how, 0, sizeof(how));
	how.q_member = member;
	how.q_need_row = need_row;
	how.q_limit = limit;
	jq_exec(req, s, &how, st, n, jq_done);
}

/* A JSON list made by sql from the clock: $1 today, $2 now (the
 * parameters of OVERDUE_EXPR); the reply is {member: list}. */
static void
clock_query(struct http_request *req, const char *member, const char *sql)
{
	struct ssession		*s;
	struct store_stmt	 st;
	char			 today[11], now[32];
	const char		*p[2] = { today, now };

	if ((s = ssession_auth(req, SSESSION_CASEWORK)) == NULL)
		return;
	clock_today(today);
	clock_timestamp(now);
	memset(&st, 0, sizeof(st));
	st.st_sql = sql;
	st.st_nparams = 2;
	st.st_values = p;
	jq_run(req, s, member, &st, 1, 0, 0);
}

/*
 * The counts per state come from casework.queue_state_counts (kept by a
 * trigger, schema/0041_queue_state_counts.sql) under the same policy as
 * casework.cases, so a handler sees her own queues' counts only; the
 * overdue count from the deadline counters of 0071 under that policy too
 * (a total minus the counter rows of deadlines still ahead: no scan of
 * the queue's open cases).
 */
void
cases_queues(struct http_request *req, void *arg)
{
	(void)arg;
	clock_query(req, "queues", "SELECT coalesce(json_agg(json_build_object("
	    "'name', q.name, 'category', q.category, "
	    "'urgent', q.first_response_interval IS NOT NULL, "
	    "'counts', coalesce((SELECT json_object_agg(k.state, k.n "
	    "ORDER BY k.state) FROM casework.queue_state_counts k "
	    "WHERE k.queue_id = q.id AND k.n > 0), '{}'::json), "
	    "'overdue', casework.deadline_overdue(q.id, 'any', $1::date, "
	    "$2::timestamptz)) "
	    "ORDER BY q.name), '[]'::json)::text "
	    "FROM casework.queues q WHERE q.id = "
	    "ANY (casework.session_queues())");
}

void
cases_list(struct http_request *req, void *arg)
{
	struct ssession		*s;
	struct store_stmt	 st[2];
	struct sparse_list	 l;
	struct sparse_err	 e;
	char			 today[11], now[32], limp1[16];
	const char		*p[12];

	(void)arg;
	if ((s = ssession_auth(req, SSESSION_CASEWORK)) == NULL)
		return;
	/* Every filter is checked in C: no malformed value reaches
	 * PostgreSQL, whose log would repeat it. */
	if (sparse_case_list(http_req_query(req), &l, &e) == -1) {
		ssession_reply_sparse(req, &e);
		return;
	}
	clock_today(today);
	clock_timestamp(now);
	snprintf(limp1, sizeof(limp1), "%d", l.ls_limit + 1);
	p[0] = today;
	p[1] = now;
	p[2] = l.ls_queue;
	p[3] = l.ls_state;
	p[4] = l.ls_prio;
	p[5] = l.ls_from;
	p[6] = l.ls_to;
	p[7] = l.ls_overdue;
	p[8] = l.ls_after ? l.ls_adate : NULL;
	p[9] = l.ls_after ? l.ls_aid : NULL;
	p[10] = limp1;
	p[11] = l.ls_subtype;
	memset(st, 0, sizeof(st));
	st[0].st_sql = "SELECT coalesce(json_agg(json_build_object("
	    "'id', x.id, 'case_number', x.case_number, "
	    "'state', x.state, 'priority', x.priority, "
	    "'category', x.category, 'subtype', x.subtype, "
	    "'urgent', x.urgent, 'received_on', x.received_on, "
	    "'ack_due', x.ack_due, 'feedback_due', x.feedback_due, "
	    "'first_response_due', " RFC3339("x.first_response_due") ", "
	    "'first_contact_on', x.first_contact_on, "
	    "'assigned_to', (SELECT u.username FROM casework.users u "
	    "WHERE u.id = x.assigned_to), 'contact_given', x.contact_given, "
	    "'overdue', x.od) ORDER BY x.received_on DESC, x.id DESC), "
	    "'[]'::json)::text FROM (SELECT * FROM (SELECT c.*, "
	    OVERDUE_EXPR("c") " AS od FROM casework.cases c "
	    /* The queue id as a value and the cursor as a row comparison
	     * (no cursor: past every row) make both bounds of an index scan
	     * of cases_queue_recent in the order asked for; a page reads
	     * about limit + 1 entries whatever its depth.  The optional
	     * filters are folded away when absent (custom plans). */
	    "WHERE c.queue_id = (SELECT q.id FROM casework.queues q "
	    "WHERE q.name = $3) "
	    "AND (c.received_on, c.id) < (coalesce($9::date, 'infinity'), "
	    "coalesce($10::uuid, 'ffffffff-ffff-ffff-ffff-ffffffffffff')) "
	    "AND ($4::text IS NULL OR c.state = $4) "
	    "AND ($5::smallint IS NULL OR c.priority = $5) "
	    "AND ($6::date IS NULL OR c.received_on >= $6) "
	    "AND ($7::date IS NULL OR c.received_on <= $7) "
	    "AND ($12::text IS NULL OR c.subtype = $12)) y "
	    "WHERE $8::boolean IS NULL OR (cardinality(y.od) > 0) = $8 "
	    "ORDER BY y.received_on DESC, y.id DESC LIMIT $11::integer) x";
	st[0].st_nparams = 12;
	st[0].st_values = p;
	/* A queue the caller does not belong to does not exist for them. */
	st[1].st_sql = "SELECT 1 FROM casework.queues q WHERE q.name = $1 "
	    "AND q.id = ANY (casework.session_queues())";
	st[1].st_nparams = 1;
	st[1].st_values = p + 2;
	jq_run(req, s, "cases", st, 2, 1, l.ls_limit);
}

void
cases_overdue(struct http_request *req, void *arg)
{
	(void)arg;
	clock_query(req, "cases", "SELECT coalesce(json_agg(json_build_object("
	    "'id', x.id, 'queue', x.qname, 'state', x.state, "
	    "'priority', x.priority, 'urgent', x.urgent, "
	    "'received_on', x.received_on, 'ack_due', x.ack_due, "
	    "'feedback_due', x.feedback_due, "
	    "'first_response_due', " RFC3339("x.first_response_due") ", "
	    "'overdue', x.od) "
	    "ORDER BY x.received_on, x.id), '[]'::json)::text "
	    "FROM (SELECT c.*, q.name AS qname, " OVERDUE_EXPR("c") " AS od "
	    "FROM casework.cases c JOIN casework.queues q "
	    "ON q.id = c.queue_id WHERE " OVERDUE_COND("c") ") x");
}

/* -------------------------------------------------- simple case writes */

/* One function call on a case; the reply is {case, <member>: value}. */
static void
cw_done(int st, const char *sqlstate, PGresult **res, int n, void *arg)
{
	struct jq	*w = arg;
	const char	*v;

	(void)n;
	if (st != STORE_OK)
		ssession_reply_error(w->q_req, st, sqlstate);
	else {
		v = PQgetisnull(res[0], 0, 0) ? NULL : PQgetvalue(res[0], 0, 0);
		http_reply_json(w->q_req, w->q_status, json_pack("{s:s,s:s?}",
		    "case", w->q_case, w->q_member, v));
	}
	jq_free(w);
}

/* sql with p[0] the case id (checked here: malformed is 404) and n
 * parameters in all. */
static void
cw_run(struct http_request *req, struct ssession *s, const char *case_id,
    const char *member, int status, const char *sql, const char **p, int n)
{
	struct store_stmt	 st;
	struct jq		 how;
	unsigned char		 raw[16];

	if (!case_id_ok(case_id, raw)) {
		bad_case(req);
		return;
	}
	memset(&how, 0, sizeof(how));
	how.q_member = member;
	how.q_status = status;
	snprintf(how.q_case, sizeof(how.q_case), "%s", case_id);
	memset(&st, 0, sizeof(st));
	st.st_sql = sql;
	st.st_nparams = n;
	st.st_values = p;
	jq_exec(req, s, &how, &st, 1, cw_done);
}

static void
assign(struct http_request *req, int claim)
{
	struct ssession		*s;
	struct sparse_body	 b;
	const char		*p[1];

	if (post_begin(req, SPARSE_CASE, &s, &b) == -1)
		return;
	p[0] = b.sb_case;
	cw_run(req, s, b.sb_case, "assigned_to", 200, claim ?
	    "SELECT (SELECT u.username FROM casework.users u "
	    "WHERE u.id = casework.session_user_id()) FROM (SELECT "
	    "casework.case_assign($1::uuid, true)) x" :
	    "SELECT NULL::text FROM (SELECT "
	    "casework.case_assign($1::uuid, false)) x", p, 1);
	sparse_body_clear(&b);
}

void
cases_claim(struct http_request *req, void *arg)
{
	(void)arg;
	assign(req, 1);
}

void
cases_release(struct http_request *req, void *arg)
{
	(void)arg;
	assign(req, 0);
}

/*
 * cw_run() for a statement whose labelled parameters are sealed under the
 * case key first (daemon/casetext.c); the reply is the same.
 */
static void
cw_sealed(struct http_request *req, void *arg, struct ssession *s,
    const char *member, int status, const char *sql, const char **p, int n,
    const char *const *labels)
{
	struct jq	*q;
	unsigned char	 raw[16];

	if (!case_id_ok(p[0], raw)) {
		bad_case(req);
		return;
	}
	if ((q = calloc(1, sizeof(*q))) == NULL) {
		busy(req);
		return;
	}
	q->q_req = req;
	q->q_s = s;
	ssession_ref(s);
	q->q_member = member;
	q->q_status = status;
	snprintf(q->q_case, sizeof(q->q_case), "%s", p[0]);
	if (casetext_write(arg, s, sql, n, p, labels, cw_done, q) == -1) {
		jq_free(q);
		busy(req);
	}
}

void
cases_transition(struct http_request *req, void *arg)
{
	static const char *const labels[] = { NULL, NULL, CASETEXT_L_REASON };
	struct ssession		*s;
	struct sparse_body	 b;
	const char		*p[3];

	if (post_begin(req, SPARSE_TRANSITION, &s, &b) == -1)
		return;
	p[0] = b.sb_case;
	p[1] = b.sb_to;
	p[2] = b.sb_reason;
	cw_sealed(req, arg, s, "state", 200, "SELECT casework."
	    "case_transition($1::uuid, $2, $3::bytea)", p, 3, labels);
	sparse_body_clear(&b);
}

/*
 * A referral: the organisation's name (free text) and, optionally, its
 * enumerated type (stats/labels.c, casework.organisation_types), which is
 * what the yearly figures count (schema/0082_annual_counters.sql).
 */
void
cases_referral(struct http_request *req, void *arg)
{
	static const char *const labels[] = { NULL, CASETEXT_L_ORG, NULL,
	    CASETEXT_L_REF, NULL };
	struct ssession		*s;
	struct sparse_body	 b;
	const char		*p[5];

	if (post_begin(req, SPARSE_REFERRAL, &s, &b) == -1)
		return;
	p[0] = b.sb_case;
	p[1] = b.sb_org;
	p[2] = b.sb_on;
	p[3] = b.sb_ref;
	p[4] = b.sb_type;
	if (b.sb_type == NULL)
		cw_sealed(req, arg, s, "referral", 201, "SELECT "
		    "casework.referral_add($1::uuid, $2::bytea, "
		    "$3::date, $4::bytea)", p, 4, labels);
	else
		cw_sealed(req, arg, s, "referral", 201, "SELECT "
		    "casework.referral_classify(casework.referral_add("
		    "$1::uuid, $2::bytea, $3::date, $4::bytea), $5)", p,
		    5, labels);
	sparse_body_clear(&b);
}

/* -------------------------------------------------- jobs with keys */

static void cjob_work(void *);
static void cjob_work_done(void *);

static void
cjob_submit(struct cjob *j)
{
	if (pool_submit(j->j_app->a_pool, cjob_work, cjob_work_done, j) ==
	    -1)
		cjob_busy(j);
}

/* The job of a request on case id; NULL after the reply (503, or 404
 * for a malformed id). */
static struct cjob *
cjob_for_case(struct http_request *req, void *arg, struct ssession *s,
    enum cop op, const char *id)
{
	struct cjob	*j;

	if ((j = cjob_new(req, arg, s, op)) == NULL)
		return (NULL);
	if (!case_id_ok(id, j->j_case_id)) {
		bad_case(req);
		cjob_free(j);
		return (NULL);
	}
	snprintf(j->j_case, sizeof(j->j_case), "%s", id);
	return (j);
}

/* case_sql for the job's case; p (one element) must outlive st. */
static void
case_stmt(struct store_stmt *st, const char **p, const struct cjob *j)
{
	p[0] = j->j_case;
	st->st_sql = cmat_case_sql;
	st->st_nparams = 1;
	st->st_values = p;
}

static int
items_load(const PGresult *r, struct citem **out, size_t *n)
{
	int	i, rows = PQntuples(r);

	*n = 0;
	if (rows == 0)
		return (0);
	if ((*out = calloc((size_t)rows, sizeof(**out))) == NULL)
		return (-1);
	/* Columns: id/seq, direction, when, author, text_key, body. */
	for (i = 0; i < rows; i++) {
		struct citem *it = &(*out)[i];

		it->i_id = strtoll(PQgetvalue(r, i, 0), NULL, 10);
		snprintf(it->i_dir, sizeof(it->i_dir), "%s",
		    PQgetvalue(r, i, 1));
		snprintf(it->i_when, sizeof(it->i_when), "%s",
		    PQgetvalue(r, i, 2));
		snprintf(it->i_author, sizeof(it->i_author), "%s",
		    PQgetvalue(r, i, 3));
		snprintf(it->i_text_key, sizeof(it->i_text_key), "%s",
		    PQgetvalue(r, i, 4));
		it->i_body = store_bytea_dup(r, i, 5, &it->i_bodylen);
	}
	*n = (size_t)rows;
	return (0);
}

static void
read_loaded(int st, const char *sqlstate, PGresult **res, int n, void *arg)
{
	struct cjob	*j = arg;
	json_error_t	 jerr;

	(void)n;
	if (st != STORE_OK)
		cjob_store_error(j, st, sqlstate);
	else if (cmat_load(&j->j_m, res[0], j->j_s) == -1 ||
	    PQntuples(res[1]) != 1)
		cjob_fail(j, 404, "not_found", "No such case.");
	else if ((j->j_meta = json_loads(PQgetvalue(res[1], 0, 0), 0,
	    &jerr)) == NULL || items_load(res[2], &j->j_msgs,
	    &j->j_nmsgs) == -1 || items_load(res[3], &j->j_notes,
	    &j->j_nnotes) == -1)
		cjob_busy(j);
	else
		cjob_submit(j);
}

void
cases_read(struct http_request *req, void *arg)
{
	struct ssession		*s;
	struct cjob		*j;
	struct store_stmt	 st[5];
	char			 id[40], today[11], now[32];
	const char		*p1[1], *p3[3];
	static const char *const names[] = { "id", NULL };

	if ((s = ssession_auth(req, SSESSION_CASEWORK)) == NULL)
		return;
	if (squery_check(http_req_query(req), names) == -1 ||
	    squery_get(http_req_query(req), "id", id, sizeof(id)) != 1) {
		http_reply_error(req, 400, "bad_request", "Expected ?id=CASE.");
		return;
	}
	if ((j = cjob_for_case(req, arg, s, OP_READ, id)) == NULL)
		return;
	clock_today(today);
	clock_timestamp(now);
	p3[0] = today;
	p3[1] = now;
	p3[2] = j->j_case;
	memset(st, 0, sizeof(st));
	case_stmt(&st[0], p1, j);
	st[1].st_sql = "SELECT json_build_object('id', c.id, "
	    "'case_number', c.case_number, 'queue', q.name, 'category', c.category, 'subtype', c.subtype, "
	    "'province', c.province, 'ground', c.ground, 'sector', c.sector, "
	    "'outcome', c.outcome, 'state', c.state, "
	    "'priority', c.priority, 'urgent', c.urgent, "
	    "'immediate_danger', c.immediate_danger, "
	    "'travel_soon', c.travel_soon, 'contact_given', c.contact_given, "
	    /* 0250: consent that the urgent team may read the contact. */
	    "'contact_consent', EXISTS (SELECT 1 FROM casework.urgent_contacts "
	    "uc WHERE uc.case_id = c.id), "
	    "'assigned_to', (SELECT u.username FROM casework.users u "
	    "WHERE u.id = c.assigned_to), "
	    "'allowed_transitions', (SELECT coalesce(json_agg(t.to_state "
	    "ORDER BY t.to_state), '[]'::json) FROM "
	    "casework.state_transitions t WHERE t.from_state = c.state), "
	    "'clocks', json_build_object('received_on', c.received_on, "
	    "'ack_due', c.ack_due, 'acknowledged_on', c.acknowledged_on, "
	    "'first_contact_on', c.first_contact_on, "
	    "'feedback_due', c.feedback_due, "
	    "'first_response_due', " RFC3339("c.first_response_due") ", "
	    "'closed_on', c.closed_on, 'overdue', " OVERDUE_EXPR("c") "), "
	    "'transitions', (SELECT coalesce(json_agg(json_build_object("
	    "'from', t.from_state, 'to', t.to_state, 'reason', t.reason, "
	    "'reason_sealed', encode(t.reason_sealed, 'hex'), "
	    "'by', (SELECT u.username FROM casework.users u "
	    "WHERE u.id = t.by_user), 'at', " RFC3339("t.at") ") "
	    "ORDER BY t.id), "
	    "'[]'::json) FROM casework.transitions t WHERE t.case_id = c.id), "
	    "'referrals', (SELECT coalesce(json_agg(json_build_object("
	    "'organisation', r.organisation, 'referred_on', r.referred_on, "
	    "'organisation_sealed', encode(r.organisation_sealed, 'hex'), "
	    "'reference_sealed', encode(r.reference_sealed, 'hex'), "
	    "'reference', r.reference, 'organisation_type', r.org_type) "
	    "ORDER BY r.id), '[]'::json) "
	    "FROM casework.referrals r WHERE r.case_id = c.id), "
	    "'transfers', (SELECT coalesce(json_agg(json_build_object("
	    "'from', (SELECT f.name FROM casework.queues f "
	    "WHERE f.id = x.from_queue), "
	    "'to', (SELECT f.name FROM casework.queues f "
	    "WHERE f.id = x.to_queue), "
	    "'by', (SELECT u.username FROM casework.users u "
	    "WHERE u.id = x.by_user), "
	    "'assigned_before', (SELECT u.username FROM casework.users u "
	    "WHERE u.id = x.assigned_before), "
	    "'at', " RFC3339("x.at") ", "
	    "'reason_sealed', encode(x.reason_sealed, 'hex')) ORDER BY x.id), "
	    "'[]'::json) FROM casework.transfers x WHERE x.case_id = c.id), "
	    "'history', (SELECT coalesce(json_agg(json_build_object("
	    "'at', " RFC3339("h.at") ", 'by', h.actor, 'action', h.action, "
	    "'details', h.details) ORDER BY h.n), '[]'::json) "
	    "FROM casework.case_history(c.id) h))::text "
	    "FROM casework.cases c JOIN casework.queues q "
	    "ON q.id = c.queue_id WHERE c.id = $3::uuid";
	st[1].st_nparams = 3;
	st[1].st_values = p3;
	st[2].st_sql = "SELECT m.seq, m.direction, m.sent_on, coalesce("
	    "(SELECT u.username FROM casework.users u WHERE u.id = "
	    "m.author_id), ''), coalesce(m.text_key, ''), m.body "
	    "FROM casework.messages m WHERE m.case_id = $1::uuid "
	    "ORDER BY m.seq";
	st[2].st_nparams = 1;
	st[2].st_values = p1;
	st[3].st_sql = "SELECT n.id, 'note', " RFC3339("n.created_at") ", "
	    "coalesce("
	    "(SELECT u.username FROM casework.users u WHERE u.id = "
	    "n.author_id), ''), '', n.body FROM casework.notes n "
	    "WHERE n.case_id = $1::uuid ORDER BY n.id";
	st[3].st_nparams = 1;
	st[3].st_values = p1;
	/* Every read is audited, in the transaction that reads; a case the
	 * caller cannot see is neither read nor audited. */
	st[4].st_sql = "SELECT audit.staff_event('case.read', 'case:' || "
	    "c.id, '{}') FROM casework.cases c WHERE c.id = $1::uuid";
	st[4].st_nparams = 1;
	st[4].st_values = p1;
	if (ssession_exec(s, st, 5, read_loaded, j) == -1)
		cjob_busy(j);
}

/*
 * Worker, OP_READ: replace member `sealed` (hex of an item under the
 * case key, or null) of every object of array `arr` in meta by `clear`.
 * Rows from before 0051 keep their clear text and have no sealed member.
 */
static void
open_sealed(struct cjob *j, const char *arr, const char *sealed,
    const char *clear, const char *label)
{
	json_t		*a = json_object_get(j->j_meta, arr), *o;
	unsigned char	*item;
	size_t		 i, len;

	json_array_foreach(a, i, o) {
		if ((item = casetext_hex(json_object_get(o, sealed), &len)) !=
		    NULL) {
			json_object_set_new(o, clear, casetext_open(j->j_has_ck ?
			    j->j_ck : NULL, label, j->j_case_id, item, len));
			free(item);
		}
		json_object_del(o, sealed);
	}
}

/*
 * Worker, OP_READ: the history's identity decisions carry their sealed
 * reason in details (schema 0254); open it as details.reason.
 */
static void
open_history(struct cjob *j)
{
	json_t		*a = json_object_get(j->j_meta, "history"), *o, *d;
	unsigned char	*item;
	size_t		 i, len;

	json_array_foreach(a, i, o) {
		d = json_object_get(o, "details");
		if ((item = casetext_hex(json_object_get(d, "reason_sealed"),
		    &len)) == NULL)
			continue;
		json_object_set_new(d, "reason", casetext_open(j->j_has_ck ?
		    j->j_ck : NULL, CASETEXT_L_DECISION, j->j_case_id, item,
		    len));
		json_object_del(d, "reason_sealed");
		free(item);
	}
}

/* Worker, OP_READ: build the whole answer. */
static void
work_read(struct cjob *j)
{
	struct envelope	*env = NULL;
	unsigned char	 dek[ENVELOPE_DEK_LEN], tk[32];
	int		 have_dek, have_tk;
	uint8_t		*pt = NULL;
	size_t		 ptlen = 0, i;
	json_t		*content = NULL, *msgs, *notes, *o;
	int		 opened = 0;
	const char	*lang;

	have_dek = cmat_dek(&j->j_m, &env, dek) == 0;
	have_tk = cmat_thread_key(&j->j_m, j->j_case_id, tk) == 0;
	if (have_dek && envelope_decrypt(env, dek, &pt, &ptlen) == 0) {
		/* Reporter-controlled bytes: parsed by rparse.c (fuzzed).
		 * Opened but no value: the bytes are not UTF-8. */
		opened = 1;
		content = rparse_content(pt, ptlen);
		OPENSSL_clear_free(pt, ptlen);
	}
	msgs = json_array();
	for (i = 0; i < j->j_nmsgs; i++) {
		struct citem *it = &j->j_msgs[i];

		o = json_pack("{s:I,s:s,s:s,s:s?}", "seq",
		    (json_int_t)it->i_id, "direction", it->i_dir, "sent_on",
		    it->i_when, "author", it->i_author[0] ? it->i_author : NULL);
		if (it->i_text_key[0] != '\0')
			json_object_set_new(o, "text_key",
			    json_string(it->i_text_key));
		else
			json_object_set_new(o, "text", item_json(have_tk ? tk :
			    NULL, THREAD_CTX, j->j_case_id, it));
		json_array_append_new(msgs, o);
	}
	notes = json_array();
	for (i = 0; i < j->j_nnotes; i++) {
		struct citem *it = &j->j_notes[i];

		json_array_append_new(notes, json_pack("{s:I,s:s,s:s,s:o}",
		    "id", (json_int_t)it->i_id, "author", it->i_author,
		    "created_at", it->i_when, "text", item_json(have_dek ?
		    dek : NULL, NOTE_CTX, j->j_case_id, it)));
	}
	open_sealed(j, "transitions", "reason_sealed", "reason",
	    CASETEXT_L_REASON);
	open_sealed(j, "referrals", "organisation_sealed", "organisation",
	    CASETEXT_L_ORG);
	open_sealed(j, "referrals", "reference_sealed", "reference",
	    CASETEXT_L_REF);
	open_sealed(j, "transfers", "reason_sealed", "reason",
	    CASETEXT_L_XFER);
	open_history(j);
	j->j_out = json_deep_copy(j->j_meta);
	/* Sealed by the page, so known only here, after opening. */
	if ((lang = rparse_content_lang(content)) != NULL)
		json_object_set_new(j->j_out, "lang", json_string(lang));
	json_object_set_new(j->j_out, "content", content != NULL ? content :
	    json_null());
	if (content == NULL) {
		/* Still 200: the clear fields, thread and notes are useful
		 * without the content.  No id in the log line.  A sealed
		 * text that opens but is not UTF-8 (docs/crypto.md §2.2: it
		 * MUST be) is the client's encoding fault, not a key
		 * problem: said apart, so nobody hunts for a key. */
		if (opened)
			log_warnx("%s: case content is not valid UTF-8",
			    __func__);
		else
			log_warnx("%s: case content could not be decrypted",
			    __func__);
		json_object_set_new(j->j_out, "content_error",
		    json_string(opened ? "not_utf8" : "undecryptable"));
	}
	json_object_set_new(j->j_out, "messages", msgs);
	json_object_set_new(j->j_out, "notes", notes);
	j->j_ok = 1;
	OPENSSL_cleanse(dek, sizeof(dek));
	OPENSSL_cleanse(tk, sizeof(tk));
	envelope_free(env);
}

static void
work_seal(struct cjob *j)
{
	struct envelope	*env = NULL;
	unsigned char	 key[32], ctx[64];
	size_t		 ctxlen;
	int		 ok;

	if (j->j_op == OP_NOTE) {
		ok = cmat_dek(&j->j_m, &env, key) == 0;
		ctxlen = item_ctx(NOTE_CTX, j->j_case_id, ctx);
	} else {
		ok = cmat_thread_key(&j->j_m, j->j_case_id, key) == 0;
		ctxlen = item_ctx(THREAD_CTX, j->j_case_id, ctx);
	}
	if (ok && envelope_item_seal(key, ctx, ctxlen,
	    (const uint8_t *)j->j_text, j->j_textlen, &j->j_sealed,
	    &j->j_sealedlen) == 0)
		j->j_ok = 1;
	OPENSSL_cleanse(key, sizeof(key));
	envelope_free(env);
}

/* Worker: add the case-key layer for the target key to a 48-byte wrap. */
static int
work_layer(struct cjob *j, const char *prefix, unsigned char *buf,
    size_t *len)
{
	unsigned char	 in[48];
	char		 label[CASEKEY_LABEL_MAX + 1];
	int		 rc;

	if (*len != sizeof(in))
		return (-1);
	memcpy(in, buf, sizeof(in));
	snprintf(label, sizeof(label), "%s%s", prefix, j->j_tkid);
	rc = casekey_layer_seal(j->j_ck, j->j_case_id, label, in, sizeof(in),
	    buf);
	*len = sizeof(in) + CASEKEY_LAYER_OVERHEAD;
	return (rc);
}

/* Worker, OP_TRANSFER: DEK and thread key re-wrapped to the target. */
static void
work_transfer(struct cjob *j)
{
	struct envelope			*env = NULL;
	struct hpke_key			*sk = NULL, *pk = NULL;
	struct envelope_recipient	 to;
	const struct envelope_wrap	*w;
	unsigned char			 dek[ENVELOPE_DEK_LEN], tk[32];
	unsigned char			 kid[STAFFCRED_KEYID_LEN];
	int				 i;

	if (cmat_dek(&j->j_m, &env, dek) == -1 ||
	    cmat_thread_key(&j->j_m, j->j_case_id, tk) == -1 ||
	    staffcred_key_id_parse(j->j_tkid, to.r_key_id) == -1 ||
	    (pk = hpke_key_from_public(HPKE_KEM_P256_SHA256, j->j_tpub,
	    j->j_tpublen)) == NULL ||
	    (sk = cmat_key_of(j->j_m.m_qkey)) == NULL)
		goto done;
	to.r_key = pk;
	if (staffcred_key_id_parse(j->j_m.m_wkid, kid) == -1 ||
	    envelope_rewrap(env, kid, sk, &to) == -1 ||
	    (i = envelope_find_wrap(env, to.r_key_id)) == -1 ||
	    (w = envelope_wrap_at(env, (size_t)i)) == NULL)
		goto done;
	memcpy(j->j_denc, w->w_enc, w->w_enclen);
	j->j_denclen = w->w_enclen;
	memcpy(j->j_dwrap, w->w_dek, sizeof(w->w_dek));
	j->j_dwraplen = sizeof(w->w_dek);
	if (staffcred_wrap_thread_key(pk, to.r_key_id, j->j_case_id, tk,
	    j->j_tenc, &j->j_tenclen, j->j_twrap) == -1)
		goto done;
	j->j_twraplen = 48;
	if (j->j_has_ck && (work_layer(j, CASEKEY_L_DEK, j->j_dwrap,
	    &j->j_dwraplen) == -1 || work_layer(j, CASEKEY_L_TK, j->j_twrap,
	    &j->j_twraplen) == -1))
		goto done;
	/* The reason: staff free text under the case key (schema 0252). */
	if (j->j_text != NULL) {
		unsigned char	ctx[CASETEXT_LABEL_MAX + 16];

		if (!j->j_has_ck) {
			j->j_nock = 1;
			goto done;
		}
		if (envelope_item_seal(j->j_ck, ctx, casetext_ctx(
		    CASETEXT_L_XFER, j->j_case_id, ctx),
		    (const uint8_t *)j->j_text, j->j_textlen, &j->j_sealed,
		    &j->j_sealedlen) == -1)
			goto done;
	}
	j->j_ok = 1;
 done:
	OPENSSL_cleanse(dek, sizeof(dek));
	OPENSSL_cleanse(tk, sizeof(tk));
	hpke_key_free(sk);
	hpke_key_free(pk);
	envelope_free(env);
}

static void
cjob_work(void *arg)
{
	struct cjob	*j = arg;

	cmat_unlayer(&j->j_m, j->j_case_id, j->j_app->a_conf->c_epoch_key_dir,
	    j->j_ck, &j->j_has_ck);
	switch (j->j_op) {
	case OP_READ:
		work_read(j);
		break;
	case OP_NOTE:
	case OP_MESSAGE:
		work_seal(j);
		break;
	case OP_TRANSFER:
		work_transfer(j);
		break;
	}
	OPENSSL_cleanse(j->j_ck, sizeof(j->j_ck));
	/* The plaintext input is sealed now; drop it early. */
	if (j->j_text != NULL) {
		OPENSSL_clear_free(j->j_text, j->j_textlen + 1);
		j->j_text = NULL;
	}
}

static void
written(int st, const char *sqlstate, PGresult **res, int n, void *arg)
{
	struct cjob	*j = arg;
	const char	*member;

	(void)n;
	if (st != STORE_OK)
		ssession_reply_error(j->j_req, st, sqlstate);
	else if (j->j_op == OP_TRANSFER)
		http_reply_json(j->j_req, 200, json_pack("{s:s,s:s}", "case",
		    j->j_case, "queue", j->j_target));
	else {
		member = j->j_op == OP_NOTE ? "note" : "seq";
		http_reply_json(j->j_req, 201, json_pack("{s:s,s:I}", "case",
		    j->j_case, member, (json_int_t)strtoll(PQgetvalue(res[0],
		    0, 0), NULL, 10)));
	}
	cjob_free(j);
}

static void
cjob_work_done(void *arg)
{
	struct cjob		*j = arg;
	struct store_stmt	 st;
	const char		*p[8];
	int			 lens[8] = { 0 }, fmts[8] = { 0 };
	char			 tq[16];

	if (j->j_nock) {
		cjob_fail(j, 409, "no_case_key", "This case's key is not "
		    "available, so the reason cannot be sealed; nothing was "
		    "changed.");
		return;
	}
	if (!j->j_ok) {
		/* The session holds no key for this case (or it is damaged). */
		cjob_fail(j, 409, "no_key", "This session holds no key that "
		    "opens this case; log in again.");
		return;
	}
	if (j->j_op == OP_READ) {
		http_reply_json(j->j_req, 200, j->j_out);
		j->j_out = NULL;
		cjob_free(j);
		return;
	}
	memset(&st, 0, sizeof(st));
	p[0] = j->j_case;
	if (j->j_op == OP_TRANSFER) {
		snprintf(tq, sizeof(tq), "%d", j->j_tq);
		p[1] = tq;
		p[2] = j->j_tkid;
		p[3] = (const char *)j->j_denc;
		lens[3] = (int)j->j_denclen;
		p[4] = (const char *)j->j_dwrap;
		lens[4] = (int)j->j_dwraplen;
		p[5] = (const char *)j->j_tenc;
		lens[5] = (int)j->j_tenclen;
		p[6] = (const char *)j->j_twrap;
		lens[6] = (int)j->j_twraplen;
		p[7] = (const char *)j->j_sealed;	/* NULL: no reason */
		lens[7] = (int)j->j_sealedlen;
		fmts[3] = fmts[4] = fmts[5] = fmts[6] = fmts[7] = 1;
		st.st_sql = "SELECT casework.case_transfer($1::uuid, "
		    "$2::integer, $3, $4, $5, $6, $7, $8::bytea)";
		st.st_nparams = 8;
	} else {
		p[1] = (const char *)j->j_sealed;
		lens[1] = (int)j->j_sealedlen;
		fmts[1] = 1;
		st.st_sql = j->j_op == OP_NOTE ?
		    "SELECT casework.note_add($1::uuid, $2)" :
		    "SELECT casework.message_send($1::uuid, $2)";
		st.st_nparams = 2;
	}
	st.st_values = p;
	st.st_lengths = lens;
	st.st_formats = fmts;
	if (ssession_exec(j->j_s, &st, 1, written, j) == -1)
		cjob_busy(j);
}

static void
keys_loaded(int st, const char *sqlstate, PGresult **res, int n, void *arg)
{
	struct cjob	*j = arg;
	PGresult	*t;
	size_t		 len;
	unsigned char	*pub;

	if (st != STORE_OK) {
		cjob_store_error(j, st, sqlstate);
		return;
	}
	if (cmat_load(&j->j_m, res[0], j->j_s) == -1) {
		cjob_fail(j, 404, "not_found", "No such case.");
		return;
	}
	if (j->j_op == OP_TRANSFER) {
		t = res[1];
		if (n < 2 || PQntuples(t) != 1) {
			cjob_fail(j, 404, "not_found",
			    "No such target queue, or it has no key.");
			return;
		}
		if (strcmp(PQgetvalue(t, 0, 3), "t") == 0) {
			cjob_fail(j, 409, "same_queue",
			    "The case is in that queue already.");
			return;
		}
		j->j_tq = atoi(PQgetvalue(t, 0, 0));
		snprintf(j->j_tkid, sizeof(j->j_tkid), "%s",
		    PQgetvalue(t, 0, 1));
		if ((pub = store_bytea_dup(t, 0, 2, &len)) == NULL ||
		    len > sizeof(j->j_tpub)) {
			free(pub);
			cjob_busy(j);
			return;
		}
		memcpy(j->j_tpub, pub, len);
		j->j_tpublen = len;
		free(pub);
	}
	cjob_submit(j);
}

/* Notes, messages and transfers: load the keys, then the worker. */
static void
keyed_write(struct http_request *req, void *arg, enum cop op)
{
	struct ssession		*s;
	struct cjob		*j;
	struct store_stmt	 st[2];
	struct sparse_body	 b;
	const char		*p1[1], *p2[2];

	if (post_begin(req, op == OP_TRANSFER ? SPARSE_TRANSFER : SPARSE_NOTE,
	    &s, &b) == -1)
		return;
	if ((j = cjob_for_case(req, arg, s, op, b.sb_case)) == NULL) {
		sparse_body_clear(&b);
		return;
	}
	if (b.sb_text != NULL) {
		j->j_textlen = strlen(b.sb_text);
		if ((j->j_text = strdup(b.sb_text)) == NULL) {
			busy(req);
			goto fail;
		}
	}
	/* A transfer's reason is sealed by the worker (work_transfer). */
	if (op == OP_TRANSFER && b.sb_reason != NULL) {
		j->j_textlen = strlen(b.sb_reason);
		if ((j->j_text = strdup(b.sb_reason)) == NULL) {
			busy(req);
			goto fail;
		}
	}
	if (b.sb_queue != NULL)
		snprintf(j->j_target, sizeof(j->j_target), "%s", b.sb_queue);
	sparse_body_clear(&b);
	memset(st, 0, sizeof(st));
	case_stmt(&st[0], p1, j);
	p2[0] = j->j_target;
	p2[1] = j->j_case;
	st[1].st_sql = "SELECT q.id, k.key_id, k.public_key, "
	    "q.id = (SELECT c.queue_id FROM casework.cases c "
	    "WHERE c.id = $2::uuid) FROM casework.queues q "
	    "JOIN casework.queue_keys k ON k.queue_id = q.id AND k.current "
	    "WHERE q.name = $1";
	st[1].st_nparams = 2;
	st[1].st_values = p2;
	if (ssession_exec(s, st, op == OP_TRANSFER ? 2 : 1, keys_loaded,
	    j) == -1) {
		busy(req);
		goto fail;
	}
	return;
 fail:
	sparse_body_clear(&b);
	cjob_free(j);
}

void
cases_note(struct http_request *req, void *arg)
{
	keyed_write(req, arg, OP_NOTE);
}

void
cases_message(struct http_request *req, void *arg)
{
	keyed_write(req, arg, OP_MESSAGE);
}

void
cases_transfer(struct http_request *req, void *arg)
{
	keyed_write(req, arg, OP_TRANSFER);
}

/* -------------------------------------------------- reclassify */

/*
 * POST /v1/staff/case/reclassify {"id", "subtype"?, "province"?,
 * "ground"?, "sector"?}.  A member that is absent keeps its value; null
 * (or "") clears province, ground or sector ("not given").  Values are
 * checked against the form (forms/forms.c) for the case's category --
 * the same ids, and the same questions per category, that the public
 * side accepts -- so the category is read first (row-level security: a
 * case outside the caller's queues is 404), then casework.case_reclassify
 * moves the statistics cell in the transaction that changes the case.
 */

#define RC_NDIMS	SPARSE_NDIMS
#define rc_names	sparse_dims

struct rcjob {
	struct http_request	*rc_req;
	struct ssession		*rc_s;
	char			 rc_case[37];
	/* per dimension: 0 absent (keep), 1 set to rc_val (may be "") */
	int			 rc_given[RC_NDIMS];
	char			 rc_val[RC_NDIMS][48];
};

static void
rcjob_free(struct rcjob *r)
{
	if (r == NULL)
		return;
	if (r->rc_s != NULL)
		ssession_unref(r->rc_s);
	free(r);
}

/* 400 with a JSON pointer to the member at fault. */
static void
reply_field(struct http_request *req, const char *code, const char *field,
    const char *message)
{
	json_t	*err;

	err = json_pack("{s:s,s:s,s:s}", "code", code, "message", message,
	    "field", field);
	http_reply_json(req, 400, json_pack("{s:o}", "error", err));
}

/*
 * Check the given values against the category's form; -1 after a 400.
 * Subtype must be one of the category's; province, ground and sector
 * must be questions of the category with a known option, or cleared.
 */
static int
rc_check(struct rcjob *r, const char *category)
{
	const struct forms_category	*c;
	const struct forms_question	*q;
	char				 ptr[16];
	int				 i;

	if ((c = forms_category(category)) == NULL) {
		/* A category the form no longer has: nothing to check against. */
		http_reply_error(r->rc_req, 409, "unknown_category",
		    "The case's category is not in this form version.");
		return (-1);
	}
	if (r->rc_given[0] && forms_subtype(c, r->rc_val[0]) == NULL) {
		reply_field(r->rc_req, "unknown_value", "/subtype",
		    "Not a subtype of the case's category (see GET /v1/forms).");
		return (-1);
	}
	for (i = 1; i < RC_NDIMS; i++) {
		if (!r->rc_given[i] || r->rc_val[i][0] == '\0')
			continue;
		snprintf(ptr, sizeof(ptr), "/%s", rc_names[i]);
		if ((q = forms_question(c, rc_names[i], NULL)) == NULL) {
			reply_field(r->rc_req, "invalid_field", ptr,
			    "The form does not ask this for the case's "
			    "category; leave it out or send null.");
			return (-1);
		}
		if (forms_option(q, r->rc_val[i]) == NULL) {
			reply_field(r->rc_req, "unknown_value", ptr,
			    "Not an option of this question (see GET "
			    "/v1/forms).");
			return (-1);
		}
	}
	return (0);
}

static void
rc_written(int st, const char *sqlstate, PGresult **res, int n, void *arg)
{
	struct rcjob	*r = arg;
	json_t		*doc;
	json_error_t	 jerr;

	if (st != STORE_OK)
		ssession_reply_error(r->rc_req, st, sqlstate);
	else if (n < 2 || PQntuples(res[0]) != 1 || PQntuples(res[1]) != 1)
		/* Moved out of the caller's queues meanwhile. */
		http_reply_error(r->rc_req, 404, "not_found", "No such case.");
	else if ((doc = json_loads(PQgetvalue(res[1], 0, 0), 0, &jerr)) ==
	    NULL)
		http_reply_error(r->rc_req, 500, "internal", "Internal error.");
	else
		http_reply_json(r->rc_req, 200, doc);
	rcjob_free(r);
}

static void
rc_loaded(int st, const char *sqlstate, PGresult **res, int n, void *arg)
{
	struct rcjob		*r = arg;
	struct store_stmt	 stmt[2];
	const char		*p[9];
	char			 flags[RC_NDIMS][2];
	int			 i;

	if (st != STORE_OK) {
		ssession_reply_error(r->rc_req, st, sqlstate);
		goto done;
	}
	if (n < 1 || PQntuples(res[0]) != 1) {
		http_reply_error(r->rc_req, 404, "not_found", "No such case.");
		goto done;
	}
	if (rc_check(r, PQgetvalue(res[0], 0, 0)) == -1)
		goto done;
	p[0] = r->rc_case;
	for (i = 0; i < RC_NDIMS; i++) {
		snprintf(flags[i], sizeof(flags[i]), "%c",
		    r->rc_given[i] ? 't' : 'f');
		p[1 + 2 * i] = flags[i];
		p[2 + 2 * i] = r->rc_val[i];
	}
	memset(stmt, 0, sizeof(stmt));
	/* Absent members keep the stored value as this statement reads
	 * it (mp_staff may not lock rows; case_reclassify locks the case
	 * itself).  Two handlers changing different dimensions of one
	 * case in the same instant: the last writer wins. */
	stmt[0].st_sql = "SELECT casework.case_reclassify(c.id, "
	    "CASE WHEN $2::boolean THEN $3 ELSE c.subtype END, "
	    "CASE WHEN $4::boolean THEN $5 ELSE c.province END, "
	    "CASE WHEN $6::boolean THEN $7 ELSE c.ground END, "
	    "CASE WHEN $8::boolean THEN $9 ELSE c.sector END) "
	    "FROM casework.cases c WHERE c.id = $1::uuid";
	stmt[0].st_nparams = 9;
	stmt[0].st_values = p;
	stmt[1].st_sql = "SELECT json_build_object('case', c.id, "
	    "'category', c.category, 'subtype', c.subtype, "
	    "'province', nullif(c.province, ''), "
	    "'ground', nullif(c.ground, ''), "
	    "'sector', nullif(c.sector, ''))::text "
	    "FROM casework.cases c WHERE c.id = $1::uuid";
	stmt[1].st_nparams = 1;
	stmt[1].st_values = p;
	if (ssession_exec(r->rc_s, stmt, 2, rc_written, r) == -1) {
		busy(r->rc_req);
		goto done;
	}
	return;
 done:
	rcjob_free(r);
}

void
cases_reclassify(struct http_request *req, void *arg)
{
	struct ssession			*s;
	struct rcjob			*r;
	struct store_stmt		 st;
	struct sparse_reclassify	 pr;
	struct sparse_err		 e;
	const unsigned char		*data;
	size_t				 len;
	const char			*p[1];

	(void)arg;
	if ((s = ssession_auth(req, SSESSION_CASEWORK)) == NULL)
		return;
	data = http_req_body(req, &len);
	if (sparse_reclassify(data, len, &pr, &e) == -1) {
		ssession_reply_sparse(req, &e);
		return;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		busy(req);
		return;
	}
	r->rc_req = req;
	r->rc_s = s;
	ssession_ref(s);
	memcpy(r->rc_case, pr.sr_case, sizeof(r->rc_case));
	memcpy(r->rc_given, pr.sr_given, sizeof(r->rc_given));
	memcpy(r->rc_val, pr.sr_val, sizeof(r->rc_val));
	memset(&st, 0, sizeof(st));
	p[0] = r->rc_case;
	st.st_sql = "SELECT c.category FROM casework.cases c "
	    "WHERE c.id = $1::uuid";
	st.st_nparams = 1;
	st.st_values = p;
	if (ssession_exec(s, &st, 1, rc_loaded, r) == -1) {
		busy(req);
		rcjob_free(r);
	}
}
