// SPDX-License-Identifier: GPL-2.0
/*
 * The runner: one forked process per case, a deadline per case, results
 * in a shared page, and the tier's output lines.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fnmatch.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KT_GROUP 0
#include "harness.h"

#define KT_REASON_MAX	512
#define KT_MAX_PRINTED	20	/* diagnostics per case, against floods */
#define KT_MAX_DEFER	32

/* Shared between the runner, a case and everything the case forks. */
struct kt_shared {
	int failures;
	int skipped;
	char reason[KT_REASON_MAX];
};

static struct kt_shared *kt_sh;
static struct kt_case **kt_cases;
static size_t kt_ncases, kt_cap;
static pid_t kt_case_pid;

static struct {
	void (*fn)(void *);
	void *arg;
} kt_deferred[KT_MAX_DEFER];
static int kt_ndeferred;

void kt_register(struct kt_case *c)
{
	if (kt_ncases == kt_cap) {
		kt_cap = kt_cap ? 2 * kt_cap : 64;
		kt_cases = realloc(kt_cases, kt_cap * sizeof(*kt_cases));
		if (!kt_cases) {
			perror("realloc");
			exit(2);
		}
	}
	kt_cases[kt_ncases++] = c;
}

const char *kt_errname(int e)
{
	static __thread char buf[16];
	const char *n = e ? strerrorname_np(e) : "0";

	if (n)
		return n;
	snprintf(buf, sizeof(buf), "errno %d", e);
	return buf;
}

void kt_fail(const char *file, int line, const char *fmt, ...)
{
	char msg[KT_REASON_MAX];
	int n, len;
	va_list ap;

	len = snprintf(msg, sizeof(msg), "%s:%d: ", file, line);
	va_start(ap, fmt);
	vsnprintf(msg + len, sizeof(msg) - len, fmt, ap);
	va_end(ap);

	n = __atomic_fetch_add(&kt_sh->failures, 1, __ATOMIC_SEQ_CST);
	if (n == 0)
		memcpy(kt_sh->reason, msg, sizeof(msg));
	if (n < KT_MAX_PRINTED)
		dprintf(STDERR_FILENO, "#   %s\n", msg);
}

void kt_defer(void (*fn)(void *), void *arg)
{
	if (kt_ndeferred == KT_MAX_DEFER) {
		kt_fail(__FILE__, __LINE__, "too many deferred cleanups");
		return;
	}
	kt_deferred[kt_ndeferred].fn = fn;
	kt_deferred[kt_ndeferred].arg = arg;
	kt_ndeferred++;
}

/* Cleanups belong to the case process; its forked helpers leave them. */
static void kt_run_deferred(void)
{
	if (getpid() != kt_case_pid)
		return;
	while (kt_ndeferred > 0) {
		kt_ndeferred--;
		kt_deferred[kt_ndeferred].fn(kt_deferred[kt_ndeferred].arg);
	}
}

void kt_abort(void)
{
	kt_run_deferred();
	_exit(1);
}

void kt_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(kt_sh->reason, sizeof(kt_sh->reason), fmt, ap);
	va_end(ap);
	kt_sh->skipped = 1;
	kt_run_deferred();
	_exit(0);
}

/* ---- time, processes, threads ------------------------------------------ */

long long kt_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

long long kt_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

void kt_msleep(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

pid_t kt_fork(void (*fn)(void *), void *arg)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == -1) {
		kt_fail(__FILE__, __LINE__, "fork: %s", kt_errname(errno));
		kt_abort();
	}
	if (pid == 0) {
		fn(arg);
		_exit(0);
	}
	return pid;
}

