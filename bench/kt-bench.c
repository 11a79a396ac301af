// SPDX-License-Identifier: GPL-2.0
/*
 * kt-bench: KernelTalk side by side with the IPC people would use instead.
 *
 *   kt-bench [-r REPS] [-t SECONDS] [-o CSV] [-d DEVICE] [WORKLOAD...]
 *   kt-bench drain ROOM COUNT    helper for cmdlets.ps1: read COUNT messages
 *   kt-bench post ROOM COUNT     helper for cmdlets.ps1: post "1".."COUNT"
 *                                (both start on a line on stdin and end by
 *                                printing "cpu SECONDS", the CPU time the
 *                                reading or posting took)
 *
 * Workloads (all by default but "parallel", which wants two CPUs):
 *   p2p       1 writer -> 1 reader, 64 B and 1 KiB: KernelTalk in stream,
 *             record and batched record mode (writer O_WRONLY) against a
 *             line-framed pipe, an AF_UNIX SOCK_SEQPACKET pair and a POSIX
 *             message queue
 *   fanout    1 writer -> N readers (N = 1, 4, 16, 64) against a broker
 *             process fanning out over AF_UNIX SOCK_SEQPACKET sockets
 *   pingpong  64 B round trip through two rooms against a pipe pair
 *   members   cost of one post with 1, 16, 256, 4096 idle members
 *   memory    kernel memory per member and per room (needs root)
 *   parallel  N writers -> N readers in one room (N = 2, 8) against the
 *             broker doing the same
 *   syscalls  ns per call of getppid, a pipe's and KernelTalk's 64 B write
 *             and read (no module needed for the first three)
 *
 * Every repetition runs every selected workload once, so a ratio compares
 * KernelTalk with its peer measured moments apart.  Each figure is reported
 * as the median of the repetitions with min and max, ratios (KernelTalk /
 * peer in the same repetition) first: under an emulator absolute times mean
 * little.  The CSV columns are described in bench/README.md.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <mqueue.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/kerneltalk.h>

#define DEVICE		"/dev/kerneltalk"
#define REPS_MAX	31
#define CALIBRATIONS	2	/* passes before the repetitions */
#define SERIES_MAX	256
#define BUF_SIZE	65536
#define MEM_OBJECTS	1000
#define FDS_WANTED	8192

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define __printf(a, b)	__attribute__((format(printf, a, b)))
#define __noreturn	__attribute__((noreturn))

static const char *device = DEVICE;
static int reps = 5;
static double target = 0.4;	/* seconds one measurement should take */

/* ---- errors and small helpers ----------------------------------------- */

