/*
 * Run an alert outlet's program off the event loop (daemon/alert.c): a
 * fixed argv, no shell, the message on stdin, nothing inherited but the
 * three standard descriptors, a bounded run time, the exit status logged
 * without content.  At most ALERTRUN_MAX programs run at once; beyond
 * that a message is dropped with a warning rather than queued.
 */
#ifndef MELDPUNT_ALERTRUN_H
#define MELDPUNT_ALERTRUN_H

#include <stddef.h>

struct event_base;

#define ALERTRUN_MAX	8

/* base is borrowed and must outlive alertrun_free(). */
void	 alertrun_init(struct event_base *base);
/* Kill (SIGKILL, the whole process group) and reap what still runs. */
void	 alertrun_free(void);

/*
 * Start argv[0] (an absolute path) with argv and envp, write the len
 * bytes of input to its stdin and close it; its stdout and stderr go to
 * /dev/null.  what names the outlet in log lines ("command", "mail").
 * After timeout_ms the process group is killed.  Everything is copied.
 * Returns 0 when the program started, else -1 (logged).
 */
int	 alertrun_spawn(const char *what, char *const argv[],
	    char *const envp[], const char *input, size_t len,
	    int timeout_ms);
/* Programs running now (tests, metrics). */
int	 alertrun_running(void);

#endif
