/*
 * Acceptance test of issue 17 item 2 (daemon/alert.c, alertrun.c,
 * schema/0191_alerts.sql): content-free urgent alerts, end to end.
 *
 * A real public meldpuntd and two real staff meldpuntd processes on one
 * database, both with the same outlets: e-mail through the real MTA
 * client msmtp, pointed at a small SMTP sink this test runs on loopback,
 * and a command hook (tee, appending its stdin to a file).  An urgent
 * report with a canary narrative and canary contact details goes in
 * through the public API.  Then:
 *   - the sink receives exactly one message, and the hook file one text,
 *     although both staff processes were listening (de-duplication in the
 *     database); neither holds the narrative, the receipt (with or without
 *     its blanks), the contact details or the case id;
 *   - the console channel GET /v1/staff/alerts shows that one alert to a
 *     handler of the urgent queue on either staff process, and nothing to
 *     a handler of another queue;
 *   - moved past half the first-response interval (the staff processes'
 *     test clock), exactly one more message comes, the half-deadline one;
 *   - no daemon log holds a canary or the receipt.
 * A second test: a hook that hangs is killed after alert_timeout_ms and
 * logged, while the event loop keeps answering.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "tests/lib/tdaemon.h"
#include "tests/lib/testdb.h"
#include "tests/lib/tstack.h"

#define AL_NARRATIVE	"CANARY-4c1e-alert-narrative"
#define AL_CONTACT	"CANARY-77d0-alert-contact"
#define AL_PHONE	"+31 6 9911 4477"
#define AL_PASSWORD	"alert handler password"
#define SINK_MAX	16

TestSuite(alert, .timeout = 300);

/* ------------------------------------------------------------ SMTP sink */

/*
 * Just enough SMTP for an MTA client: greeting, EHLO/HELO, MAIL, RCPT,
 * DATA (kept until the lone dot), RSET, NOOP, QUIT.  One connection at a
 * time, loopback only; every message is kept for the test to read.
 */
struct sink {
	int		 fd;
	int		 port;
	int		 stop;
	pthread_t	 th;
	pthread_mutex_t	 mu;
	char		*msg[SINK_MAX];
	int		 n;
};

static int
sink_line(int fd, char *buf, size_t cap)
{
	size_t	 n = 0;
	char	 c;
	ssize_t	 r;

	while (n + 1 < cap) {
		if ((r = read(fd, &c, 1)) <= 0)
			return (-1);
		buf[n++] = c;
		if (c == '\n')
			break;
	}
	buf[n] = '\0';
	return ((int)n);
}

static void
sink_say(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) < 0)
		return;
}

static void
sink_session(struct sink *s, int fd)
{
	char	 line[2048], *data = NULL;
	size_t	 len = 0;
	FILE	*fp;

	sink_say(fd, "220 sink ESMTP\r\n");
	while (sink_line(fd, line, sizeof(line)) > 0) {
		if (strncasecmp(line, "EHLO", 4) == 0)
			sink_say(fd, "250-sink\r\n250 8BITMIME\r\n");
		else if (strncasecmp(line, "DATA", 4) == 0) {
			sink_say(fd, "354 go on\r\n");
			if ((fp = open_memstream(&data, &len)) == NULL)
				return;
			while (sink_line(fd, line, sizeof(line)) > 0 &&
			    strcmp(line, ".\r\n") != 0 && strcmp(line, ".\n"))
				fputs(line, fp);
			fclose(fp);
			pthread_mutex_lock(&s->mu);
			if (s->n < SINK_MAX)
				s->msg[s->n++] = data;
			else
				free(data);
			pthread_mutex_unlock(&s->mu);
			data = NULL;
			sink_say(fd, "250 kept\r\n");
		} else if (strncasecmp(line, "QUIT", 4) == 0) {
			sink_say(fd, "221 bye\r\n");
			return;
		} else
			sink_say(fd, "250 ok\r\n");
	}
}

static void *
sink_main(void *arg)
{
	struct sink	*s = arg;
	struct pollfd	 p;
	int		 c;

	while (!s->stop) {
		p.fd = s->fd;
		p.events = POLLIN;
		if (poll(&p, 1, 100) <= 0)
			continue;
		if ((c = accept(s->fd, NULL, NULL)) == -1)
			continue;
		sink_session(s, c);
		close(c);
	}
	return (NULL);
}