static void __noreturn __printf(1, 2) die(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	fputs("kt-bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(err));
	exit(1);
}

static void __printf(1, 2) note(const char *fmt, ...)
{
	va_list ap;

	fputs("kt-bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void xwrite(int fd, const void *buf, size_t len)
{
	if (write(fd, buf, len) != (ssize_t)len)
		die("write of %zu bytes", len);
}

/* ---- KernelTalk members ------------------------------------------------ */

/* Reading modes of a KernelTalk member; batched only where the module has it. */
enum kt_mode { KT_STREAM, KT_RECORD, KT_BATCH };

static const char *const kt_mode_name[] = { "kt-stream", "kt-record", "kt-batch" };

/* A member of @room ("" for the node's default room), or -1 with errno. */
static int kt_open(const char *room, int oflags)
{
	char name[KERNELTALK_NAME_MAX] = "";
	int fd = open(device, oflags | O_CLOEXEC);

	if (fd < 0)
		return -1;
	snprintf(name, sizeof(name), "%s", room);
	if (room[0] && ioctl(fd, KERNELTALK_IOC_JOIN, name) < 0) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

static int kt_set_mode(int fd, enum kt_mode mode)
{
	__u32 flags = 0;

	if (mode == KT_RECORD)
		flags = KERNELTALK_F_RECORDS;
#ifdef KERNELTALK_F_BATCH
	if (mode == KT_BATCH)
		flags = KERNELTALK_F_RECORDS | KERNELTALK_F_BATCH;
#else
	if (mode == KT_BATCH) {
		errno = EINVAL;
		return -1;
	}
#endif
	return ioctl(fd, KERNELTALK_IOC_SET_FLAGS, &flags);
}

static int kt_reader(const char *room, enum kt_mode mode)
{
	int fd = kt_open(room, O_RDONLY);

	if (fd < 0)
		die("open %s, room %s", device, room);
	if (kt_set_mode(fd, mode) < 0)
		die("KERNELTALK_IOC_SET_FLAGS (%s)", kt_mode_name[mode]);
	return fd;
}

static int kt_writer(const char *room)
{
	int fd = kt_open(room, O_WRONLY);

	if (fd < 0)
		die("open %s write-only, room %s", device, room);
	return fd;
}

/* Asked once: does this module take KERNELTALK_F_BATCH? */
static bool kt_batch_supported(void)
{
	static int supported = -1;

	if (supported < 0) {
		int fd = kt_open("", O_RDONLY);

		if (fd < 0)
			die("open %s", device);
		supported = kt_set_mode(fd, KT_BATCH) == 0;
		if (!supported && errno != EINVAL)
			die("KERNELTALK_IOC_SET_FLAGS (batch)");
		close(fd);
	}
	return supported;
}

static struct kerneltalk_room_info kt_info(int fd)
{
	struct kerneltalk_room_info info;

	if (ioctl(fd, KERNELTALK_IOC_INFO, &info) < 0)
		die("KERNELTALK_IOC_INFO");
	return info;
}

/*
 * Messages in one batched read of @n bytes.  Records follow each other at
 * the alignment the uapi header defines for batches (8 bytes, that of
 * struct kerneltalk_msg, until it names one).
 */
#ifdef KERNELTALK_F_BATCH
#ifndef KERNELTALK_RECORD_ALIGN
#define KERNELTALK_RECORD_ALIGN	8
#endif
static long kt_batch_count(const char *buf, size_t n)
{
	size_t off = 0;
	long count = 0;

	while (off + sizeof(struct kerneltalk_msg) <= n) {
		const struct kerneltalk_msg *hdr = (const void *)(buf + off);
		size_t rec = sizeof(*hdr) + hdr->len;

		off += (rec + KERNELTALK_RECORD_ALIGN - 1) & ~(size_t)(KERNELTALK_RECORD_ALIGN - 1);
		count++;
	}
	return count;
}
#endif

/* ---- channels: one way to move a message, KernelTalk or a peer ----------- */

enum mech { M_KT_STREAM, M_KT_RECORD, M_KT_BATCH, M_PIPE, M_SEQPACKET, M_MQUEUE };

static const char *const mech_name[] = {
	"kt-stream", "kt-record", "kt-batch", "pipe", "seqpacket", "mqueue"
};

/* Posts one message of @size bytes; a pipe's is a line. */
static void chan_post(enum mech mech, int fd, char *buf, size_t size)
{
	ssize_t n;

	if (mech == M_PIPE)
		buf[size - 1] = '\n';
	if (mech == M_MQUEUE)
		n = mq_send(fd, buf, size, 0) ? -1 : (ssize_t)size;
	else
		n = write(fd, buf, size);
	if (n != (ssize_t)size)
		die("post to %s", mech_name[mech]);
}

/* Takes what one receive call gives; returns the messages it held. */
static long chan_receive(enum mech mech, int fd, char *buf)
{
	ssize_t n;
	long count = 0;

	if (mech == M_MQUEUE)
		n = mq_receive(fd, buf, BUF_SIZE, NULL);
	else
		n = read(fd, buf, BUF_SIZE);
	if (n <= 0) {
		if (n == 0)
			errno = EPIPE;
		die("receive from %s", mech_name[mech]);
	}
	switch (mech) {
	case M_PIPE:
		for (const char *p = buf; (p = memchr(p, '\n', buf + n - p)); p++)
			count++;
		return count;
#ifdef KERNELTALK_F_BATCH
	case M_KT_BATCH:
		return kt_batch_count(buf, n);
#endif
	default:
		return 1;
	}
}

struct chan {
	int wfd, rfd;
};

/* A one-way channel of @mech for messages of @size bytes. */
static struct chan chan_open(enum mech mech, size_t size, const char *room)
{
	struct chan c;
	int fds[2];

	switch (mech) {
	case M_KT_STREAM:
	case M_KT_RECORD:
	case M_KT_BATCH:
		/* The reader first: a member's cursor starts at the end. */
		c.rfd = kt_reader(room, (enum kt_mode)(mech - M_KT_STREAM));
		c.wfd = kt_writer(room);
		return c;
	case M_PIPE:
		if (pipe2(fds, O_CLOEXEC))
			die("pipe");
		break;
	case M_SEQPACKET:
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds))
			die("socketpair");
		break;
	case M_MQUEUE: {
		/* As many messages as a pipe's 64 KiB hold, if allowed. */
		struct mq_attr attr = { .mq_maxmsg = BUF_SIZE / size, .mq_msgsize = size };
		char name[64];
		int q;

		snprintf(name, sizeof(name), "/kt-bench-%d", getpid());
		q = mq_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600, &attr);
		if (q < 0 && errno == EINVAL) {
			FILE *f = fopen("/proc/sys/fs/mqueue/msg_max", "r");

			if (!f || fscanf(f, "%ld", &attr.mq_maxmsg) != 1)
				die("/proc/sys/fs/mqueue/msg_max");
			fclose(f);
			q = mq_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600, &attr);
		}
		if (q < 0)
			die("mq_open %s", name);
		mq_unlink(name);
		c.wfd = q;
		c.rfd = q;
		return c;
	}
	}
	c.rfd = fds[0];
	c.wfd = fds[1];
	return c;
}

static void chan_close(enum mech mech, struct chan c)
{
	if (mech == M_MQUEUE) {
		mq_close(c.wfd);
		return;
	}
	close(c.wfd);
	close(c.rfd);
}

static void chan_write_loop(enum mech mech, int fd, size_t size, long count)
{
	char buf[BUF_SIZE];

	memset(buf, 'x', size);
	for (long i = 0; i < count; i++)
		chan_post(mech, fd, buf, size);
}

static void chan_read_loop(enum mech mech, int fd, long count)
{
	static char buf[BUF_SIZE];

	while (count > 0)
		count -= chan_receive(mech, fd, buf);
	if (count < 0) {
		errno = EPROTO;
		die("%s delivered more than was posted", mech_name[mech]);
	}
}

