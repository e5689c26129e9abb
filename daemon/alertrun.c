/*
 * The alert outlets' programs (see alertrun.h).  posix_spawn() starts a
 * program without a shell: argv comes from the configuration, split on
 * blanks, never from a message.  The child gets the message on a pipe
 * as stdin, /dev/null as stdout and stderr, no other descriptor of ours
 * (the listening socket, database connections, key files stay here), the
 * default disposition of every signal (we ignore SIGPIPE; it must not),
 * an empty signal mask, and a process group of its own so that a timeout
 * kills whatever it started too.
 *
 * Nothing here waits: the stdin pipe is non-blocking (a message is far
 * below PIPE_BUF, so one write normally takes it all), and each child has
 * a 50 ms timer that writes what is left, reaps it with waitpid(WNOHANG)
 * and kills its group once timeout_ms has passed.  The daemon does not
 * use SIGCHLD, so nothing else reaps our children.  Logs say which
 * outlet, the exit status or signal and the run time; never the message.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon/alertrun.h"
#include "daemon/log.h"

#define ALERTRUN_TICK_MS	50

struct alertrun_child {
	pid_t		 ch_pid;		/* 0: slot free */
	int		 ch_fd;			/* stdin pipe; -1 once closed */
	char		*ch_input;		/* what is left to write */
	size_t		 ch_len, ch_off;
	struct event	*ch_tick;
	struct timespec	 ch_start;
	int		 ch_timeout_ms;
	int		 ch_killed;
	const char	*ch_what;		/* static string of alert.c */
};

static struct event_base	*ar_base;
static struct alertrun_child	 ar_kids[ALERTRUN_MAX];

static long
alertrun_elapsed_ms(const struct alertrun_child *ch)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return ((now.tv_sec - ch->ch_start.tv_sec) * 1000L +
	    (now.tv_nsec - ch->ch_start.tv_nsec) / 1000000L);
}

/* Close stdin and forget the input; the slot stays until reaped. */
static void
alertrun_close_input(struct alertrun_child *ch)
{
	if (ch->ch_fd != -1)
		close(ch->ch_fd);
	ch->ch_fd = -1;
	free(ch->ch_input);
	ch->ch_input = NULL;
}

static void
alertrun_release(struct alertrun_child *ch)
{
	alertrun_close_input(ch);
	if (ch->ch_tick != NULL)
		event_free(ch->ch_tick);
	memset(ch, 0, sizeof(*ch));
	ch->ch_fd = -1;
}

/* Write what the pipe takes; a reader that went away ends the input. */
static void
alertrun_feed(struct alertrun_child *ch)
{
	ssize_t	 w;

	while (ch->ch_fd != -1 && ch->ch_off < ch->ch_len) {
		w = write(ch->ch_fd, ch->ch_input + ch->ch_off,
		    ch->ch_len - ch->ch_off);
		if (w > 0)
			ch->ch_off += (size_t)w;
		else if (w == -1 && errno == EINTR)
			continue;
		else if (w == -1 && errno == EAGAIN)
			return;
		else {
			/* EPIPE (meldpuntd ignores SIGPIPE, main.c): it did
			 * not read its stdin.  Its exit status says whether
			 * that was a failure. */
			break;
		}
	}
	alertrun_close_input(ch);
}

static void
alertrun_reaped(struct alertrun_child *ch, int status)
{
	long	ms = alertrun_elapsed_ms(ch);

	if (ch->ch_killed)
		log_warnx("alert %s: killed after %ld ms (alert_timeout_ms "
		    "%d)", ch->ch_what, ms, ch->ch_timeout_ms);
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		log_info("alert %s: delivered (exit status 0, %ld ms)",
		    ch->ch_what, ms);
	else if (WIFEXITED(status))
		log_warnx("alert %s: failed with exit status %d after %ld ms",
		    ch->ch_what, WEXITSTATUS(status), ms);
	else
		log_warnx("alert %s: ended by signal %d after %ld ms",
		    ch->ch_what, WIFSIGNALED(status) ? WTERMSIG(status) : 0,
		    ms);
	alertrun_release(ch);
}

static void
alertrun_tick(evutil_socket_t fd, short what, void *arg)
{
	struct alertrun_child	*ch = arg;
	struct timeval		 tv = { 0, ALERTRUN_TICK_MS * 1000 };
	int			 status;
	pid_t			 r;

	(void)fd;
	(void)what;
	alertrun_feed(ch);
	r = waitpid(ch->ch_pid, &status, WNOHANG);
	if (r == ch->ch_pid) {
		alertrun_reaped(ch, status);
		return;
	}
	if (r == -1 && errno != EINTR) {
		log_warn("alert %s: waitpid", ch->ch_what);
		alertrun_release(ch);
		return;
	}
	if (!ch->ch_killed && alertrun_elapsed_ms(ch) >= ch->ch_timeout_ms) {
		/* The group: a program that forked must not linger. */
		kill(-ch->ch_pid, SIGKILL);
		kill(ch->ch_pid, SIGKILL);
		ch->ch_killed = 1;
		alertrun_close_input(ch);
	}
	evtimer_add(ch->ch_tick, &tv);
}

