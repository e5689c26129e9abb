/*
 * Urgent alerts (see alert.h).  Three parts:
 *
 *   - a notification connection: one libpq connection of its own (the
 *     pool's connections run transactions and must not hold a LISTEN),
 *     connected without blocking as store.c does, that sends LISTEN
 *     meldpunt_alert and then only reads.  Every notification, and the
 *     moment the LISTEN is in place (after a start or a reconnect, when
 *     notifications may have been missed), asks for a check.  Lost, it is
 *     rebuilt after a backoff of 100 ms doubling to 5 s;
 *   - the check: casework.alert_claim(now) on the pool, one at a time (a
 *     request during one sets a flag for one more), also every
 *     alert_check_s.  It records and returns the alerts this process won
 *     (0191: one row per case and condition; a second staff process gets
 *     nothing for the same case).  now is the deadline clock (clock.c);
 *   - the outlets: per (queue, condition) group one message, to the
 *     command hook and to the MTA client, each run by alertrun.c.
 *
 * What leaves the process: the queue name, the condition, the number of
 * cases and the earliest stored due time (already rounded to the hour,
 * 0052).  No case id, no content, no receipt, no reporter data -- this
 * process never reads any of those for an alert.  Logs say how many
 * messages went to which outlet and the programs' exit status.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "daemon/alert.h"
#include "daemon/alertrun.h"
#include "daemon/app.h"
#include "daemon/clock.h"
#include "daemon/config.h"
#include "daemon/http.h"
#include "daemon/log.h"
#include "daemon/squery.h"
#include "daemon/ssession.h"
#include "daemon/store.h"

#define ALERT_CHANNEL		"meldpunt_alert"
#define ALERT_BACKOFF_MIN_MS	100
#define ALERT_BACKOFF_MAX_MS	5000
#define ALERT_MAX_WORDS		16
#define ALERT_MAX_RCPT		16
#define ALERT_LIST_MAX		"100"

static struct {
	struct app		*app;
	/* The notification connection. */
	PGconn			*pg;
	struct event		*ev;		/* connect step, then reads */
	struct event		*wev;		/* write-readiness, flushing */
	struct event		*retry;		/* reconnect backoff */
	int			 backoff_ms;
	int			 fails;		/* attempts since last up */
	int			 listening;
	/* The check. */
	struct event		*tick;
	struct store_req	*req;
	int			 again;
	int			 check_s;
	/* Outlets: NULL argv = off.  Words point into *_buf. */
	char			*cmd_buf, *cmd[ALERT_MAX_WORDS + 1];
	char			*mail_buf;
	char			*mail[ALERT_MAX_WORDS + ALERT_MAX_RCPT + 5];
	char			*rcpt_buf, *rcpt[ALERT_MAX_RCPT + 1];
	char			*from;
	int			 timeout_ms;
} al;

static void	alert_connect(void);
static void	alert_check(void);

/* ------------------------------------------------------------ messages */

static int
alert_word_ok(const char *s, const char *extra)
{
	size_t	i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || strchr(extra, s[i])))
			return (0);
	return (i > 0 && i <= 64);
}

/* "2026-12-02T04:00:00Z" -> "2026-12-02 04:00 UTC"; -1 if not that. */
static int
alert_due(const char *due, char out[24])
{
	static const char	shape[] = "dddd-dd-ddTdd:dd:ddZ";
	size_t			i;

	if (due == NULL || strlen(due) != sizeof(shape) - 1)
		return (-1);
	for (i = 0; shape[i] != '\0'; i++)
		if (shape[i] == 'd' ? (due[i] < '0' || due[i] > '9') :
		    due[i] != shape[i])
			return (-1);
	snprintf(out, 24, "%.10s %.5s UTC", due, due + 11);
	return (0);
}

