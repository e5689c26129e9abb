/*
 * The urgent alerts' pieces that need no database (daemon/alert.c,
 * daemon/alertrun.c): the message text says the queue, the count and the
 * due hour and refuses anything that could smuggle a line or a header in;
 * an outlet's program gets the message on stdin and no descriptor of the
 * daemon's; one that hangs is killed after its timeout, the loop running
 * meanwhile; the log names the outlet and the outcome, never the message.
 * End to end (database, de-duplication, msmtp): tests/e2e/test_alert.c.
 */
#include <sys/socket.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <event2/event.h>

#include "daemon/alert.h"
#include "daemon/alertrun.h"
#include "daemon/log.h"

#define CANARY	"CANARY-a1e7-alertrun-input"

static char	logbuf[8192];

static void
sink(int level, const char *line, void *arg)
{
	(void)level;
	(void)arg;
	strncat(logbuf, line, sizeof(logbuf) - strlen(logbuf) - 2);
	strcat(logbuf, "\n");
}

static char *
slurp(const char *path)
{
	FILE	*fp;
	char	*buf;
	size_t	 n;

	cr_assert_not_null(fp = fopen(path, "r"), "%s", path);
	cr_assert_not_null(buf = calloc(1, 4096));
	n = fread(buf, 1, 4095, fp);
	buf[n] = '\0';
	fclose(fp);
	return (buf);
}

/* Run the loop until no program runs, at most secs; the time taken. */
static double
run_loop(struct event_base *base, int secs)
{
	struct timespec	a, b;
	struct timeval	tv = { 0, 20000 };

	clock_gettime(CLOCK_MONOTONIC, &a);
	do {
		event_base_loopexit(base, &tv);
		event_base_dispatch(base);
		clock_gettime(CLOCK_MONOTONIC, &b);
	} while (alertrun_running() > 0 && b.tv_sec - a.tv_sec < secs);
	return ((double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
}

Test(alert, text_names_queue_count_and_due_hour_only)
{
	char	*t;

	cr_assert_not_null(t = alert_text("honour_urgent", "arrival", 1,
	    "2026-12-02T04:00:00Z"));
	cr_expect(strncmp(t, "An urgent case is waiting in queue "
	    "honour_urgent.\n", 49) == 0, "%s", t);
	cr_expect(strstr(t, "Cases: 1\n") != NULL, "%s", t);
	cr_expect(strstr(t, "First response due: 2026-12-02 04:00 UTC\n") !=
	    NULL, "%s", t);
	free(t);
	cr_assert_not_null(t = alert_text("honour_urgent", "half_deadline", 3,
	    "2026-12-02T05:00:00Z"));
	cr_expect(strncmp(t, "3 urgent cases are waiting", 26) == 0, "%s", t);
	cr_expect(strstr(t, "half of the first-response time has passed") !=
	    NULL, "%s", t);
	cr_expect(strstr(t, "due: earliest 2026-12-02 05:00 UTC") != NULL,
	    "%s", t);
	free(t);
}

Test(alert, text_refuses_what_could_inject)
{
	static const char *const queues[] = { "honour\nBcc: x@y", "Honour",
	    "", "a b", "q\r", NULL };
	static const char *const dues[] = { "2026-12-02T04:00:00Z\nX",
	    "2026-12-02 04:00:00Z", "tomorrow", "", NULL };
	int	i;

	for (i = 0; queues[i] != NULL; i++)
		cr_expect_null(alert_text(queues[i], "arrival", 1,
		    "2026-12-02T04:00:00Z"), "queue %d", i);
	for (i = 0; dues[i] != NULL; i++)
		cr_expect_null(alert_text("honour_urgent", "arrival", 1,
		    dues[i]), "due %d", i);
	cr_expect_null(alert_text("honour_urgent", "other", 1,
	    "2026-12-02T04:00:00Z"));
	cr_expect_null(alert_text("honour_urgent", "arrival", 0,
	    "2026-12-02T04:00:00Z"));
	cr_expect_null(alert_text("honour_urgent", NULL, 1,
	    "2026-12-02T04:00:00Z"));
}

Test(alert, program_gets_stdin_and_no_descriptor_of_ours)
{
	struct event_base	*base;
	char			 dir[] = "/tmp/alertrun-XXXXXX", script[1400];
	char			 in[600], fds[600], *s;
	char *const		 env[] = { "PATH=/usr/bin:/bin", NULL };
	char			*argv[] = { "/bin/sh", "-c", script, NULL };
	int			 sv[2];

	cr_assert_not_null(mkdtemp(dir));
	snprintf(in, sizeof(in), "%s/in", dir);
	snprintf(fds, sizeof(fds), "%s/fds", dir);
	snprintf(script, sizeof(script), "ls /proc/self/fd > %s; cat > %s",
	    fds, in);
	/* Descriptors of ours that the program must not get. */
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	logbuf[0] = '\0';
	log_set_sink(sink, NULL);
	cr_assert_not_null(base = event_base_new());
	alertrun_init(base);
	cr_assert_eq(alertrun_spawn("command", argv, env, CANARY "\n",
	    strlen(CANARY) + 1, 5000), 0);
	run_loop(base, 10);
	cr_expect_eq(alertrun_running(), 0);
	s = slurp(in);
	cr_expect_str_eq(s, CANARY "\n");
	free(s);
	/* 0, 1, 2 and the one ls opens for /proc/self/fd: nothing else. */
	s = slurp(fds);
	cr_expect_str_eq(s, "0\n1\n2\n3\n");
	free(s);
	cr_expect(strstr(logbuf, "alert command: delivered (exit status 0") !=
	    NULL, "%s", logbuf);
	cr_expect(strstr(logbuf, CANARY) == NULL, "the message was logged");
	alertrun_free();
	event_base_free(base);
	log_set_sink(NULL, NULL);
	close(sv[0]);
	close(sv[1]);
}

Test(alert, hanging_program_is_killed_and_the_status_logged)
{
	struct event_base	*base;
	char *const		 env[] = { NULL };
	char			*hang[] = { "/bin/sleep", "30", NULL };
	char			*fail[] = { "/bin/false", NULL };
	double			 took;

	/* As meldpuntd does (main.c): a program that exits without
	 * reading its stdin must not kill us with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	logbuf[0] = '\0';
	log_set_sink(sink, NULL);
	cr_assert_not_null(base = event_base_new());
	alertrun_init(base);
	cr_assert_eq(alertrun_spawn("mail", hang, env, CANARY, strlen(CANARY),
	    300), 0);
	cr_assert_eq(alertrun_spawn("command", fail, env, CANARY,
	    strlen(CANARY), 5000), 0);
	cr_expect_eq(alertrun_running(), 2);
	took = run_loop(base, 10);
	cr_expect_eq(alertrun_running(), 0);
	cr_expect(took >= 0.3 && took < 5, "took %.2f s", took);
	cr_expect(strstr(logbuf, "alert mail: killed after ") != NULL, "%s",
	    logbuf);
	cr_expect(strstr(logbuf, "alert command: failed with exit status 1")
	    != NULL, "%s", logbuf);
	cr_expect(strstr(logbuf, CANARY) == NULL, "the message was logged");
	/* A program that is not there: refused at once, nothing runs. */
	hang[0] = "/nonexistent/program";
	cr_expect_eq(alertrun_spawn("command", hang, env, "x", 1, 300), -1);
	cr_expect_eq(alertrun_running(), 0);
	alertrun_free();
	event_base_free(base);
	log_set_sink(NULL, NULL);
}