/* ---- processes ---------------------------------------------------------- */

/*
 * The children of one measurement wait on a "go" pipe, so forking them is
 * not timed; the measurement ends when the last has exited.
 */
struct crew {
	int go[2];
	pid_t pid[160];
	int n;
};

static void crew_init(struct crew *crew)
{
	crew->n = 0;
	if (pipe2(crew->go, O_CLOEXEC))
		die("pipe");
}

/* In the parent: false.  In the child: true, once the crew is released. */
static bool crew_fork(struct crew *crew)
{
	pid_t pid = fork();
	char c;

	if (pid < 0)
		die("fork");
	if (pid > 0) {
		crew->pid[crew->n++] = pid;
		return false;
	}
	close(crew->go[1]);
	if (read(crew->go[0], &c, 1) < 0)
		die("read go");
	return true;
}

/* Releases the crew and returns the seconds until the last child exited. */
static double crew_run(struct crew *crew)
{
	double t0 = now();
	bool failed = false;
	int status;

	close(crew->go[1]);
	close(crew->go[0]);
	for (int i = 0; i < crew->n; i++) {
		if (waitpid(crew->pid[i], &status, 0) < 0)
			die("waitpid");
		failed |= !WIFEXITED(status) || WEXITSTATUS(status);
	}
	if (failed) {
		errno = ECHILD;
		die("a benchmark process failed");
	}
	return now() - t0;
}

/* ---- results ------------------------------------------------------------ */

struct series {
	char workload[16], cas[24], subject[24], unit[16];
	bool lower_better;
	long count;		/* what the next measurement runs for */
	double v[REPS_MAX];
};

static struct series series[SERIES_MAX];
static int nr_series;

static struct series *series_get(const char *workload, const char *cas, const char *subject)
{
	for (int i = 0; i < nr_series; i++) {
		struct series *s = &series[i];

		if (!strcmp(s->workload, workload) && !strcmp(s->cas, cas) &&
		    !strcmp(s->subject, subject))
			return s;
	}
	return NULL;
}

static struct series *series_add(const char *workload, const char *cas, const char *subject,
				 const char *unit, bool lower_better)
{
	struct series *s = series_get(workload, cas, subject);

	if (!s) {
		if (nr_series == SERIES_MAX) {
			errno = ENOSPC;
			die("too many series");
		}
		s = &series[nr_series++];
		snprintf(s->workload, sizeof(s->workload), "%s", workload);
		snprintf(s->cas, sizeof(s->cas), "%s", cas);
		snprintf(s->subject, sizeof(s->subject), "%s", subject);
		snprintf(s->unit, sizeof(s->unit), "%s", unit);
		s->lower_better = lower_better;
	}
	return s;
}

/*
 * Records repetition @rep's value; NAN when the module cannot do it.  The
 * calibration passes before the repetitions (@rep < 0) record nothing.
 */
static void record(int rep, const char *workload, const char *cas, const char *subject,
		   const char *unit, bool lower_better, double value)
{
	struct series *s = series_add(workload, cas, subject, unit, lower_better);

	if (rep >= 0)
		s->v[rep] = value;
}

/*
 * How long a measurement runs: @first in the first calibration pass, then
 * a count that took about target seconds in the pass before, so fast and
 * slow mechanisms, under an emulator or not, are all timed over a similar
 * stretch.  Two passes: the first runs cold (under TCG the code is
 * translated on its first run, which made the counts of a single pass
 * time their measurements at a third of the target or less).
 */
static long count_for(const char *workload, const char *cas, const char *subject, long first)
{
	const struct series *s = series_get(workload, cas, subject);

	return s && s->count ? s->count : first;
}

/* Units of measurements: a rate (units per second) or seconds * factor per unit. */
struct unit {
	const char *name;
	double factor;		/* 0 for a rate */
};

static const struct unit msg_per_s = { "msg/s", 0 };
static const struct unit us_per_rtt = { "us/rtt", 1e6 };
static const struct unit ns_per_post = { "ns/post", 1e9 };

/*
 * Records a measurement that ran for @count and did @units of work (e.g.
 * messages delivered) in @secs; a calibration pass sizes the next ones.
 */