char *
alert_text(const char *queue, const char *kind, long long n,
    const char *due)
{
	char	 d[24], *buf = NULL;
	size_t	 len = 0;
	FILE	*fp;
	int	 half;

	if (queue == NULL || kind == NULL || !alert_word_ok(queue, "_") ||
	    n < 1 || alert_due(due, d) == -1)
		return (NULL);
	if (strcmp(kind, "arrival") == 0)
		half = 0;
	else if (strcmp(kind, "half_deadline") == 0)
		half = 1;
	else
		return (NULL);
	if ((fp = open_memstream(&buf, &len)) == NULL)
		return (NULL);
	if (n == 1)
		fprintf(fp, "An urgent case is waiting in queue %s.\n", queue);
	else
		fprintf(fp, "%lld urgent cases are waiting in queue %s.\n", n,
		    queue);
	fprintf(fp, "\nCondition: %s\nCases: %lld\nFirst response due: %s%s\n"
	    "\nSign in to the staff console to see the case%s.  This "
	    "message carries\nno case content, no receipt and no reporter "
	    "data, by design.\n",
	    half ? "half of the first-response time has passed without a "
	    "first contact" : "a new urgent case", n, n > 1 ? "earliest " :
	    "", d, n > 1 ? "s" : "");
	if (fclose(fp) != 0) {
		free(buf);
		return (NULL);
	}
	return (buf);
}

/* RFC 5322 headers, then the text.  Every field is ours or checked. */
static char *
alert_mail(const char *queue, const char *kind, const char *text)
{
	unsigned char	 rnd[16];
	char		*buf = NULL, date[64];
	size_t		 len = 0, i;
	time_t		 now = time(NULL);
	struct tm	 tm;
	FILE		*fp;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return (NULL);
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	if ((fp = open_memstream(&buf, &len)) == NULL)
		return (NULL);
	if (al.from != NULL)
		fprintf(fp, "From: %s\n", al.from);
	fprintf(fp, "To: ");
	for (i = 0; al.rcpt[i] != NULL; i++)
		fprintf(fp, "%s%s", i > 0 ? ", " : "", al.rcpt[i]);
	fprintf(fp, "\nSubject: meldpunt: urgent case waiting%s in queue %s\n"
	    "Date: %s\nMessage-ID: <", strcmp(kind, "half_deadline") == 0 ?
	    " past half its deadline" : "", queue, date);
	for (i = 0; i < sizeof(rnd); i++)
		fprintf(fp, "%02x", rnd[i]);
	fprintf(fp, "@meldpunt.invalid>\nAuto-Submitted: auto-generated\n"
	    "MIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n"
	    "Content-Transfer-Encoding: 7bit\n\n%s", text);
	if (fclose(fp) != 0) {
		free(buf);
		return (NULL);
	}
	return (buf);
}

static void
alert_send(const char *queue, const char *kind, long long n,
    const char *due)
{
	static char *const	 env[] = {
		"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL
	};
	char			*text, *mail = NULL;

	if ((text = alert_text(queue, kind, n, due)) == NULL) {
		log_warnx("%s: cannot build the message", __func__);
		return;
	}
	log_info("alert: %s in queue %s, %lld case%s", kind, queue, n,
	    n == 1 ? "" : "s");
	if (al.cmd[0] != NULL)
		alertrun_spawn("command", al.cmd, env, text, strlen(text),
		    al.timeout_ms);
	if (al.mail[0] != NULL) {
		if ((mail = alert_mail(queue, kind, text)) == NULL)
			log_warnx("%s: cannot build the mail", __func__);
		else
			alertrun_spawn("mail", al.mail, env, mail,
			    strlen(mail), al.timeout_ms);
	}
	free(mail);
	free(text);
}

/* ------------------------------------------------------------ the check */