void
alertrun_init(struct event_base *base)
{
	int	i;

	alertrun_free();
	ar_base = base;
	for (i = 0; i < ALERTRUN_MAX; i++)
		ar_kids[i].ch_fd = -1;
}

void
alertrun_free(void)
{
	struct alertrun_child	*ch;
	int			 i;

	for (i = 0; i < ALERTRUN_MAX; i++) {
		ch = &ar_kids[i];
		if (ch->ch_pid > 0) {
			kill(-ch->ch_pid, SIGKILL);
			kill(ch->ch_pid, SIGKILL);
			/* SIGKILL cannot be caught: this wait is short. */
			while (waitpid(ch->ch_pid, NULL, 0) == -1 &&
			    errno == EINTR)
				;
			log_warnx("alert %s: killed at shutdown", ch->ch_what);
		}
		alertrun_release(ch);
	}
	ar_base = NULL;
}

int
alertrun_running(void)
{
	int	i, n = 0;

	for (i = 0; i < ALERTRUN_MAX; i++)
		n += ar_kids[i].ch_pid > 0;
	return (n);
}

/* The attributes: own process group, every signal default, none masked. */
static int
alertrun_attr(posix_spawnattr_t *at)
{
	sigset_t	all, none;

	sigfillset(&all);
	sigemptyset(&none);
	if (posix_spawnattr_init(at) != 0)
		return (-1);
	if (posix_spawnattr_setflags(at, POSIX_SPAWN_SETPGROUP |
	    POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK) != 0 ||
	    posix_spawnattr_setpgroup(at, 0) != 0 ||
	    posix_spawnattr_setsigdefault(at, &all) != 0 ||
	    posix_spawnattr_setsigmask(at, &none) != 0) {
		posix_spawnattr_destroy(at);
		return (-1);
	}
	return (0);
}

/* stdin from the pipe, stdout and stderr to /dev/null, nothing else. */
static int
alertrun_actions(posix_spawn_file_actions_t *fa, int rd)
{
	if (posix_spawn_file_actions_init(fa) != 0)
		return (-1);
	if (posix_spawn_file_actions_adddup2(fa, rd, 0) != 0 ||
	    posix_spawn_file_actions_addopen(fa, 1, "/dev/null", O_WRONLY,
	    0) != 0 ||
	    posix_spawn_file_actions_adddup2(fa, 1, 2) != 0 ||
	    posix_spawn_file_actions_addclosefrom_np(fa, 3) != 0) {
		posix_spawn_file_actions_destroy(fa);
		return (-1);
	}
	return (0);
}

int
alertrun_spawn(const char *what, char *const argv[], char *const envp[],
    const char *input, size_t len, int timeout_ms)
{
	struct alertrun_child		*ch = NULL;
	struct timeval			 tv = { 0, ALERTRUN_TICK_MS * 1000 };
	posix_spawn_file_actions_t	 fa;
	posix_spawnattr_t		 at;
	int				 i, p[2] = { -1, -1 }, rc;
	pid_t				 pid;

	for (i = 0; i < ALERTRUN_MAX && ch == NULL; i++)
		if (ar_kids[i].ch_pid == 0)
			ch = &ar_kids[i];
	if (ar_base == NULL || ch == NULL) {
		log_warnx("alert %s: %d programs still running; this alert "
		    "is dropped", what, ALERTRUN_MAX);
		return (-1);
	}
	if ((ch->ch_input = malloc(len > 0 ? len : 1)) == NULL ||
	    (ch->ch_tick = evtimer_new(ar_base, alertrun_tick, ch)) == NULL ||
	    pipe2(p, O_CLOEXEC) == -1) {
		log_warn("alert %s: cannot start", what);
		goto fail;
	}
	memcpy(ch->ch_input, input, len);
	ch->ch_len = len;
	if (alertrun_attr(&at) == -1) {
		log_warnx("alert %s: cannot start (spawn attributes)", what);
		goto fail;
	}
	if (alertrun_actions(&fa, p[0]) == -1) {
		posix_spawnattr_destroy(&at);
		log_warnx("alert %s: cannot start (file actions)", what);
		goto fail;
	}
	rc = posix_spawn(&pid, argv[0], &fa, &at, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (rc != 0) {
		log_warnx("alert %s: cannot start: %s", what, strerror(rc));
		goto fail;
	}
	close(p[0]);
	ch->ch_pid = pid;
	ch->ch_fd = p[1];
	ch->ch_what = what;
	ch->ch_timeout_ms = timeout_ms;
	clock_gettime(CLOCK_MONOTONIC, &ch->ch_start);
	/* A blocking pipe could stall the loop: rather no input then. */
	if (fcntl(ch->ch_fd, F_SETFL, O_NONBLOCK) == -1) {
		log_warn("alert %s: non-blocking stdin", what);
		alertrun_close_input(ch);
	}
	alertrun_feed(ch);
	evtimer_add(ch->ch_tick, &tv);
	return (0);
 fail:
	if (p[0] != -1)
		close(p[0]);
	if (p[1] != -1)
		close(p[1]);
	alertrun_release(ch);
	return (-1);
}