static void record_run(int rep, const char *workload, const char *cas, const char *subject,
		       const struct unit *unit, long count, double units, double secs)
{
	struct series *s = series_add(workload, cas, subject, unit->name, unit->factor != 0);
	double next = count * target / secs;

	if (rep < 0)
		s->count = next < 1 ? 1 : next > 1e8 ? 1e8 : (long)next;
	else
		s->v[rep] = unit->factor ? secs / units * unit->factor : units / secs;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void csv_row(FILE *f, const char *kind, const struct series *s, const char *peer,
		    const char *unit, const double *v)
{
	double sorted[REPS_MAX];

	memcpy(sorted, v, reps * sizeof(*v));
	qsort(sorted, reps, sizeof(*sorted), cmp_double);
	fprintf(f, "%s,%s,%s,%s,%s,%s,%s,", kind, s->workload, s->cas, s->subject, peer,
		unit, s->lower_better ? "lower" : "higher");
	if (isnan(sorted[reps - 1]))
		fprintf(f, "n/a,n/a,n/a,%d\n", reps);
	else
		fprintf(f, "%.4g,%.4g,%.4g,%d\n", (sorted[(reps - 1) / 2] + sorted[reps / 2]) / 2,
			sorted[0], sorted[reps - 1], reps);
}

/* A ratio row: @s / the series (@peer_case, @peer) per repetition. */
static void csv_ratio(FILE *f, const struct series *s, const char *peer_case, const char *peer)
{
	const struct series *p = series_get(s->workload, peer_case, peer);
	char label[64];
	double r[REPS_MAX];

	if (!p)
		return;
	for (int i = 0; i < reps; i++)
		r[i] = s->v[i] / p->v[i];
	if (strcmp(peer_case, s->cas))
		snprintf(label, sizeof(label), "%s at %s", peer, peer_case);
	else
		snprintf(label, sizeof(label), "%s", peer);
	csv_row(f, "ratio", s, label, "x", r);
}

static bool is_kt(const char *subject)
{
	return !strncmp(subject, "kt-", 3);
}

static void csv_write(FILE *f)
{
	fputs("kind,workload,case,subject,peer,unit,better,median,min,max,reps\n", f);
	for (int i = 0; i < nr_series; i++) {
		const struct series *s = &series[i];

		if (!is_kt(s->subject))
			continue;
		if (!strcmp(s->workload, "members")) {
			if (strcmp(s->cas, "1 member"))
				csv_ratio(f, s, "1 member", s->subject);
			continue;
		}
		for (int j = 0; j < nr_series; j++) {
			const struct series *p = &series[j];

			if (!is_kt(p->subject) && !strcmp(p->workload, s->workload) &&
			    !strcmp(p->cas, s->cas))
				csv_ratio(f, s, p->cas, p->subject);
		}
	}
	for (int i = 0; i < nr_series; i++)
		csv_row(f, "value", &series[i], "", series[i].unit, series[i].v);
}

/* ---- workloads ---------------------------------------------------------- */

static const char *const rooms[] = { "kt-bench-a", "kt-bench-b" };

/* 1 -> 1 at 64 B and 1 KiB. */
static void run_p2p(int rep)
{
	static const size_t sizes[] = { 64, 1024 };

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		char cas[24];

		snprintf(cas, sizeof(cas), "%zu B", sizes[i]);
		for (enum mech m = M_KT_STREAM; m <= M_MQUEUE; m++) {
			long count = count_for("p2p", cas, mech_name[m], 2000);
			struct crew crew;
			struct chan c;

			if (m == M_KT_BATCH && !kt_batch_supported()) {
				record(rep, "p2p", cas, mech_name[m], msg_per_s.name, false, NAN);
				continue;
			}
			c = chan_open(m, sizes[i], rooms[0]);
			crew_init(&crew);
			if (crew_fork(&crew)) {
				chan_write_loop(m, c.wfd, sizes[i], count);
				_exit(0);
			}
			if (crew_fork(&crew)) {
				chan_read_loop(m, c.rfd, count);
				_exit(0);
			}
			chan_close(m, c);
			record_run(rep, "p2p", cas, mech_name[m], &msg_per_s, count, count,
				   crew_run(&crew));
		}
	}
}

/*
 * The user-space broker: takes messages from the writers' sockets as they
 * come and sends each to every reader's socket.  Ends after @total.
 */
static void broker(const int *in, int nin, const int *out, int nout, long total)
{
	struct pollfd pfd[64];
	static char buf[BUF_SIZE];

	for (int i = 0; i < nin; i++)
		pfd[i] = (struct pollfd){ .fd = in[i], .events = POLLIN };
	while (total > 0) {
		bool got = false;

		for (int i = 0; i < nin; i++) {
			ssize_t n = recv(in[i], buf, sizeof(buf), nin > 1 ? MSG_DONTWAIT : 0);

			if (n < 0 && errno == EAGAIN)
				continue;
			if (n <= 0)
				die("recv from a writer");
			for (int j = 0; j < nout; j++)
				if (send(out[j], buf, n, 0) != n)
					die("send to a reader");
			total--;
			got = true;
		}
		if (!got && poll(pfd, nin, -1) < 0)
			die("poll");
	}
}

static void seqpacket_pair(int fds[2])
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds))
		die("socketpair");
}

/*
 * @nw writers post @count messages of 64 B each; @nr readers each receive
 * all of them, through one room (@mech a KernelTalk mode) or the broker.
 * Returns the seconds it took.
 */
static double spread(enum mech mech, int nw, int nr, long count)
{
	int wfd[64], rfd[64], bin[64], bout[64], fds[2];
	bool kt = mech != M_SEQPACKET;
	struct crew crew;

	for (int i = 0; i < nr; i++) {
		if (kt) {
			rfd[i] = kt_reader(rooms[0], (enum kt_mode)(mech - M_KT_STREAM));
			continue;
		}
		seqpacket_pair(fds);
		rfd[i] = fds[0];
		bout[i] = fds[1];
	}
	for (int i = 0; i < nw; i++) {
		if (kt) {
			wfd[i] = kt_writer(rooms[0]);
			continue;
		}
		seqpacket_pair(fds);
		wfd[i] = fds[0];
		bin[i] = fds[1];
	}
	crew_init(&crew);
	for (int i = 0; i < nw; i++) {
		if (crew_fork(&crew)) {
			chan_write_loop(kt ? M_KT_STREAM : M_SEQPACKET, wfd[i], 64, count);
			_exit(0);
		}
	}
	for (int i = 0; i < nr; i++) {
		if (crew_fork(&crew)) {
			chan_read_loop(mech, rfd[i], count * nw);
			_exit(0);
		}
	}
	if (!kt && crew_fork(&crew)) {
		broker(bin, nw, bout, nr, count * nw);
		_exit(0);
	}
	for (int i = 0; i < nr; i++) {
		close(rfd[i]);
		if (!kt)
			close(bout[i]);
	}
	for (int i = 0; i < nw; i++) {
		close(wfd[i]);
		if (!kt)
			close(bin[i]);
	}
	return crew_run(&crew);
}