static void
alert_claimed(enum store_status st, const char *sqlstate, PGresult **res,
    int nres, void *arg)
{
	int	i;

	(void)arg;
	al.req = NULL;
	if (st == STORE_OK && nres == 1)
		for (i = 0; i < PQntuples(res[0]); i++)
			alert_send(PQgetvalue(res[0], i, 0),
			    PQgetvalue(res[0], i, 1),
			    strtoll(PQgetvalue(res[0], i, 2), NULL, 10),
			    PQgetvalue(res[0], i, 3));
	else if (st == STORE_UNKNOWN)
		/* It may have committed: those alerts are recorded (the
		 * console shows them) but their messages are lost. */
		log_warnx("%s: check outcome unknown; alerts it recorded go "
		    "to the console only", __func__);
	else
		log_warnx("%s: check failed (sqlstate %s); next one in %d s",
		    __func__, sqlstate[0] != '\0' ? sqlstate : "none",
		    al.check_s);
	if (al.again) {
		al.again = 0;
		alert_check();
	}
}

static void
alert_check(void)
{
	struct store_stmt	 st;
	char			 now[32];
	const char		*p[1] = { now };

	if (al.app == NULL)
		return;
	if (al.req != NULL) {
		al.again = 1;
		return;
	}
	clock_timestamp(now);
	memset(&st, 0, sizeof(st));
	st.st_sql = "SELECT queue, kind, n, due "
	    "FROM casework.alert_claim($1::timestamptz)";
	st.st_nparams = 1;
	st.st_values = p;
	if ((al.req = store_exec(al.app->a_store, &st, 1, alert_claimed,
	    NULL)) == NULL)
		log_warnx("%s: database busy; next check in %d s", __func__,
		    al.check_s);
}

static void
alert_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	alert_check();
}

/* ------------------------------------------- the notification connection */

static void
alert_close(void)
{
	if (al.ev != NULL)
		event_free(al.ev);
	if (al.wev != NULL)
		event_free(al.wev);
	al.ev = al.wev = NULL;
	if (al.pg != NULL)
		PQfinish(al.pg);
	al.pg = NULL;
	al.listening = 0;
}

/* why is a fixed string of ours, never libpq's message. */
static void
alert_lost(const char *why)
{
	struct timeval	tv;
	int		delay = al.backoff_ms;

	if (al.listening || al.fails == 0)
		log_warnx("alert: notification connection: %s; retrying (the "
		    "check every %d s goes on)", why, al.check_s);
	al.fails++;
	alert_close();
	al.backoff_ms = delay * 2 > ALERT_BACKOFF_MAX_MS ?
	    ALERT_BACKOFF_MAX_MS : delay * 2;
	tv.tv_sec = delay / 1000;
	tv.tv_usec = (delay % 1000) * 1000;
	evtimer_add(al.retry, &tv);
}

static void
alert_flush(void)
{
	int	rv = PQflush(al.pg);

	if (rv == -1)
		alert_lost("write");
	else if (rv == 1 && event_add(al.wev, NULL) == -1)
		alert_lost("event");
}

static void
alert_listened(void)
{
	if (al.fails > 0)
		log_info("alert: listening again after %d failed attempts",
		    al.fails);
	else
		log_info("alert: listening for new urgent cases");
	al.listening = 1;
	al.fails = 0;
	al.backoff_ms = ALERT_BACKOFF_MIN_MS;
	/* What arrived while nobody listened. */
	alert_check();
}

static void
alert_io(evutil_socket_t fd, short what, void *arg)
{
	PGresult	*res;
	PGnotify	*nf;
	int		 n = 0, ok;

	(void)fd;
	(void)arg;
	if ((what & EV_WRITE)) {
		alert_flush();
		return;
	}
	if (PQconsumeInput(al.pg) == 0) {
		alert_lost("read");
		return;
	}
	while (!PQisBusy(al.pg) && (res = PQgetResult(al.pg)) != NULL) {
		ok = PQresultStatus(res) == PGRES_COMMAND_OK;
		if (!ok)
			log_warnx("%s: LISTEN refused, sqlstate %s", __func__,
			    store_sqlstate(res));
		PQclear(res);
		if (!ok) {
			alert_lost("LISTEN refused");
			return;
		}
		if (!al.listening)
			alert_listened();
	}
	/* The payload is a queue id; the check looks at every queue. */
	while ((nf = PQnotifies(al.pg)) != NULL) {
		n++;
		PQfreemem(nf);
	}
	if (PQstatus(al.pg) == CONNECTION_BAD) {
		alert_lost("closed");
		return;
	}
	if (n > 0)
		alert_check();
}