static void
sink_start(struct sink *s)
{
	struct sockaddr_in	 a;
	socklen_t		 al = sizeof(a);

	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->mu, NULL);
	cr_assert_neq(s->fd = socket(AF_INET, SOCK_STREAM, 0), -1);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(s->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(s->fd, 8), 0);
	cr_assert_eq(getsockname(s->fd, (struct sockaddr *)&a, &al), 0);
	s->port = ntohs(a.sin_port);
	cr_assert_eq(pthread_create(&s->th, NULL, sink_main, s), 0);
}

static void
sink_stop(struct sink *s)
{
	int	i;

	s->stop = 1;
	pthread_join(s->th, NULL);
	close(s->fd);
	for (i = 0; i < s->n; i++)
		free(s->msg[i]);
}

static int
sink_count(struct sink *s)
{
	int	n;

	pthread_mutex_lock(&s->mu);
	n = s->n;
	pthread_mutex_unlock(&s->mu);
	return (n);
}

/* Wait up to secs for at least want messages; returns the count. */
static int
sink_wait(struct sink *s, int want, int secs)
{
	int	i;

	for (i = 0; i < secs * 10 && sink_count(s) < want; i++)
		usleep(100000);
	return (sink_count(s));
}

/* ---------------------------------------------------------------- helpers */