/* The KernelTalk modes of a spread workload, then the broker: delivered msg/s. */
static void run_spread(int rep, const char *workload, const char *cas, int nw, int nr)
{
	static const enum mech mechs[] = { M_KT_STREAM, M_KT_BATCH, M_SEQPACKET };

	for (size_t i = 0; i < ARRAY_SIZE(mechs); i++) {
		enum mech m = mechs[i];
		const char *name = m == M_SEQPACKET ? "broker" : mech_name[m];
		long count = count_for(workload, cas, name, 400);

		if (m == M_KT_BATCH && !kt_batch_supported())
			record(rep, workload, cas, name, msg_per_s.name, false, NAN);
		else
			record_run(rep, workload, cas, name, &msg_per_s, count,
				   (double)count * nw * nr, spread(m, nw, nr, count));
	}
}

/* 1 -> N: delivered messages per second. */
static void run_fanout(int rep)
{
	static const int readers[] = { 1, 4, 16, 64 };

	for (size_t i = 0; i < ARRAY_SIZE(readers); i++) {
		char cas[24];

		snprintf(cas, sizeof(cas), "1->%d", readers[i]);
		run_spread(rep, "fanout", cas, 1, readers[i]);
	}
}

/* N -> N in one room: the parallel workload, for a 2-CPU guest. */
static void run_parallel(int rep)
{
	static const int n[] = { 2, 8 };

	for (size_t i = 0; i < ARRAY_SIZE(n); i++) {
		char cas[24];

		snprintf(cas, sizeof(cas), "%d->%d", n[i], n[i]);
		run_spread(rep, "parallel", cas, n[i], n[i]);
	}
}

/* @rounds round trips of 64 B: out on @a, back on @b. Returns the seconds taken. */
static double pingpong(enum mech mech, struct chan a, struct chan b, long rounds)
{
	char buf[BUF_SIZE];
	struct crew crew;

	memset(buf, 'p', 64);
	crew_init(&crew);
	if (crew_fork(&crew)) {
		for (long i = 0; i < rounds; i++) {
			chan_post(mech, a.wfd, buf, 64);
			chan_read_loop(mech, b.rfd, 1);
		}
		_exit(0);
	}
	if (crew_fork(&crew)) {
		for (long i = 0; i < rounds; i++) {
			chan_read_loop(mech, a.rfd, 1);
			chan_post(mech, b.wfd, buf, 64);
		}
		_exit(0);
	}
	chan_close(mech, a);
	chan_close(mech, b);
	return crew_run(&crew);
}

static void run_pingpong(int rep)
{
	static const enum mech mechs[] = { M_KT_STREAM, M_PIPE };

	for (size_t i = 0; i < ARRAY_SIZE(mechs); i++) {
		enum mech m = mechs[i];
		long rounds = count_for("pingpong", "64 B", mech_name[m], 300);
		struct chan a = chan_open(m, 64, rooms[0]);
		struct chan b = chan_open(m, 64, rooms[1]);

		record_run(rep, "pingpong", "64 B", mech_name[m], &us_per_rtt, rounds, rounds,
			   pingpong(m, a, b, rounds));
	}
}

static bool have_fds(int n, const char *what)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur >= (rlim_t)n + 64)
		return true;
	note("%s skipped: needs %d open files (ulimit -n)", what, n + 64);
	return false;
}

/*
 * The cost of one post (ns) to a room of @members members, all readers
 * (the poster opens read-write, like a chat client) and all idle while the
 * posts are timed.  Batches fit in the ring, and the members catch up
 * (untimed, one lseek each) between batches, so a post never waits for
 * space.  The first post of a batch makes every caught-up member readable
 * (it must: each may sleep in poll); the rest find them behind, as idle
 * members stay.  Both are timed apart: @cost gets the seconds of the
 * first posts and of the others, and the posts of each.
 *
 * At most @posts posts, in whole batches, and no batch begun once
 * wall_budget seconds have gone by: the catch-up of 4096 members costs
 * far more than a batch of posts, so a count calibrated on the posts
 * alone could run for minutes.
 */
struct post_cost {
	double first_secs, rest_secs;
	long firsts, rest;
};

static const double wall_budget = 2.0;

static struct post_cost post_cost(int members, long posts)
{
	static int fds[4096];
	struct post_cost cost = { 0, 0, 0, 0 };
	double start = now();
	char buf[64];
	long batch;