static void
alert_connected(void)
{
	int	fd;

	if (al.ev != NULL)
		event_free(al.ev);
	al.ev = NULL;
	if (PQsetnonblocking(al.pg, 1) == -1 || (fd = PQsocket(al.pg)) < 0) {
		alert_lost("setup");
		return;
	}
	al.ev = event_new(al.app->a_base, fd, EV_READ | EV_PERSIST, alert_io,
	    NULL);
	al.wev = event_new(al.app->a_base, fd, EV_WRITE, alert_io, NULL);
	if (al.ev == NULL || al.wev == NULL || event_add(al.ev, NULL) == -1) {
		alert_lost("event");
		return;
	}
	if (PQsendQuery(al.pg, "LISTEN " ALERT_CHANNEL) == 0) {
		alert_lost("send");
		return;
	}
	alert_flush();
}

static void	alert_connect_cb(evutil_socket_t, short, void *);

/* Wait for the socket PQconnectPoll() wants next (it may change). */
static void
alert_connect_wait(PostgresPollingStatusType ps)
{
	int	fd;

	if (al.ev != NULL)
		event_free(al.ev);
	al.ev = NULL;
	if ((fd = PQsocket(al.pg)) < 0) {
		alert_lost("no socket");
		return;
	}
	al.ev = event_new(al.app->a_base, fd, ps == PGRES_POLLING_READING ?
	    EV_READ : EV_WRITE, alert_connect_cb, NULL);
	if (al.ev == NULL || event_add(al.ev, NULL) == -1)
		alert_lost("event");
}

static void
alert_connect_cb(evutil_socket_t fd, short what, void *arg)
{
	PostgresPollingStatusType	ps;

	(void)fd;
	(void)what;
	(void)arg;
	ps = PQconnectPoll(al.pg);
	if (ps == PGRES_POLLING_OK)
		alert_connected();
	else if (ps == PGRES_POLLING_READING || ps == PGRES_POLLING_WRITING)
		alert_connect_wait(ps);
	else
		alert_lost("connect failed");
}