static char *
al_read(const char *path)
{
	FILE	*fp;
	char	*buf;
	long	 n;

	if ((fp = fopen(path, "r")) == NULL)
		return (strdup(""));
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	cr_assert_not_null(buf = calloc(1, (size_t)n + 1));
	if (n > 0)
		cr_assert_eq(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	return (buf);
}

static int
al_occurrences(const char *hay, const char *needle)
{
	int	n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return (n);
}

/* Wait up to secs until the daemon's log holds s. */
static int
al_log_wait(const struct tdaemon *d, const char *s, int secs)
{
	char	*log;
	int	 i, found = 0;

	for (i = 0; i < secs * 10 && !found; i++) {
		if ((log = tdaemon_log(d)) != NULL)
			found = strstr(log, s) != NULL;
		free(log);
		if (!found)
			usleep(100000);
	}
	return (found);
}

/* Nothing secret in a text: the canaries, the receipt in both spellings,
 * the case id. */
static void
al_clean(const char *what, const char *text, const char *receipt,
    const char *case_id)
{
	char	digits[32];
	size_t	i, n = 0;

	for (i = 0; receipt[i] != '\0' && n + 1 < sizeof(digits); i++)
		if (receipt[i] >= '0' && receipt[i] <= '9')
			digits[n++] = receipt[i];
	digits[n] = '\0';
	cr_expect(strstr(text, AL_NARRATIVE) == NULL, "%s: narrative", what);
	cr_expect(strstr(text, AL_CONTACT) == NULL, "%s: contact", what);
	cr_expect(strstr(text, AL_PHONE) == NULL, "%s: phone", what);
	cr_expect(strstr(text, receipt) == NULL, "%s: receipt", what);
	cr_expect(strstr(text, digits) == NULL, "%s: receipt digits", what);
	if (case_id != NULL)
		cr_expect(strstr(text, case_id) == NULL, "%s: case id", what);
}

/* Log in at a staff process's port; the token into u. */
static void
al_login(int port, struct tstack_user *u)
{
	json_t	*j = NULL, *body;
	char	*b, code[8];

	tstack_code(u, time(NULL), code);
	body = json_pack("{s:s,s:s,s:s}", "username", u->name, "password",
	    AL_PASSWORD, "totp", code);
	cr_assert_not_null(b = json_dumps(body, JSON_COMPACT));
	json_decref(body);
	cr_assert_eq(tstack_req_port(port, "POST", "/v1/staff/session", NULL,
	    b, &j), 201, "login of %s", u->name);
	free(b);
	snprintf(u->token, sizeof(u->token), "%s",
	    json_string_value(json_object_get(j, "token")));
	json_decref(j);
}

/* GET /v1/staff/alerts; the list, and its text in *text if asked. */
static json_t *
al_channel(int port, const struct tstack_user *u, char **text)
{
	json_t	*j = NULL, *list;

	cr_assert_eq(tstack_req_port(port, "GET", "/v1/staff/alerts",
	    u->token, NULL, &j), 200);
	cr_assert(json_is_array(list = json_object_get(j, "alerts")));
	if (text != NULL)
		cr_assert_not_null(*text = json_dumps(j, JSON_COMPACT));
	json_incref(list);
	json_decref(j);
	return (list);
}

static char *
al_submit_urgent(struct tstack *t)
{
	json_t	*j = NULL;
	char	 body[1024], *receipt;

	snprintf(body, sizeof(body), "{\"category\":\"honour_violence\","
	    "\"subtype\":\"forced_marriage\",\"lang\":\"en\",\"answers\":"
	    "{\"immediate_danger\":true},\"report\":{\"narrative\":\"%s\"},"
	    "\"contact_details\":{\"phone\":\"%s\",\"note\":\"%s\"}}",
	    AL_NARRATIVE, AL_PHONE, AL_CONTACT);
	cr_assert_eq(tstack_req(t, 0, "POST", "/v1/reports", NULL, body, &j),
	    201);
	cr_assert_not_null(receipt = strdup(json_string_value(
	    json_object_get(j, "receipt"))));
	json_decref(j);
	return (receipt);
}

/* ------------------------------------------------------------------ tests */

Test(alert, urgent_case_gives_one_content_free_message_per_outlet)
{
	struct tstack		 T;
	struct tdaemon		 staff2;
	struct sink		 S;
	struct tstack_user	 h1, h2, lab;
	char			 dir[512], path[700], extra[2048], conf[4096];
	char			*receipt, *case_id, *hook, *text, *log, due[32];
	json_t			*list;
	PGconn			*su;
	FILE			*fp;
	int			 i, announced;

	sink_start(&S);
	snprintf(dir, sizeof(dir), "%s/alert-%d", getenv("MELDPUNT_TEST_TMP"),
	    (int)getpid());
	cr_assert_eq(mkdir(dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/msmtprc", dir);
	cr_assert_not_null(fp = fopen(path, "w"));
	fprintf(fp, "defaults\nauth off\ntls off\n\naccount sink\n"
	    "host 127.0.0.1\nport %d\nfrom meldpunt@example.org\n\n"
	    "account default : sink\n", S.port);
	fclose(fp);
	cr_assert_eq(chmod(path, 0600), 0);
	snprintf(extra, sizeof(extra),
	    "alert_mail_to = oncall@example.org, backup@example.org\n"
	    "alert_mail_from = meldpunt@example.org\n"
	    "alert_sendmail = /usr/bin/msmtp -C %s/msmtprc\n"
	    "alert_command = /usr/bin/tee -a %s/hook.txt\n"
	    "alert_check_s = 1\n"
	    "db_pool_size = 3\n"
	    "insecure_test_clock_file = %s/clock\n", dir, dir, dir);
	tstack_start(&T, extra);
	tstack_staff_conf(&T, extra, conf, sizeof(conf));
	cr_assert_eq(tdaemon_start(&staff2, "staff", tdaemon_conninfo(T.db,
	    "mp_staff"), conf), 0, "second staff meldpuntd (%s)", staff2.log);
	/* Both really race for the alert: both listen before it comes. */
	cr_assert(al_log_wait(&T.staff, "alert: listening", 20));
	cr_assert(al_log_wait(&staff2, "alert: listening", 20));

	receipt = al_submit_urgent(&T);
	cr_assert_not_null(su = testdb_connect(T.db, NULL));
	cr_assert_not_null(case_id = testdb_value(su, "SELECT id::text FROM "
	    "casework.cases WHERE urgent"));
	cr_assert_not_null(text = testdb_value(su, "SELECT to_char("
	    "first_response_due AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') "
	    "FROM casework.cases WHERE urgent"));
	snprintf(due, sizeof(due), "%s UTC", text);
	free(text);

	/* One mail, although two processes were told; give a duplicate
	 * time to come (notifications to both, and several checks each). */
	cr_assert_eq(sink_wait(&S, 1, 30), 1, "no alert mail arrived");
	sleep(4);
	cr_assert_eq(sink_count(&S), 1, "the alert mail came twice");
	cr_expect(strstr(S.msg[0], "Subject: meldpunt: urgent case waiting "
	    "in queue honour_urgent") != NULL, "%s", S.msg[0]);
	cr_expect(strstr(S.msg[0], "To: oncall@example.org, "
	    "backup@example.org") != NULL, "%s", S.msg[0]);
	cr_expect(strstr(S.msg[0], "An urgent case is waiting in queue "
	    "honour_urgent.") != NULL, "%s", S.msg[0]);
	cr_expect(strstr(S.msg[0], due) != NULL, "due %s in %s", due,
	    S.msg[0]);
	al_clean("mail", S.msg[0], receipt, case_id);
	hook = al_read(strcat(strcpy(path, dir), "/hook.txt"));
	cr_expect_eq(al_occurrences(hook, "is waiting in queue "
	    "honour_urgent."), 1, "hook: %s", hook);
	cr_expect(strstr(hook, "Subject:") == NULL, "the hook gets the text");
	al_clean("hook", hook, receipt, case_id);
	free(hook);

	/* The console channel: the same one alert on either process. */
	tstack_add_user(&T, &h1, "alert_h1", "handler", AL_PASSWORD,
	    "honour_urgent");
	tstack_add_user(&T, &h2, "alert_h2", "handler", AL_PASSWORD,
	    "honour_urgent");
	tstack_add_user(&T, &lab, "alert_lab", "handler", AL_PASSWORD,
	    "labour");
	al_login(T.staff.port, &h1);
	al_login(staff2.port, &h2);
	al_login(T.staff.port, &lab);
	list = al_channel(T.staff.port, &h1, &text);
	cr_assert_eq(json_array_size(list), 1, "%s", text);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(
	    list, 0), "queue")), "honour_urgent");
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(
	    list, 0), "kind")), "arrival");
	al_clean("channel", text, receipt, case_id);
	free(text);
	json_decref(list);
	list = al_channel(staff2.port, &h2, NULL);
	cr_expect_eq(json_array_size(list), 1);
	json_decref(list);
	list = al_channel(T.staff.port, &lab, NULL);
	cr_expect_eq(json_array_size(list), 0, "another queue's alert");
	json_decref(list);

	/* Half the first-response interval before the stored due hour
	 * (rounded up, so at most 90 minutes after submission). */
	snprintf(path, sizeof(path), "%s/clock", dir);
	cr_assert_not_null(fp = fopen(path, "w"));
	fprintf(fp, "5400\n");
	fclose(fp);
	cr_assert_eq(sink_wait(&S, 2, 30), 2, "no half-deadline mail");
	sleep(4);
	cr_assert_eq(sink_count(&S), 2, "the half-deadline mail came twice");
	cr_expect(strstr(S.msg[1], "Subject: meldpunt: urgent case waiting "
	    "past half its deadline in queue honour_urgent") != NULL, "%s",
	    S.msg[1]);
	cr_expect(strstr(S.msg[1], "half of the first-response time has "
	    "passed") != NULL, "%s", S.msg[1]);
	al_clean("mail 2", S.msg[1], receipt, case_id);
	list = al_channel(staff2.port, &h2, &text);
	cr_expect_eq(json_array_size(list), 2, "%s", text);
	cr_expect(strstr(text, "\"half_deadline\"") != NULL, "%s", text);
	free(text);
	json_decref(list);

	/* Each alert was announced by exactly one of the two processes, and
	 * no log holds anything secret. */
	announced = 0;
	for (i = 0; i < 3; i++) {
		log = tdaemon_log(i == 0 ? &T.pub : i == 1 ? &T.staff :
		    &staff2);
		cr_assert_not_null(log);
		al_clean(i == 0 ? "public log" : "staff log", log, receipt,
		    case_id);
		announced += al_occurrences(log, "alert: arrival in queue "
		    "honour_urgent");
		announced += al_occurrences(log, "alert: half_deadline in "
		    "queue honour_urgent");
		free(log);
	}
	cr_expect_eq(announced, 2);

	free(receipt);
	free(case_id);
	PQfinish(su);
	cr_expect_eq(tdaemon_stop(&staff2), 0);
	tstack_stop(&T);
	sink_stop(&S);
}