	memset(buf, 'm', sizeof(buf));
	fds[0] = kt_open(rooms[1], O_RDWR);
	if (fds[0] < 0)
		die("open %s read-write, room %s", device, rooms[1]);
	for (int i = 1; i < members; i++)
		fds[i] = kt_reader(rooms[1], KT_STREAM);
	batch = kt_info(fds[0]).capacity / (sizeof(struct kerneltalk_msg) + sizeof(buf)) / 2;
	do {
		double t0 = now(), t1;

		xwrite(fds[0], buf, sizeof(buf));
		t1 = now();
		for (long i = 1; i < batch; i++)
			xwrite(fds[0], buf, sizeof(buf));
		cost.first_secs += t1 - t0;
		cost.rest_secs += now() - t1;
		cost.firsts++;
		cost.rest += batch - 1;
		for (int i = 0; i < members; i++)
			if (lseek(fds[i], 0, SEEK_END) < 0)
				die("lseek SEEK_END");
	} while (cost.firsts * batch < posts && now() - start < wall_budget);
	for (int i = 0; i < members; i++)
		close(fds[i]);
	return cost;
}

/*
 * Per post: "kt-post" all posts of the batches (as before the split),
 * "kt-post-behind" the posts that found the idle members behind,
 * "kt-post-first" the first post of a batch, which made them readable.
 */
static void run_members(int rep)
{
	static const int members[] = { 1, 16, 256, 4096 };

	if (!have_fds(4096, "members"))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(members); i++) {
		struct post_cost c;
		char cas[24];
		long posts;

		snprintf(cas, sizeof(cas), "%d member%s", members[i], members[i] > 1 ? "s" : "");
		posts = count_for("members", cas, "kt-post", 1);
		c = post_cost(members[i], posts);
		record_run(rep, "members", cas, "kt-post", &ns_per_post, c.firsts + c.rest,
			   c.firsts + c.rest, c.first_secs + c.rest_secs);
		record_run(rep, "members", cas, "kt-post-behind", &ns_per_post, c.rest, c.rest,
			   c.rest_secs);
		record_run(rep, "members", cas, "kt-post-first", &ns_per_post, c.firsts,
			   c.firsts, c.first_secs);
	}
}

/*
 * Kernel memory in use now: bytes of slab objects (/proc/slabinfo), and
 * of allocations too big for a slab cache, which the kernel counts in
 * /proc/meminfo's Slab beside the slab caches' pages.
 */
struct mem {
	double slab, big;
};

static struct mem mem_now(void)
{
	struct mem m = { 0, 0 };
	char line[512], name[64];
	unsigned long active, total, size, per_slab, pages, slabs;
	FILE *f = fopen("/proc/slabinfo", "r");

	if (!f)
		die("/proc/slabinfo");
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %lu %lu %lu %lu %lu : tunables %*u %*u %*u : slabdata %*u %lu",
			   name, &active, &total, &size, &per_slab, &pages,
			   &slabs) != 7)
			continue;
		m.slab += (double)active * size;
		m.big -= (double)slabs * pages * getpagesize();
	}
	fclose(f);
	f = fopen("/proc/meminfo", "r");
	if (!f)
		die("/proc/meminfo");
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Slab: %lu kB", &size) == 1)
			m.big += size * 1024.0;
	fclose(f);
	return m;
}

/* What each of MEM_OBJECTS objects made between @before and @after cost. */
static struct mem mem_each(struct mem before, struct mem after)
{
	return (struct mem){ (after.slab - before.slab) / MEM_OBJECTS,
			     (after.big - before.big) / MEM_OBJECTS };
}

static void record_mem(int rep, const char *cas, struct mem each)
{
	record(rep, "memory", cas, "kt-slab", "bytes", true, each.slab);
	record(rep, "memory", cas, "kt-all", "bytes", true, each.slab + each.big);
}

static unsigned int kt_max_rooms(void)
{
	FILE *f = fopen("/sys/module/kerneltalk/parameters/max_rooms", "r");
	unsigned int n = 0;

	if (!f || fscanf(f, "%u", &n) != 1)
		die("/sys/module/kerneltalk/parameters/max_rooms");
	fclose(f);
	return n;
}

/*
 * Members: MEM_OBJECTS more files in one room.  Rooms: one file on each of
 * MEM_OBJECTS fresh device nodes (a node's default room each), less a
 * member's cost; then their rings, by one 64-byte post to each.  The nodes
 * are unlinked before their files close, so their rooms go with them.
 * "kt-slab" counts slab objects, "kt-all" adds the big allocations (mem_now).
 */