int kt_wait(pid_t pid, unsigned int ms)
{
	long long deadline = kt_mono_ms() + ms;
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			break;
		if (r == -1 && errno != EINTR)
			return -2;
		if (kt_mono_ms() > deadline)
			return -1;
		kt_msleep(5);
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

void kt_join_child(pid_t pid, unsigned int ms)
{
	int st = kt_wait(pid, ms);

	if (st == -1) {
		kill(pid, SIGKILL);
		kt_wait(pid, 5000);
		kt_fail(__FILE__, __LINE__, "child %d still running after %u ms",
			pid, ms);
	} else if (st != 0) {
		kt_fail(__FILE__, __LINE__, "child %d exited with status %d",
			pid, st);
	}
}

static void *kt_thread_main(void *p)
{
	struct kt_thread *t = p;

	t->tid = gettid();
	__atomic_store_n(&t->started, 1, __ATOMIC_SEQ_CST);
	t->ret = t->fn(t->arg);
	__atomic_store_n(&t->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

void kt_thread_start(struct kt_thread *t, void *(*fn)(void *), void *arg)
{
	memset(t, 0, sizeof(*t));
	t->fn = fn;
	t->arg = arg;
	errno = pthread_create(&t->th, NULL, kt_thread_main, t);
	if (errno) {
		kt_fail(__FILE__, __LINE__, "pthread_create: %s",
			kt_errname(errno));
		kt_abort();
	}
}

bool kt_thread_join(struct kt_thread *t, unsigned int ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return pthread_timedjoin_np(t->th, NULL, &ts) == 0;
}

/* The first line of DIR/NAME into @buf; -1 when it cannot be read. */
static int kt_read_line(const char *dir, const char *name, char *buf, int size)
{
	char path[96];
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	ret = fgets(buf, size, f) ? 0 : -1;
	fclose(f);
	return ret;
}

/* From DIR/syscall and DIR/stat: the current system call and the state. */
static int kt_task_state(const char *dir, long *nr, char *state)
{
	char buf[512], *p;

	if (kt_read_line(dir, "syscall", buf, sizeof(buf)))
		return -1;
	*nr = (buf[0] >= '0' && buf[0] <= '9') ? strtol(buf, NULL, 10) : -2;

	if (kt_read_line(dir, "stat", buf, sizeof(buf)))
		return -1;
	p = strrchr(buf, ')');	/* comm may hold spaces */
	*state = p && p[1] && p[2] ? p[2] : '?';
	return 0;
}

/* Poll DIR until its task sleeps in system call nr (-1: any) or done. */
static bool kt_blocked_in(const char *dir, long nr, unsigned int ms,
			  volatile int *done)
{
	long long deadline = kt_mono_ms() + ms;

	for (;;) {
		long cur;
		char state;

		if (done && __atomic_load_n(done, __ATOMIC_SEQ_CST))
			return false;
		if (kt_task_state(dir, &cur, &state)) {
			/* no /proc/.../syscall here: give it time instead */
			kt_msleep(300);
			return !done || !__atomic_load_n(done, __ATOMIC_SEQ_CST);
		}
		if (state == 'S' && (cur == nr || (nr == -1 && cur >= 0)))
			return true;
		if (kt_mono_ms() > deadline)
			return false;
		kt_msleep(5);
	}
}

bool kt_thread_blocked_in(struct kt_thread *t, long nr, unsigned int ms)
{
	long long deadline = kt_mono_ms() + ms;
	char dir[64];

	while (!__atomic_load_n(&t->started, __ATOMIC_SEQ_CST)) {
		if (kt_mono_ms() > deadline)
			return false;
		kt_msleep(1);
	}
	snprintf(dir, sizeof(dir), "/proc/self/task/%d", t->tid);
	return kt_blocked_in(dir, nr, ms, &t->done);
}

bool kt_pid_blocked_in(pid_t pid, long nr, unsigned int ms)
{
	char dir[64];

	snprintf(dir, sizeof(dir), "/proc/%d", pid);
	return kt_blocked_in(dir, nr, ms, NULL);
}

void kt_drop_privileges(uid_t uid, gid_t gid)
{
	ASSERT_OK(setgroups(0, NULL));
	ASSERT_OK(setresgid(gid, gid, gid));
	ASSERT_OK(setresuid(uid, uid, uid));
	ASSERT_EQ(uid, geteuid());
}

void kt_signal(int sig, void (*handler)(int), bool restart)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigemptyset(&sa.sa_mask);
	ASSERT_OK(sigaction(sig, &sa, NULL));
}

void *kt_bad_ptr(void)
{
	static void *p;

	if (!p) {
		p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
		ASSERT_TRUE(p != MAP_FAILED);
	}
	return p;
}

/* ---- the runner ---------------------------------------------------------- */

static int kt_case_cmp(const void *a, const void *b)
{
	const struct kt_case *x = *(struct kt_case * const *)a;
	const struct kt_case *y = *(struct kt_case * const *)b;

	if (x->group != y->group)
		return x->group - y->group;
	return x->line - y->line;
}

static bool kt_selected(const struct kt_case *c, const char *filter)
{
	if (!filter)
		return true;
	if (strpbrk(filter, "*?["))
		return fnmatch(filter, c->name, 0) == 0;
	return strstr(c->name, filter) != NULL;
}

/* Remove nodes a killed case could not remove itself (kt-abi.<pid>.*). */
static void kt_sweep_nodes(pid_t pid)
{
	static const char *const dirs[] = { "/tmp", "/dev" };
	char prefix[32], path[300];
	size_t i;

	snprintf(prefix, sizeof(prefix), "kt-abi.%d.", pid);
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		DIR *d = opendir(dirs[i]);
		struct dirent *de;

		if (!d)
			continue;
		while ((de = readdir(d))) {
			if (strncmp(de->d_name, prefix, strlen(prefix)))
				continue;
			snprintf(path, sizeof(path), "%s/%s", dirs[i],
				 de->d_name);
			kt_node_remove(path);
		}
		closedir(d);
	}
}

/* Reap whatever the case left behind (we are their subreaper). */
static void kt_reap_strays(pid_t pgrp)
{
	long long deadline = kt_mono_ms() + 5000;

	kill(-pgrp, SIGKILL);
	while (kt_mono_ms() < deadline) {
		pid_t r = waitpid(-1, NULL, WNOHANG);

		if (r == -1)		/* ECHILD: all gone */
			return;
		if (r == 0)
			kt_msleep(5);
	}
}

/* Runs one case; returns 0 pass, 1 fail, 2 skip; *why gets the reason. */
static int kt_run_case(const struct kt_case *c, char *why, size_t size)
{
	long long deadline;
	sigset_t chld;
	int status = 0;
	pid_t pid;
	bool timed_out = false, reaped = false;

	memset(kt_sh, 0, sizeof(*kt_sh));
	fflush(stdout);
	fflush(stderr);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);

	pid = fork();
	if (pid == -1) {
		snprintf(why, size, "fork: %s", kt_errname(errno));
		return 1;
	}
	if (pid == 0) {
		sigset_t none;

		setpgid(0, 0);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		kt_case_pid = getpid();
		c->fn();
		kt_run_deferred();
		_exit(kt_sh->failures ? 1 : 0);
	}
	setpgid(pid, pid);

	deadline = kt_mono_ms() + c->timeout * 1000LL;
	while (!reaped) {
		struct timespec ts = { 0, 50 * 1000000L };
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid) {
			reaped = true;
			break;
		}
		if (timed_out) {
			if (kt_mono_ms() > deadline)
				break;	/* stuck in the kernel: give up on it */
		} else if (kt_mono_ms() > deadline) {
			timed_out = true;
			kill(-pid, SIGKILL);
			deadline = kt_mono_ms() + 10000;
		}
		sigtimedwait(&chld, NULL, &ts);
	}
	kt_reap_strays(pid);
	kt_sweep_nodes(pid);

	if (timed_out) {
		snprintf(why, size, "timeout after %us%s%s%s", c->timeout,
			 reaped ? "" : " (process unkillable: stuck in kernel)",
			 kt_sh->failures ? "; first failure: " : "",
			 kt_sh->reason);
		return 1;
	}
	if (WIFSIGNALED(status)) {
		snprintf(why, size, "killed by signal %s%s%s",
			 sigabbrev_np(WTERMSIG(status)) ?: "?",
			 kt_sh->failures ? "; first failure: " : "",
			 kt_sh->reason);
		return 1;
	}
	if (kt_sh->failures) {
		if (kt_sh->failures > 1)
			snprintf(why, size, "%s (+%d more)", kt_sh->reason,
				 kt_sh->failures - 1);
		else
			snprintf(why, size, "%s", kt_sh->reason);
		return 1;
	}
	if (WEXITSTATUS(status)) {
		snprintf(why, size, "exit status %d", WEXITSTATUS(status));
		return 1;
	}
	if (kt_sh->skipped) {
		snprintf(why, size, "%s", kt_sh->reason);
		return 2;
	}
	return 0;
}