Test(alert, a_hanging_hook_is_killed_off_the_loop)
{
	struct tstack	 T;
	struct timespec	 a, b;
	char		*receipt, extra[256], *log, *p;
	long		 ms;

	snprintf(extra, sizeof(extra), "alert_command = /bin/sleep 30\n"
	    "alert_timeout_ms = 3000\nalert_check_s = 1\n");
	tstack_start(&T, extra);
	cr_assert(al_log_wait(&T.staff, "alert: listening", 20));
	receipt = al_submit_urgent(&T);
	cr_assert(al_log_wait(&T.staff, "alert: arrival in queue", 20));
	/* The hook runs; the loop answers meanwhile. */
	clock_gettime(CLOCK_MONOTONIC, &a);
	cr_assert_eq(tstack_req(&T, 1, "GET", "/healthz", NULL, NULL, NULL),
	    200);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	cr_expect_lt(ms, 1000, "healthz took %ld ms while the hook ran", ms);
	cr_assert(al_log_wait(&T.staff, "alert command: killed after", 20));
	cr_assert_not_null(log = tdaemon_log(&T.staff));
	cr_assert_not_null(p = strstr(log, "alert command: killed after "));
	ms = strtol(p + strlen("alert command: killed after "), NULL, 10);
	cr_expect(ms >= 3000 && ms < 10000, "killed after %ld ms", ms);
	al_clean("staff log", log, receipt, NULL);
	free(log);
	free(receipt);
	tstack_stop(&T);
}