/* Notices can carry values: drop them (as store.c does). */
static void
alert_notice(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static void
alert_connect(void)
{
	static const char *const kw[] = {
		"dbname", "fallback_application_name", NULL
	};
	const char	*val[3];

	val[0] = al.app->a_conf->c_database;
	val[1] = "meldpuntd-alert";
	val[2] = NULL;
	if ((al.pg = PQconnectStartParams(kw, val, 1)) == NULL) {
		alert_lost("out of memory");
		return;
	}
	PQsetNoticeProcessor(al.pg, alert_notice, NULL);
	if (PQstatus(al.pg) == CONNECTION_BAD) {
		alert_lost("connect failed");
		return;
	}
	alert_connect_wait(PGRES_POLLING_WRITING);
}

static void
alert_retry(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	alert_connect();
}

/* ------------------------------------------------------------ start-up */

/*
 * Split a configured command line on blanks into argv (no quoting, no
 * shell); words point into *buf, which the caller frees.  The program
 * must be an absolute path we may execute.
 */
static int
alert_words(const char *key, const char *line, char **buf, char **argv,
    int max, int *nout, char *err, size_t errlen)
{
	char	*w, *save = NULL;
	int	 n = 0;

	if ((*buf = strdup(line)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", key);
		return (-1);
	}
	for (w = strtok_r(*buf, " \t", &save); w != NULL;
	    w = strtok_r(NULL, " \t", &save)) {
		if (n == max) {
			snprintf(err, errlen, "%s: more than %d words", key,
			    max);
			return (-1);
		}
		argv[n++] = w;
	}
	argv[n] = NULL;
	if (n == 0 || argv[0][0] != '/' || access(argv[0], X_OK) == -1) {
		snprintf(err, errlen, "%s: %s: not an executable absolute "
		    "path", key, n == 0 ? "(empty)" : argv[0]);
		return (-1);
	}
	*nout = n;
	return (0);
}

/* An address we can put on a command line and in a header as it is. */
static int
alert_addr_ok(const char *a)
{
	const char	*at = strchr(a, '@');
	size_t		 i;

	if (a[0] == '-' || at == NULL || at == a || at[1] == '\0' ||
	    strchr(at + 1, '@') != NULL || strlen(a) > 254)
		return (0);
	for (i = 0; a[i] != '\0'; i++)
		if (!((a[i] >= 'a' && a[i] <= 'z') ||
		    (a[i] >= 'A' && a[i] <= 'Z') ||
		    (a[i] >= '0' && a[i] <= '9') || strchr("@.+_-", a[i])))
			return (0);
	return (1);
}

static int
alert_outlets(const struct config *c, char *err, size_t errlen)
{
	char	*w, *save = NULL;
	int	 n = 0, nr = 0;

	if (c->c_alert_command != NULL && alert_words("alert_command",
	    c->c_alert_command, &al.cmd_buf, al.cmd, ALERT_MAX_WORDS, &n, err,
	    errlen) == -1)
		return (-1);
	if (c->c_alert_mail_to == NULL)
		return (0);
	if ((al.rcpt_buf = strdup(c->c_alert_mail_to)) == NULL) {
		snprintf(err, errlen, "alert_mail_to: out of memory");
		return (-1);
	}
	for (w = strtok_r(al.rcpt_buf, " \t,", &save); w != NULL;
	    w = strtok_r(NULL, " \t,", &save)) {
		if (nr == ALERT_MAX_RCPT || !alert_addr_ok(w)) {
			snprintf(err, errlen, "alert_mail_to: expected 1 to %d "
			    "plain addresses (local@domain)", ALERT_MAX_RCPT);
			return (-1);
		}
		al.rcpt[nr++] = w;
	}
	al.rcpt[nr] = NULL;
	if (nr == 0) {
		snprintf(err, errlen, "alert_mail_to: no address");
		return (-1);
	}
	if (c->c_alert_mail_from != NULL && !alert_addr_ok(
	    c->c_alert_mail_from)) {
		snprintf(err, errlen, "alert_mail_from: expected a plain "
		    "address (local@domain)");
		return (-1);
	}
	if (c->c_alert_mail_from != NULL && (al.from = strdup(
	    c->c_alert_mail_from)) == NULL) {
		snprintf(err, errlen, "alert_mail_from: out of memory");
		return (-1);
	}
	if (alert_words("alert_sendmail", c->c_alert_sendmail,
	    &al.mail_buf, al.mail, ALERT_MAX_WORDS, &n, err, errlen) == -1)
		return (-1);
	/* sendmail's interface: -i (a lone "." is no end), -f, recipients. */
	al.mail[n++] = "-i";
	if (al.from != NULL) {
		al.mail[n++] = "-f";
		al.mail[n++] = al.from;
	}
	al.mail[n++] = "--";
	memcpy(al.mail + n, al.rcpt, (size_t)(nr + 1) * sizeof(char *));
	return (0);
}

int
alert_init(struct app *app, char *err, size_t errlen)
{
	const struct config	*c = app->a_conf;
	struct timeval		 tv;

	alert_free();
	if (alert_outlets(c, err, errlen) == -1)
		goto fail;
	al.app = app;
	al.check_s = c->c_alert_check_s;
	al.timeout_ms = c->c_alert_timeout_ms;
	al.backoff_ms = ALERT_BACKOFF_MIN_MS;
	alertrun_init(app->a_base);
	if ((al.retry = evtimer_new(app->a_base, alert_retry, NULL)) == NULL ||
	    (al.tick = event_new(app->a_base, -1, EV_PERSIST, alert_tick,
	    NULL)) == NULL) {
		snprintf(err, errlen, "alert: out of memory");
		goto fail;
	}
	tv.tv_sec = al.check_s;
	tv.tv_usec = 0;
	evtimer_add(al.tick, &tv);
	log_info("alert: outlets: console%s%s; check every %d s",
	    al.cmd[0] != NULL ? ", command" : "", al.mail[0] != NULL ?
	    ", mail" : "", al.check_s);
	alert_connect();
	return (0);
 fail:
	alert_free();
	return (-1);
}

void
alert_free(void)
{
	alert_close();
	if (al.retry != NULL)
		event_free(al.retry);
	if (al.tick != NULL)
		event_free(al.tick);
	if (al.req != NULL)
		store_abandon(al.req);
	alertrun_free();
	free(al.cmd_buf);
	free(al.mail_buf);
	free(al.rcpt_buf);
	free(al.from);
	memset(&al, 0, sizeof(al));
}

/* ------------------------------------------------ the console's channel */

struct alert_job {
	struct http_request	*j_req;
	struct ssession		*j_s;
};

static void
alert_listed(int st, const char *sqlstate, PGresult **res, int n, void *arg)
{
	struct alert_job	*j = arg;
	json_t			*doc;
	json_error_t		 jerr;

	if (st != STORE_OK)
		ssession_reply_error(j->j_req, st, sqlstate);
	else if (n != 1 || PQntuples(res[0]) != 1 || (doc = json_loads(
	    PQgetvalue(res[0], 0, 0), 0, &jerr)) == NULL)
		http_reply_error(j->j_req, 500, "internal", "Internal error.");
	else
		http_reply_json(j->j_req, 200, json_pack("{s:o}", "alerts",
		    doc));
	ssession_unref(j->j_s);
	free(j);
}

/*
 * One indexed read (cases_urgent_waiting, 0191) of the cases the session
 * may see: a console can poll it every few seconds.  The list holds what
 * the messages hold -- an opaque alert id, the queue, the condition and
 * the stored due time -- and no case id.
 */
void
alert_list(struct http_request *req, void *arg)
{
	static const char *const names[] = { NULL };
	struct ssession		*s;
	struct store_stmt	 st;
	struct alert_job	*j;

	(void)arg;
	if ((s = ssession_auth(req, SSESSION_CASEWORK)) == NULL)
		return;
	if (squery_check(http_req_query(req), names) == -1) {
		http_reply_error(req, 400, "bad_request",
		    "Unknown query parameter.");
		return;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		http_reply_error(req, 503, "unavailable", "Out of memory.");
		return;
	}
	j->j_req = req;
	j->j_s = s;
	ssession_ref(s);
	memset(&st, 0, sizeof(st));
	st.st_sql = "SELECT coalesce(pg_catalog.json_agg("
	    "pg_catalog.json_build_object('id', x.id, 'queue', x.queue, "
	    "'kind', x.kind, 'due', to_char(x.due AT TIME ZONE 'UTC', "
	    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')) "
	    "ORDER BY x.due, x.queue, x.kind), '[]')::text "
	    "FROM (SELECT a.id, q.name::text AS queue, a.kind, "
	    "c.first_response_due AS due "
	    "FROM casework.cases c "
	    "JOIN casework.alerts a ON a.case_id = c.id "
	    "JOIN casework.queues q ON q.id = c.queue_id "
	    "WHERE c.first_response_due IS NOT NULL "
	    "AND c.first_contact_on IS NULL "
	    "AND c.state IN ('new', 'acknowledged', 'in_progress') "
	    "ORDER BY c.first_response_due LIMIT " ALERT_LIST_MAX ") x";
	if (ssession_exec(s, &st, 1, alert_listed, j) == -1) {
		ssession_unref(s);
		free(j);
		http_reply_error(req, 503, "unavailable",
		    "The service is busy; try again shortly.");
	}
}