static void run_memory(int rep)
{
	static int fds[2 * MEM_OBJECTS];
	char dir[] = "/dev/kt-bench-XXXXXX", path[64], buf[64];
	struct mem m0, m1, m2, m3, member, room;
	struct stat st;

	if (rep < 0)
		return;		/* nothing to calibrate */
	if (geteuid() != 0) {
		note("memory skipped: needs root (mknod, /proc/slabinfo)");
		return;
	}
	if (kt_max_rooms() < MEM_OBJECTS + 16) {
		note("memory skipped: load the module with max_rooms=%d or more", MEM_OBJECTS + 16);
		return;
	}
	if (!have_fds(2 * MEM_OBJECTS, "memory"))
		return;
	if (stat(device, &st) < 0)
		die("stat %s", device);
	if (!mkdtemp(dir))
		die("mkdtemp %s", dir);
	for (int i = 0; i < MEM_OBJECTS; i++) {
		snprintf(path, sizeof(path), "%s/%d", dir, i);
		if (mknod(path, S_IFCHR | 0600, st.st_rdev) < 0)
			die("mknod %s", path);
	}
	memset(buf, 'r', sizeof(buf));
	m0 = mem_now();
	for (int i = 0; i < MEM_OBJECTS; i++) {
		fds[i] = open(device, O_RDWR | O_CLOEXEC);
		if (fds[i] < 0)
			die("open %s", device);
	}
	m1 = mem_now();
	for (int i = 0; i < MEM_OBJECTS; i++) {
		snprintf(path, sizeof(path), "%s/%d", dir, i);
		fds[MEM_OBJECTS + i] = open(path, O_RDWR | O_CLOEXEC);
		if (fds[MEM_OBJECTS + i] < 0)
			die("open %s", path);
	}
	m2 = mem_now();
	for (int i = 0; i < MEM_OBJECTS; i++)
		xwrite(fds[MEM_OBJECTS + i], buf, sizeof(buf));
	m3 = mem_now();
	for (int i = 0; i < MEM_OBJECTS; i++) {
		snprintf(path, sizeof(path), "%s/%d", dir, i);
		if (unlink(path))
			die("unlink %s", path);
	}
	if (rmdir(dir))
		die("rmdir %s", dir);
	for (int i = 0; i < 2 * MEM_OBJECTS; i++)
		close(fds[i]);

	member = mem_each(m0, m1);
	room = mem_each(m1, m2);
	room.slab -= member.slab;
	room.big -= member.big;
	record_mem(rep, "per member", member);
	record_mem(rep, "per room", room);
	record_mem(rep, "ring+1st msg", mem_each(m2, m3));
}

/*
 * What one system call costs here, to tell the mechanisms' own work from
 * the price of entering the kernel (under TCG many times a host's): a
 * trivial call (getppid), a 64-byte write to a pipe and a read of one
 * 64-byte line from it, and a 64-byte KernelTalk post and a record read
 * of one message.  Writes go in batches that fit (a pipe's 64 KiB, half
 * the ring), emptied untimed between batches; reads are timed on full
 * ones.  Without the device (a host without the module) only the first
 * three.  ns per call, lower is better; no ratios.
 */
static double sys_getppid(long n)
{
	double t0 = now();

	for (long i = 0; i < n; i++)
		if (syscall(SYS_getppid) < 0)
			die("getppid");
	return now() - t0;
}

/*
 * Writes of 64 B to @wfd in batches of @batch, each read back by @rfd,
 * until @n are done; returns the writes made (whole batches).
 */
static long sys_write_read(int wfd, int rfd, long n, long batch, bool kt, double *wsecs,
			   double *rsecs)
{
	char buf[64], rbuf[256];
	/* A pipe read of 64 B takes exactly one line, a record read one record. */
	size_t rlen = kt ? sizeof(rbuf) : sizeof(buf);
	long done;

	memset(buf, 's', sizeof(buf));
	buf[sizeof(buf) - 1] = '\n';
	*wsecs = *rsecs = 0;
	for (done = 0; done < n; done += batch) {
		double t0 = now(), t1;

		for (long i = 0; i < batch; i++)
			xwrite(wfd, buf, sizeof(buf));
		t1 = now();
		for (long i = 0; i < batch; i++)
			if (read(rfd, rbuf, rlen) < (ssize_t)sizeof(buf))
				die("read back");
		*wsecs += t1 - t0;
		*rsecs += now() - t1;
	}
	return done;
}

static void run_syscalls(int rep)
{
	static const struct unit ns_per_call = { "ns/call", 1e9 };
	long n = count_for("syscalls", "trivial", "getppid", 10000);
	double w, r;
	int fds[2];

	record_run(rep, "syscalls", "trivial", "getppid", &ns_per_call, n, n, sys_getppid(n));

	n = count_for("syscalls", "64 B write", "pipe", 10000);
	if (pipe2(fds, O_CLOEXEC))
		die("pipe");
	n = sys_write_read(fds[1], fds[0], n, 1000, false, &w, &r);
	close(fds[0]);
	close(fds[1]);
	record_run(rep, "syscalls", "64 B write", "pipe", &ns_per_call, n, n, w);
	record_run(rep, "syscalls", "64 B read", "pipe", &ns_per_call, n, n, r);

	if (access(device, R_OK | W_OK))
		return;
	n = count_for("syscalls", "64 B write", "kt-post", 10000);
	{
		struct chan c = chan_open(M_KT_RECORD, 64, rooms[0]);
		long batch = kt_info(c.rfd).capacity /
			     (sizeof(struct kerneltalk_msg) + 64) / 2;

		n = sys_write_read(c.wfd, c.rfd, n, batch, true, &w, &r);
		chan_close(M_KT_RECORD, c);
	}
	record_run(rep, "syscalls", "64 B write", "kt-post", &ns_per_call, n, n, w);
	record_run(rep, "syscalls", "64 B read", "kt-record", &ns_per_call, n, n, r);
}

struct workload {
	const char *name;
	void (*run)(int rep);
	bool by_default;
	bool needs_device;	/* else it uses the device only if there */
};