static void kt_usage(const char *argv0)
{
	printf("usage: %s [--list] [FILTER]\n"
	       "  FILTER: substring of case names, or a glob (fnmatch)\n"
	       "  env: KT_DEVICE (default /dev/kerneltalk), KT_MODULE and\n"
	       "       KT_PARAMS (module cases: the .ko and its parameters)\n",
	       argv0);
}

int main(int argc, char **argv)
{
	const char *filter = NULL;
	int passed = 0, failed = 0, skipped = 0, n = 0;
	bool list = false;
	sigset_t chld;
	size_t i;

	for (i = 1; i < (size_t)argc; i++) {
		if (!strcmp(argv[i], "--list") || !strcmp(argv[i], "-l")) {
			list = true;
		} else if (!strcmp(argv[i], "--help") ||
			   !strcmp(argv[i], "-h")) {
			kt_usage(argv[0]);
			return 0;
		} else {
			filter = argv[i];
		}
	}

	qsort(kt_cases, kt_ncases, sizeof(*kt_cases), kt_case_cmp);
	if (list) {
		for (i = 0; i < kt_ncases; i++)
			if (kt_selected(kt_cases[i], filter))
				printf("%s\n", kt_cases[i]->name);
		return 0;
	}

	setvbuf(stdout, NULL, _IOLBF, 0);
	kt_sh = mmap(NULL, sizeof(*kt_sh), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (kt_sh == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	/* SIGCHLD stays blocked here so sigtimedwait() can wait for it. */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	signal(SIGPIPE, SIG_IGN);

	for (i = 0; i < kt_ncases; i++) {
		char why[KT_REASON_MAX + 128];
		int r;

		if (!kt_selected(kt_cases[i], filter))
			continue;
		n++;
		why[0] = '\0';
		r = kt_run_case(kt_cases[i], why, sizeof(why));
		if (r == 1) {
			failed++;
			printf("not ok %d - %s # %s\n", n, kt_cases[i]->name,
			       why);
		} else if (r == 2) {
			passed++;
			skipped++;
			printf("ok %d - %s # SKIP %s\n", n, kt_cases[i]->name,
			       why);
		} else {
			passed++;
			printf("ok %d - %s\n", n, kt_cases[i]->name);
		}
	}
	if (skipped)
		printf("# %d of the passed cases were skipped\n", skipped);
	printf("abi: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