static const struct workload workloads[] = {
	{ "p2p", run_p2p, true, true },
	{ "fanout", run_fanout, true, true },
	{ "pingpong", run_pingpong, true, true },
	{ "members", run_members, true, true },
	{ "memory", run_memory, true, true },
	{ "parallel", run_parallel, false, true },
	{ "syscalls", run_syscalls, true, false },
};

#define NR_WORKLOADS (ARRAY_SIZE(workloads))

/* ---- helpers for cmdlets.ps1 ---------------------------------------------- */

static long count_arg(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);

	if (*end || n <= 0) {
		errno = EINVAL;
		die("bad count '%s'", s);
	}
	return n;
}

/* The user and system seconds this process has used so far. */
static double cpu_seconds(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		die("getrusage");
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/*
 * Says "ready", waits for a line on stdin (cmdlets.ps1 sends it as its
 * clock starts) and returns the CPU seconds used until then, so that the
 * helper's own report ("cpu SECONDS" at its end) covers the timed work
 * alone: on one CPU cmdlets.ps1 tells it from the cmdlet's.
 */
static double helper_start(void)
{
	char line[16];

	puts("ready");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		die("helper: no start line on stdin");
	return cpu_seconds();
}

static void helper_end(double start)
{
	printf("cpu %.6f\n", cpu_seconds() - start);
}

/* Joins @room and reads @count messages. */
static int cmd_drain(const char *room, long count)
{
	int fd = kt_reader(room, KT_STREAM);
	double start = helper_start();

	chan_read_loop(M_KT_STREAM, fd, count);
	helper_end(start);
	return 0;
}

/* Posts the lines "1".."@count" (without newlines) to @room. */
static int cmd_post(const char *room, long count)
{
	int fd = kt_writer(room);
	double start = helper_start();
	char buf[24];

	for (long i = 1; i <= count; i++)
		xwrite(fd, buf, snprintf(buf, sizeof(buf), "%ld", i));
	helper_end(start);
	return 0;
}

/* ---- main ------------------------------------------------------------------ */

static void usage(void)
{
	fputs("usage: kt-bench [-r REPS] [-t SECONDS] [-o CSV] [-d DEVICE] [WORKLOAD...]\n"
	      "       kt-bench drain ROOM COUNT | post ROOM COUNT\n"
	      "workloads: p2p fanout pingpong members memory syscalls (default: these), parallel\n",
	      stderr);
	exit(2);
}

/* Room for 4096 members plus the memory workload's files. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		die("getrlimit");
	if (rl.rlim_max < FDS_WANTED) {
		struct rlimit want = { FDS_WANTED, FDS_WANTED };

		if (setrlimit(RLIMIT_NOFILE, &want) == 0)
			return;
	}
	rl.rlim_cur = rl.rlim_max < FDS_WANTED ? rl.rlim_max : FDS_WANTED;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("setrlimit");
}

int main(int argc, char **argv)
{
	bool selected[NR_WORKLOADS] = { false };
	const char *csv = NULL;
	bool any = false;
	FILE *out = stdout;
	int opt;

	if (argc == 4 && !strcmp(argv[1], "drain"))
		return cmd_drain(argv[2], count_arg(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "post"))
		return cmd_post(argv[2], count_arg(argv[3]));

	while ((opt = getopt(argc, argv, "r:t:o:d:h")) != -1) {
		switch (opt) {
		case 'r':
			reps = atoi(optarg);
			if (reps < 1 || reps > REPS_MAX)
				usage();
			break;
		case 't':
			target = atof(optarg);
			if (target <= 0)
				usage();
			break;
		case 'o':
			csv = optarg;
			break;
		case 'd':
			device = optarg;
			break;
		default:
			usage();
		}
	}
	for (int i = optind; i < argc; i++) {
		size_t w;

		for (w = 0; w < NR_WORKLOADS && strcmp(argv[i], workloads[w].name); w++)
			;
		if (w == NR_WORKLOADS)
			usage();
		selected[w] = any = true;
	}
	for (size_t w = 0; !any && w < NR_WORKLOADS; w++)
		selected[w] = workloads[w].by_default;

	for (size_t w = 0; w < NR_WORKLOADS; w++)
		if (selected[w] && workloads[w].needs_device && access(device, R_OK | W_OK))
			die("%s (is the module loaded?)", device);
	raise_nofile();
	/* A reader that dies must not take the writer with it silently. */
	signal(SIGPIPE, SIG_IGN);

	/* Repetitions below 0 are the calibration passes (see count_for). */
	for (int rep = -CALIBRATIONS; rep < reps; rep++) {
		bool cal = rep < 0;

		for (size_t w = 0; w < NR_WORKLOADS; w++) {
			if (!selected[w])
				continue;
			double t0 = now();

			workloads[w].run(rep);
			note("%s %d/%d: %s %.1f s", cal ? "calibration" : "repetition",
			     cal ? rep + CALIBRATIONS + 1 : rep + 1, cal ? CALIBRATIONS : reps,
			     workloads[w].name, now() - t0);
		}
	}
	if (csv && !(out = fopen(csv, "w")))
		die("%s", csv);
	csv_write(out);
	if (out != stdout && fclose(out))
		die("%s", csv);
	return 0;
}
