// SPDX-License-Identifier: GPL-2.0
/*
 * kt-stress - stress tier of KernelTalk (DESIGN.md section 4, tier 3).
 *
 * Scenarios, each run by separate processes against the real device:
 *
 *  block      W writers x R readers over K rooms under the BLOCK policy
 *             for a fixed time; every reader must get every message of
 *             every writer of its room exactly once, in order, intact.
 *             Half of the readers use record mode, half stream mode with
 *             random (often tiny) buffers so messages arrive in pieces.
 *  overwrite  the same under OVERWRITE with readers that stall; every
 *             gap in a sender's sequence must be reported (record mode:
 *             the headers' lost counts add up exactly; stream mode: an
 *             -EPIPE came between), and the room's dropped counter agrees.
 *  churn      processes that open, join random rooms (the busy ones
 *             too), post, read a little and close, concurrently with the
 *             two scenarios above.
 *  fork       one file shared by fork: parent and child both post and
 *             read through it; every message reaches exactly one of them.
 *  members    files join and leave one room as fast as they can while
 *             others ask KERNELTALK_IOC_MEMBERS with random array sizes
 *             (every answer checked) and a blocking poster's messages must
 *             all reach a reader that keeps reading.
 *  stall      a BLOCK room with a small stall_ms (set through sysfs: root)
 *             where one member never reads: the blocking posters go on,
 *             the readers that keep reading get every message once, and
 *             the stalled member is told it was overrun (-EPIPE).
 *
 * Every payload carries a header (sender, per-sender sequence number,
 * length, checksum) so that loss, duplication, reordering and tearing are
 * visible.  Output follows the tier convention: `ok N - name` /
 * `not ok N - name # why`, then `stress: N passed, N failed`.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/kerneltalk.h>

#define MAX_WRITERS	32
#define MAX_READERS	32
#define MAX_ROOMS	16
#define MAX_CHURN	16
#define CHURN_ROOMS	6

#define HDR		sizeof(struct kerneltalk_msg)
#define PAYLOAD_MAGIC	0x4b545350u	/* "KTSP" */
/* Sender ids: writers count from 0; churn and fork posters apart. */
#define CHURN_SENDER	0x10000u
#define FORK_SENDER	0x20000u

/* Seconds the processes may overrun the planned time before a case fails. */
#define GRACE_S		120

/* What every payload starts with; the rest is filler derived from it. */
struct payload {
	uint32_t magic;
	uint32_t sender;
	uint64_t seq;
	uint32_t len;		/* whole payload, this header included */
	uint32_t csum;		/* FNV-1a of the payload with csum = 0 */
};

/* First failure of a process, plus how many failures it saw. */
struct errinfo {
	uint64_t count;
	char first[240];
};

struct writer_res {
	pid_t pid;
	int room;
	uint64_t posted;	/* messages 1..posted went out */
	uint64_t bytes;
	uint64_t eagain;
	uint64_t max_wait_us;	/* longest single write() */
	struct errinfo err;
};

struct reader_res {
	int room;
	int stream;		/* 0: record mode, 1: stream mode */
	uint64_t msgs;		/* messages received and checked */
	uint64_t bytes;
	uint64_t churn_msgs;
	uint64_t partial_msgs;	/* stream: messages that took >1 read */
	uint64_t short_reads;	/* stream: fewer bytes than the buffer had */
	uint64_t lost_reported;	/* record: sum of lost */
	uint64_t epipes;	/* stream: -EPIPE reports */
	uint64_t missing;	/* gaps in per-sender sequences, tail included */
	uint64_t emsgsize_probes;
	uint64_t first_room_seq;
	uint64_t last_room_seq;
	struct errinfo err;
};

struct churn_res {
	uint64_t cycles;
	uint64_t posts;
	uint64_t reads;
	struct errinfo err;
};

struct shared {
	volatile int posters_done;	/* writers and churn have exited */
	volatile int stop_churn;
	int64_t end_ns;			/* CLOCK_MONOTONIC end of posting */
	int64_t start_real_ns;
	struct writer_res w[MAX_WRITERS];
	struct reader_res r[MAX_READERS];
	struct churn_res c[MAX_CHURN];
	uint64_t churn_posted[MAX_ROOMS];	/* into the busy rooms */
};

struct config {
	const char *dev;
	int writers;
	int readers;
	int rooms;
	int churn;
	double duration;
	uint64_t seed;
	uint32_t max_msg;
	uint32_t capacity;
};

struct scenario {
	const char *name;	/* "block" / "overwrite" */
	int policy;
	double seconds;
	char room[MAX_ROOMS][KERNELTALK_NAME_MAX];
};

static struct config cfg = {
	.dev = "/dev/kerneltalk",
	.writers = 8,
	.readers = 8,
	.rooms = 4,
	.churn = 4,
	.duration = 30,
};

static int case_no, passed, failed;

/* ---- small helpers ---------------------------------------------------- */

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* xorshift64*: cheap, and reproducible from -S SEED per process. */
static uint64_t rnd_state;

static void rnd_seed(uint64_t s)
{
	rnd_state = s * 0x9e3779b97f4a7c15ULL + 0x2545f4914f6cdd1dULL;
	if (!rnd_state)
		rnd_state = 1;
}

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 0x2545f4914f6cdd1dULL;
}

static uint32_t rnd_range(uint32_t lo, uint32_t hi)
{
	return lo + (uint32_t)(rnd() % ((uint64_t)hi - lo + 1));
}

static void __attribute__((format(printf, 2, 3)))
bad(struct errinfo *e, const char *fmt, ...)
{
	va_list ap;

	if (e->count++ == 0) {
		va_start(ap, fmt);
		vsnprintf(e->first, sizeof(e->first), fmt, ap);
		va_end(ap);
	}
}

static void report(bool ok, const char *name, const char *why)
{
	case_no++;
	if (ok) {
		passed++;
		printf("ok %d - %s\n", case_no, name);
	} else {
		failed++;
		printf("not ok %d - %s # %s\n", case_no, name, why);
	}
	fflush(stdout);
}

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* Zeroed memory shared with the children forked later, NULL on failure. */
static void *shared_zeroed(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memset(p, 0, size);
	return p;
}

/* ---- payloads ---------------------------------------------------------- */

static uint32_t fnv1a(const unsigned char *p, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

static uint32_t payload_sum(unsigned char *buf, size_t len)
{
	struct payload *ph = (struct payload *)buf;
	uint32_t saved = ph->csum, sum;

	ph->csum = 0;
	sum = fnv1a(buf, len);
	ph->csum = saved;
	return sum;
}

static void fill_payload(unsigned char *buf, uint32_t sender, uint64_t seq,
			 uint32_t len)
{
	struct payload *ph = (struct payload *)buf;
	uint64_t x = ((uint64_t)sender << 40) ^ seq ^ 0xa5a5a5a5a5a5ULL;

	/* Filler differs per message, so a torn mix of two never checks out. */
	for (uint32_t i = sizeof(*ph); i < len; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		buf[i] = (unsigned char)(x >> 56);
	}
	ph->magic = PAYLOAD_MAGIC;
	ph->sender = sender;
	ph->seq = seq;
	ph->len = len;
	ph->csum = 0;
	ph->csum = payload_sum(buf, len);
}

/* Returns NULL when the payload is intact, else what is wrong with it. */
static const char *check_payload(unsigned char *buf, size_t len)
{
	const struct payload *ph = (const struct payload *)buf;

	if (len < sizeof(*ph))
		return "shorter than its header";
	if (ph->magic != PAYLOAD_MAGIC)
		return "bad magic";
	if (ph->len != len)
		return "length differs from the one it was posted with";
	if (payload_sum(buf, len) != ph->csum)
		return "checksum mismatch";
	return NULL;
}

/* Payload lengths: mostly chat-sized, some large, some exactly max_msg. */
static uint32_t pick_len(void)
{
	uint32_t max = cfg.max_msg, r = (uint32_t)(rnd() % 100);
	uint32_t lo = sizeof(struct payload);

	if (r == 0)
		return max;
	if (r < 60)
		return rnd_range(lo, max < 128 ? max : 128);
	if (r < 85)
		return rnd_range(lo, max < 1024 ? max : 1024);
	return rnd_range(lo, max);
}

/* ---- device helpers ---------------------------------------------------- */

static int join(int fd, const char *room)
{
	char name[KERNELTALK_NAME_MAX];

	memset(name, 0, sizeof(name));
	snprintf(name, sizeof(name), "%s", room);
	return ioctl(fd, KERNELTALK_IOC_JOIN, name);
}

static int open_room(const char *room, int oflags, struct errinfo *e)
{
	int fd = open(cfg.dev, oflags | O_CLOEXEC);

	if (fd < 0) {
		bad(e, "open %s: %s", cfg.dev, strerror(errno));
		return -1;
	}
	if (room && join(fd, room) < 0) {
		bad(e, "join %s: %s", room, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int set_flags(int fd, uint32_t flags, struct errinfo *e)
{
	__u32 f = flags;

	if (ioctl(fd, KERNELTALK_IOC_SET_FLAGS, &f) < 0) {
		bad(e, "SET_FLAGS %#x: %s", flags, strerror(errno));
		return -1;
	}
	return 0;
}

static int room_info(int fd, struct kerneltalk_room_info *info)
{
	memset(info, 0, sizeof(*info));
	return ioctl(fd, KERNELTALK_IOC_INFO, info);
}

/*
 * Children block here until the parent closes the write end: one close()
 * releases them all at once.
 */
static void wait_go(int go_fd)
{
	char c;

	while (read(go_fd, &c, 1) < 0 && errno == EINTR)
		;
}

static void say_ready(int ready_fd)
{
	char c = 1;

	while (write(ready_fd, &c, 1) < 0 && errno == EINTR)
		;
}

/* Wait until n bytes arrived on fd or the deadline passed. */
static int collect_ready(int fd, int n, int64_t deadline)
{
	char buf[64];

	while (n > 0) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int64_t left = (deadline - mono_ns()) / 1000000;
		ssize_t r;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return -1;
		r = read(fd, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf));
		if (r <= 0)
			return -1;
		n -= (int)r;
	}
	return 0;
}

struct child {
	pid_t pid;
	const char *what;
	int idx;
	int status;
	bool done;
};

/*
 * Reap children until all exited or the deadline passed; returns how many
 * are still running.
 */
static int reap(struct child *c, int n, int64_t deadline)
{
	int running;

	for (;;) {
		running = 0;
		for (int i = 0; i < n; i++) {
			if (c[i].done)
				continue;
			if (waitpid(c[i].pid, &c[i].status, WNOHANG) == c[i].pid)
				c[i].done = true;
			else
				running++;
		}
		if (!running || mono_ns() >= deadline)
			return running;
		sleep_ms(20);
	}
}

static void kill_all(struct child *c, int n)
{
	for (int i = 0; i < n; i++)
		if (!c[i].done)
			kill(c[i].pid, SIGKILL);
	reap(c, n, mono_ns() + 5 * 1000000000LL);
}

/* Describe children that crashed or exited non-zero; true if any. */
static bool died_badly(struct child *c, int n, char *why, size_t size)
{
	for (int i = 0; i < n; i++) {
		if (!c[i].done)
			continue;
		if (WIFSIGNALED(c[i].status)) {
			snprintf(why, size, "%s %d killed by signal %d",
				 c[i].what, c[i].idx, WTERMSIG(c[i].status));
			return true;
		}
		if (WIFEXITED(c[i].status) && WEXITSTATUS(c[i].status)) {
			snprintf(why, size, "%s %d exited with status %d",
				 c[i].what, c[i].idx, WEXITSTATUS(c[i].status));
			return true;
		}
	}
	return false;
}

/* ---- writer ------------------------------------------------------------ */

static void writer_main(struct shared *sh, const struct scenario *sc, int id,
			int go_fd)
{
	struct writer_res *w = &sh->w[id];
	bool nonblock = id % 2;	/* half wait in poll(), half in write() */
	unsigned char *buf = malloc(cfg.max_msg);
	char comm[24];	/* room for any int: the sanitizer build checks */
	int fd;

	snprintf(comm, sizeof(comm), "kts-w%d", id);
	prctl(PR_SET_NAME, comm);
	rnd_seed(cfg.seed ^ (0x1000u + (unsigned int)id) ^ (uint64_t)sc->policy << 32);
	w->pid = getpid();
	w->room = id % cfg.rooms;
	/* Write-only: a member that never reads must not hold the ring. */
	fd = open_room(sc->room[w->room], O_WRONLY | (nonblock ? O_NONBLOCK : 0),
		       &w->err);
	wait_go(go_fd);
	if (fd < 0 || !buf)
		_exit(0);

	while (mono_ns() < sh->end_ns) {
		uint32_t len = pick_len();
		int64_t t0;
		ssize_t n;

		fill_payload(buf, (uint32_t)id, w->posted + 1, len);
		t0 = mono_ns();
		n = write(fd, buf, len);
		if (n == (ssize_t)len) {
			uint64_t us = (uint64_t)(mono_ns() - t0) / 1000;

			if (us > w->max_wait_us)
				w->max_wait_us = us;
			w->posted++;
			w->bytes += len;
			continue;
		}
		if (n >= 0) {
			bad(&w->err, "write of %u bytes returned %zd", len, n);
			break;
		}
		if (errno == EAGAIN && nonblock) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };

			w->eagain++;
			if (sc->policy == KERNELTALK_POLICY_OVERWRITE)
				bad(&w->err, "post returned EAGAIN under OVERWRITE");
			/* Retried with a new length: fine, seq is not used up. */
			poll(&p, 1, 100);
			continue;
		}
		if (errno == EINTR)
			continue;
		bad(&w->err, "write of %u bytes: %s", len, strerror(errno));
		break;
	}
	close(fd);
	_exit(0);
}

/* ---- reader ------------------------------------------------------------ */

struct reader_state {
	struct reader_res *r;
	const struct scenario *sc;
	struct shared *sh;
	uid_t euid;
	uint64_t expect[MAX_WRITERS];	/* next per-sender seq */
	uint64_t epoch;			/* -EPIPEs seen so far */
	uint64_t epoch_at[MAX_WRITERS];	/* epoch at sender's last message */
	uint64_t expect_room;		/* record mode: next room seq */
	bool seen_room_seq;
};

/* Check one reassembled (stream) or whole (record) payload. */
static void take_payload(struct reader_state *st, unsigned char *p, size_t len,
			 const struct kerneltalk_msg *m)
{
	struct reader_res *r = st->r;
	const struct payload *ph = (const struct payload *)p;
	const char *why = check_payload(p, len);
	uint32_t s;

	if (why) {
		bad(&r->err, "torn message (%zu bytes): %s", len, why);
		return;
	}
	r->msgs++;
	r->bytes += len;
	s = ph->sender;
	if (s >= CHURN_SENDER && s < CHURN_SENDER + MAX_CHURN) {
		r->churn_msgs++;
		return;
	}
	if (s >= (uint32_t)cfg.writers) {
		bad(&r->err, "message from unknown sender %#x", s);
		return;
	}
	if (st->sh->w[s].room != r->room) {
		bad(&r->err, "message of writer %u (room %s) arrived in room %s",
		    s, st->sc->room[st->sh->w[s].room], st->sc->room[r->room]);
		return;
	}
	if (m) {
		char want[16];

		snprintf(want, sizeof(want), "kts-w%u", s);
		/* 0 once the writer has exited and been reaped */
		if (m->pid != (uint32_t)st->sh->w[s].pid &&
		    !(m->pid == 0 && kill(st->sh->w[s].pid, 0) == -1 &&
		      errno == ESRCH))
			bad(&r->err, "writer %u: header pid %u, poster is %d",
			    s, m->pid, (int)st->sh->w[s].pid);
		if (m->uid != st->euid)
			bad(&r->err, "writer %u: header uid %u, poster is %u",
			    s, m->uid, (unsigned int)st->euid);
		if (strncmp(m->comm, want, sizeof(m->comm)))
			bad(&r->err, "writer %u: header comm '%.16s'", s, m->comm);
		if (m->flags & KERNELTALK_MSG_OWN)
			bad(&r->err, "OWN flag on another file's message");
		if ((int64_t)m->time_ns < st->sh->start_real_ns - 5000000000LL ||
		    (int64_t)m->time_ns > real_ns() + 5000000000LL)
			bad(&r->err, "time_ns %llu outside the run",
			    (unsigned long long)m->time_ns);
	}

	if (ph->seq < st->expect[s]) {
		bad(&r->err, "writer %u: seq %llu after %llu (duplicate or reordered)",
		    s, (unsigned long long)ph->seq,
		    (unsigned long long)st->expect[s] - 1);
		return;
	}
	if (ph->seq > st->expect[s]) {
		uint64_t gap = ph->seq - st->expect[s];

		r->missing += gap;
		if (st->sc->policy == KERNELTALK_POLICY_BLOCK)
			bad(&r->err, "writer %u: seqs %llu..%llu lost under BLOCK",
			    s, (unsigned long long)st->expect[s],
			    (unsigned long long)ph->seq - 1);
		else if (r->stream && st->epoch == st->epoch_at[s])
			bad(&r->err, "writer %u: seqs %llu..%llu lost without -EPIPE",
			    s, (unsigned long long)st->expect[s],
			    (unsigned long long)ph->seq - 1);
	}
	st->expect[s] = ph->seq + 1;
	st->epoch_at[s] = st->epoch;
}

static void take_record(struct reader_state *st, unsigned char *buf, size_t n)
{
	const struct kerneltalk_msg *m = (const struct kerneltalk_msg *)buf;
	struct reader_res *r = st->r;

	if (n < HDR || n != HDR + m->len) {
		bad(&r->err, "record read returned %zu bytes for len %u", n,
		    n >= HDR ? m->len : 0);
		return;
	}
	if (!st->seen_room_seq) {
		r->first_room_seq = m->seq;
		st->seen_room_seq = true;
	}
	/* Room seqs may only skip what `lost` reports. */
	if (m->seq != st->expect_room + m->lost)
		bad(&r->err, "room seq %llu, expected %llu + lost %llu",
		    (unsigned long long)m->seq,
		    (unsigned long long)st->expect_room,
		    (unsigned long long)m->lost);
	if (m->lost && st->sc->policy == KERNELTALK_POLICY_BLOCK)
		bad(&r->err, "lost %llu before seq %llu under BLOCK",
		    (unsigned long long)m->lost, (unsigned long long)m->seq);
	r->lost_reported += m->lost;
	st->expect_room = m->seq + 1;
	r->last_room_seq = m->seq;
	take_payload(st, buf + HDR, m->len, m);
}

/* How long a stalling reader sleeps, and how often, under OVERWRITE. */
#define STALL_MS	400
#define STALL_EVERY_MS	1200

static void reader_main(struct shared *sh, const struct scenario *sc, int id,
			int ready_fd, int go_fd)
{
	struct reader_res *r = &sh->r[id];
	struct reader_state st;
	struct kerneltalk_room_info info;
	size_t bufsize = HDR + cfg.max_msg;
	unsigned char *buf = malloc(bufsize);
	unsigned char *msg = malloc(cfg.max_msg);	/* stream reassembly */
	size_t have = 0, want = 0;	/* bytes of the current stream message */
	bool overwrite = sc->policy == KERNELTALK_POLICY_OVERWRITE;
	int64_t next_stall;
	bool draining = false;
	char comm[24];	/* room for any int: the sanitizer build checks */
	int fd;

	memset(&st, 0, sizeof(st));
	st.r = r;
	st.sc = sc;
	st.sh = sh;
	st.euid = geteuid();
	for (int i = 0; i < MAX_WRITERS; i++)
		st.expect[i] = 1;

	snprintf(comm, sizeof(comm), "kts-r%d", id);
	prctl(PR_SET_NAME, comm);
	rnd_seed(cfg.seed ^ (0x2000u + (unsigned int)id) ^ (uint64_t)sc->policy << 32);
	r->room = id % cfg.rooms;
	r->stream = (id / cfg.rooms) % 2;

	fd = open_room(sc->room[r->room], O_RDWR | O_NONBLOCK, &r->err);
	if (fd >= 0 && set_flags(fd, r->stream ? 0 : KERNELTALK_F_RECORDS,
				 &r->err) < 0) {
		close(fd);
		fd = -1;
	}
	if (fd >= 0 && room_info(fd, &info) == 0)
		st.expect_room = info.next_seq;
	say_ready(ready_fd);
	wait_go(go_fd);
	if (fd < 0 || !buf || !msg)
		_exit(0);

	/* Stagger the stalls so that rooms are not all idle at once. */
	next_stall = mono_ns() + (int64_t)(300 + 150 * id) * 1000000;

	for (;;) {
		size_t ask = bufsize;
		ssize_t n;

		if (overwrite && !draining && mono_ns() >= next_stall) {
			sleep_ms(STALL_MS);
			next_stall = mono_ns() + (int64_t)STALL_EVERY_MS * 1000000;
		} else if (!overwrite && rnd() % 512 == 0) {
			/* Brief pauses let BLOCK writers fill the ring and wait. */
			sleep_ms(rnd_range(1, 20));
		}

		if (r->stream) {
			uint32_t k = (uint32_t)(rnd() % 4);

			/* Often less than the message: it must come in pieces. */
			ask = k < 2 ? cfg.max_msg : k == 2 ? rnd_range(1, 64) :
			      rnd_range(1, cfg.max_msg);
		} else if (rnd() % 64 == 0) {
			/* Too small for any payload: -EMSGSIZE, message kept. */
			n = read(fd, buf, HDR + 8);
			if (n >= 0)
				bad(&r->err, "record read into %zu bytes returned %zd",
				    HDR + 8, n);
			else if (errno == EMSGSIZE)
				r->emsgsize_probes++;
			else if (errno != EAGAIN)
				bad(&r->err, "short record read: %s",
				    strerror(errno));
		}

		n = read(fd, buf, ask);
		if (n > 0) {
			size_t got = (size_t)n;

			if (!r->stream) {
				take_record(&st, buf, got);
				continue;
			}
			/* A stream read may never run into the next message. */
			if (have + got > cfg.max_msg || (want && have + got > want)) {
				bad(&r->err, "stream read of %zu bytes crossed a message boundary",
				    got);
				have = want = 0;
				continue;
			}
			memcpy(msg + have, buf, got);
			have += got;
			if (!want && have >= sizeof(struct payload)) {
				want = ((struct payload *)msg)->len;
				if (want < sizeof(struct payload) ||
				    want > cfg.max_msg || have > want) {
					bad(&r->err, "stream data out of step (len %zu after %zu bytes)",
					    want, have);
					have = want = 0;
					continue;
				}
			}
			if (want && have == want) {
				if (got != have)
					r->partial_msgs++;
				take_payload(&st, msg, have, NULL);
				have = want = 0;
			} else if (got < ask) {
				/* Less than buffer and message allow: legal, counted. */
				r->short_reads++;
			}
			continue;
		}
		if (n == 0) {
			bad(&r->err, "read returned 0");
			break;
		}
		if (errno == EINTR)
			continue;
		if (errno == EPIPE && r->stream) {
			r->epipes++;
			st.epoch++;
			if (!overwrite)
				bad(&r->err, "-EPIPE under BLOCK");
			/* The rest of a half-read message went with the overrun. */
			have = want = 0;
			continue;
		}
		if (errno != EAGAIN) {
			bad(&r->err, "read: %s", strerror(errno));
			break;
		}
		/* Nothing to read: done once every poster has finished. */
		if (draining)
			break;
		if (sh->posters_done) {
			draining = true;	/* one more read, then stop */
			continue;
		}
		{
			struct pollfd p = { .fd = fd, .events = POLLIN };

			poll(&p, 1, 100);
		}
	}
	if (have)
		bad(&r->err, "stream message cut off after %zu of %zu bytes",
		    have, want);

	/* Whatever a writer posted after our last message never came. */
	for (int s = 0; s < cfg.writers; s++) {
		uint64_t got = st.expect[s] - 1, posted = sh->w[s].posted;

		if (sh->w[s].room != r->room || posted <= got)
			continue;
		r->missing += posted - got;
		if (!overwrite)
			bad(&r->err, "writer %d: seqs %llu..%llu never arrived under BLOCK",
			    s, (unsigned long long)got + 1,
			    (unsigned long long)posted);
		else if (r->stream && st.epoch == st.epoch_at[s])
			bad(&r->err, "writer %d: seqs %llu..%llu lost without -EPIPE",
			    s, (unsigned long long)got + 1,
			    (unsigned long long)posted);
	}
	if (overwrite && !r->stream && r->missing != r->lost_reported)
		bad(&r->err, "%llu messages missing but lost counts add up to %llu",
		    (unsigned long long)r->missing,
		    (unsigned long long)r->lost_reported);
	close(fd);
	_exit(0);
}

/* ---- churn ------------------------------------------------------------- */

static void churn_main(struct shared *sh, const struct scenario *sc, int id,
		       int go_fd)
{
	struct churn_res *c = &sh->c[id];
	unsigned char *buf = malloc(HDR + cfg.max_msg);
	bool overwrite = sc->policy == KERNELTALK_POLICY_OVERWRITE;
	uint64_t seq = 0;
	char comm[24];	/* room for any int: the sanitizer build checks */

	snprintf(comm, sizeof(comm), "kts-c%d", id);
	prctl(PR_SET_NAME, comm);
	rnd_seed(cfg.seed ^ (0x3000u + (unsigned int)id) ^ (uint64_t)sc->policy << 32);
	wait_go(go_fd);
	if (!buf)
		_exit(1);

	while (!sh->stop_churn) {
		bool rdwr = rnd() % 4 != 0;
		uint32_t pick = (uint32_t)(rnd() % 10);
		int busy = -1, fd, posts;
		char room[KERNELTALK_NAME_MAX] = "";
		bool records = false;

		fd = open(cfg.dev, (rdwr ? O_RDWR : O_WRONLY) | O_NONBLOCK |
			  O_CLOEXEC);
		if (fd < 0) {
			bad(&c->err, "open: %s", strerror(errno));
			sleep_ms(10);
			continue;
		}
		if (pick < 2) {
			/* The node's default room: stay, or JOIN "" back to it. */
			if (rnd() % 2 && join(fd, "") < 0)
				bad(&c->err, "join \"\": %s", strerror(errno));
		} else {
			if (pick < 6) {
				snprintf(room, sizeof(room), "kts-c%u",
					 (unsigned int)(rnd() % CHURN_ROOMS));
			} else {
				busy = (int)(rnd() % (uint64_t)cfg.rooms);
				snprintf(room, sizeof(room), "%s", sc->room[busy]);
			}
			if (join(fd, room) < 0)
				bad(&c->err, "join %s: %s", room, strerror(errno));
		}
		if (rdwr && rnd() % 2) {
			records = true;
			set_flags(fd, KERNELTALK_F_RECORDS, &c->err);
		}

		/*
		 * Posting into the OVERWRITE rooms would blur the exact loss
		 * accounting there (churn messages are not tracked per
		 * sender); joining and reading them is still churn.
		 */
		posts = busy >= 0 && overwrite ? 0 : (int)(rnd() % 3);
		for (int i = 0; i < posts; i++) {
			uint32_t len = rnd_range(sizeof(struct payload),
						 cfg.max_msg < 256 ? cfg.max_msg : 256);
			ssize_t n;

			fill_payload(buf, CHURN_SENDER + (uint32_t)id, ++seq, len);
			n = write(fd, buf, len);
			if (n == (ssize_t)len) {
				c->posts++;
				if (busy >= 0)
					__atomic_fetch_add(&sh->churn_posted[busy], 1,
							   __ATOMIC_RELAXED);
			} else if (n >= 0 || errno != EAGAIN) {
				bad(&c->err, "post to %s: %s", room[0] ? room : "default",
				    n >= 0 ? "short write" : strerror(errno));
			}
		}

		for (int i = rdwr ? (int)(rnd() % 4) : 0; i > 0; i--) {
			ssize_t n = read(fd, buf, HDR + cfg.max_msg);

			if (n > 0) {
				c->reads++;
				if (records) {
					const struct kerneltalk_msg *m = (void *)buf;
					const char *why = NULL;

					if ((size_t)n != HDR + m->len)
						why = "record size differs from HDR + len";
					else if (((struct payload *)(buf + HDR))->magic ==
						 PAYLOAD_MAGIC)
						why = check_payload(buf + HDR, m->len);
					if (why)
						bad(&c->err, "read in %s: %s",
						    room[0] ? room : "default", why);
				}
			} else if (n < 0 && errno != EAGAIN &&
				   !(errno == EPIPE && !records)) {
				bad(&c->err, "read in %s: %s",
				    room[0] ? room : "default", strerror(errno));
			}
		}
		if (rnd() % 8 == 0 && lseek(fd, 0, rnd() % 2 ? SEEK_SET : SEEK_END) != 0)
			bad(&c->err, "lseek: %s", strerror(errno));
		if (close(fd) < 0)
			bad(&c->err, "close: %s", strerror(errno));
		c->cycles++;
	}
	_exit(0);
}

/* ---- traffic scenarios ------------------------------------------------- */

struct room_state {
	int fd;
	struct kerneltalk_room_info before, after;
};

/* One line of /proc/kerneltalk for a named room, or false. */
static bool proc_room(const char *name, unsigned int *members, char *policy,
		      unsigned long long *posted, unsigned long long *dropped)
{
	FILE *f = fopen("/proc/kerneltalk", "r");
	char line[512];
	bool found = false;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		char n[64], dev[32], ino[32];
		unsigned long long msgs, used;

		if (sscanf(line, "%63s %31s %31s %u %15s %llu %llu %llu %llu",
			   n, dev, ino, members, policy, &msgs, &used, posted,
			   dropped) == 9 && !strcmp(n, name)) {
			found = true;
			break;
		}
	}
	fclose(f);
	return found;
}

struct traffic_result {
	uint64_t posted;
	uint64_t checked;
	double seconds;
};

static void run_traffic(struct scenario *sc, struct traffic_result *tr,
			struct churn_res *churn_out)
{
	bool overwrite = sc->policy == KERNELTALK_POLICY_OVERWRITE;
	int nchild = cfg.readers + cfg.writers + cfg.churn;
	struct child *kids = calloc((size_t)nchild, sizeof(*kids));
	struct room_state rooms[MAX_ROOMS];
	struct shared *sh;
	struct errinfo setup = { 0 };
	int ready[2], go[2], nk = 0;
	int64_t t0, t1, deadline;
	char why[400] = "";
	bool stuck = false, crashed = false;

	memset(tr, 0, sizeof(*tr));
	sh = shared_zeroed(sizeof(*sh));
	if (!sh || !kids || pipe(ready) || pipe(go)) {
		report(false, sc->name, "setup: out of resources");
		return;
	}

	/*
	 * A write-only member per room sets the policy and keeps the room
	 * (and its counters) alive between the phases without ever holding
	 * back its ring.
	 */
	for (int i = 0; i < cfg.rooms; i++)
		rooms[i].fd = -1;
	for (int i = 0; i < cfg.rooms; i++) {
		__u32 pol = (__u32)sc->policy;

		snprintf(sc->room[i], sizeof(sc->room[i]), "kts-%c%d",
			 sc->name[0], i);
		rooms[i].fd = open_room(sc->room[i], O_WRONLY, &setup);
		if (rooms[i].fd < 0)
			break;
		if (ioctl(rooms[i].fd, KERNELTALK_IOC_SET_POLICY, &pol) < 0)
			bad(&setup, "SET_POLICY %s: %s", sc->room[i], strerror(errno));
		if (room_info(rooms[i].fd, &rooms[i].before) < 0)
			bad(&setup, "INFO %s: %s", sc->room[i], strerror(errno));
	}
	if (setup.count) {
		report(false, sc->name, setup.first);
		goto out;	/* frees kids: LeakSanitizer caught this leak */
	}

	fflush(stdout);
	for (int i = 0; i < cfg.readers; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			close(ready[0]);
			close(go[1]);
			reader_main(sh, sc, i, ready[1], go[0]);
		}
		kids[nk++] = (struct child){ pid, "reader", i, 0, pid < 0 };
	}
	/* Readers must be members before the first post. */
	if (collect_ready(ready[0], cfg.readers, mono_ns() + 60 * 1000000000LL) < 0)
		bad(&setup, "readers did not get ready within 60 s");
	for (int i = 0; i < cfg.writers; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			close(go[1]);
			writer_main(sh, sc, i, go[0]);
		}
		kids[nk++] = (struct child){ pid, "writer", i, 0, pid < 0 };
	}
	for (int i = 0; i < cfg.churn; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			close(go[1]);
			churn_main(sh, sc, i, go[0]);
		}
		kids[nk++] = (struct child){ pid, "churn", i, 0, pid < 0 };
	}
	for (int i = 0; i < nk; i++)
		if (kids[i].pid < 0)
			bad(&setup, "fork: %s", strerror(errno));

	sh->start_real_ns = real_ns();
	t0 = mono_ns();
	sh->end_ns = t0 + (int64_t)(sc->seconds * 1e9);
	close(go[1]);		/* go */
	close(go[0]);

	/* Writers stop at end_ns; under BLOCK one may still wait for space. */
	deadline = sh->end_ns + GRACE_S * 1000000000LL;
	if (reap(kids + cfg.readers, cfg.writers, deadline)) {
		stuck = true;
		snprintf(why, sizeof(why),
			 "writers still posting %d s after the end (blocked?)",
			 GRACE_S);
	}
	t1 = mono_ns();
	sh->stop_churn = 1;
	if (reap(kids + cfg.readers + cfg.writers, cfg.churn,
		 mono_ns() + GRACE_S * 1000000000LL) && !stuck) {
		stuck = true;
		snprintf(why, sizeof(why), "churn processes hung after stop");
	}
	__atomic_store_n(&sh->posters_done, 1, __ATOMIC_SEQ_CST);
	if (reap(kids, cfg.readers, mono_ns() + GRACE_S * 1000000000LL) &&
	    !stuck) {
		stuck = true;
		snprintf(why, sizeof(why),
			 "readers still draining %d s after the writers ended",
			 GRACE_S);
	}
	if (stuck)
		kill_all(kids, nk);
	else
		crashed = died_badly(kids, nk, why, sizeof(why));

	for (int i = 0; i < cfg.rooms; i++) {
		if (room_info(rooms[i].fd, &rooms[i].after) < 0)
			bad(&setup, "INFO %s: %s", sc->room[i], strerror(errno));
	}

	tr->seconds = (double)(t1 - t0) / 1e9;
	{
		uint64_t posted = 0, bytes = 0, eagain = 0, maxwait = 0;
		uint64_t checked = 0, partial = 0, lost = 0, epipes = 0, shorts = 0;
		uint64_t probes = 0, churn_cycles = 0, churn_posts = 0, missing = 0;

		for (int i = 0; i < cfg.writers; i++) {
			posted += sh->w[i].posted;
			bytes += sh->w[i].bytes;
			eagain += sh->w[i].eagain;
			if (sh->w[i].max_wait_us > maxwait)
				maxwait = sh->w[i].max_wait_us;
		}
		for (int i = 0; i < cfg.readers; i++) {
			checked += sh->r[i].msgs;
			partial += sh->r[i].partial_msgs;
			shorts += sh->r[i].short_reads;
			lost += sh->r[i].lost_reported;
			epipes += sh->r[i].epipes;
			missing += sh->r[i].missing;
			probes += sh->r[i].emsgsize_probes;
		}
		for (int i = 0; i < cfg.churn; i++) {
			churn_cycles += sh->c[i].cycles;
			churn_posts += sh->c[i].posts;
		}
		tr->posted = posted;
		tr->checked = checked;
		note("%s: %d writers x %d readers (record+stream) in %d rooms, %d churners, %.1f s",
		     sc->name, cfg.writers, cfg.readers, cfg.rooms, cfg.churn,
		     tr->seconds);
		note("%s: posted %llu messages (%.0f msg/s, %.2f MB/s), %llu deliveries checked (%.0f msg/s)",
		     sc->name, (unsigned long long)posted,
		     posted / tr->seconds, bytes / tr->seconds / 1e6,
		     (unsigned long long)checked, checked / tr->seconds);
		note("%s: %llu messages read in pieces (%llu reads shorter than asked), %llu EMSGSIZE probes, writers saw EAGAIN %llu times, longest write %.1f ms",
		     sc->name, (unsigned long long)partial, (unsigned long long)shorts,
		     (unsigned long long)probes, (unsigned long long)eagain,
		     maxwait / 1000.0);
		if (overwrite)
			note("%s: readers missed %llu messages; reported: lost %llu (record), -EPIPE %llu times (stream)",
			     sc->name, (unsigned long long)missing,
			     (unsigned long long)lost, (unsigned long long)epipes);
		note("%s: churn: %llu open/join/close cycles, %llu posts",
		     sc->name, (unsigned long long)churn_cycles,
		     (unsigned long long)churn_posts);
	}

	if (stuck || crashed || setup.count) {
		const char *w = stuck || crashed ? why : setup.first;

		report(false, overwrite ? "overwrite: record readers: every gap reported in lost" :
		       "block: record readers got every message once, in order, intact", w);
		report(false, overwrite ? "overwrite: stream readers: every gap after -EPIPE" :
		       "block: stream readers (partial reads) got every message once, in order, intact", w);
		report(false, overwrite ? "overwrite: posts never waited, dropped and posted counters consistent" :
		       "block: room posted/dropped counters and /proc/kerneltalk consistent", w);
		goto out;
	}

	/* Cases 1 and 2: the readers' own verdicts, per mode. */
	for (int mode = 0; mode < 2; mode++) {
		const char *name;
		char buf[400] = "";
		bool ok = true;

		if (overwrite)
			name = mode ? "overwrite: stream readers: every gap after -EPIPE, nothing duplicated/reordered/torn" :
			       "overwrite: record readers: every gap reported in lost, nothing duplicated/reordered/torn";
		else
			name = mode ? "block: stream readers (partial reads) got every message once, in order, intact" :
			       "block: record readers got every message once, in order, intact";
		for (int i = 0; i < cfg.readers && ok; i++) {
			struct reader_res *r = &sh->r[i];

			if (r->stream != mode)
				continue;
			if (r->err.count) {
				snprintf(buf, sizeof(buf), "reader %d (%s): %s (%llu problems)",
					 i, sc->room[r->room], r->err.first,
					 (unsigned long long)r->err.count);
				ok = false;
			} else if (!mode && r->msgs &&
				   r->last_room_seq != rooms[r->room].after.next_seq - 1) {
				snprintf(buf, sizeof(buf),
					 "reader %d stopped at room seq %llu, room next_seq %llu",
					 i, (unsigned long long)r->last_room_seq,
					 (unsigned long long)rooms[r->room].after.next_seq);
				ok = false;
			} else if (!r->msgs) {
				snprintf(buf, sizeof(buf), "reader %d received nothing", i);
				ok = false;
			}
		}
		report(ok, name, buf);
	}

	/* Case 3: room counters against what the processes counted. */
	{
		char buf[400] = "";
		bool ok = true;

		for (int i = 0; i < cfg.writers && ok; i++)
			if (sh->w[i].err.count) {
				snprintf(buf, sizeof(buf), "writer %d: %s", i,
					 sh->w[i].err.first);
				ok = false;
			}
		for (int i = 0; i < cfg.rooms && ok; i++) {
			struct kerneltalk_room_info *b = &rooms[i].before, *a = &rooms[i].after;
			uint64_t want = sh->churn_posted[i], dposted, ddropped, maxmiss = 0;
			unsigned int members;
			unsigned long long pposted, pdropped;
			char policy[16];

			for (int w = 0; w < cfg.writers; w++)
				if (sh->w[w].room == i)
					want += sh->w[w].posted;
			dposted = a->posted - b->posted;
			ddropped = a->dropped - b->dropped;
			for (int r = 0; r < cfg.readers; r++)
				if (sh->r[r].room == i && sh->r[r].missing > maxmiss)
					maxmiss = sh->r[r].missing;
			if (dposted != want) {
				snprintf(buf, sizeof(buf), "room %s: posted grew by %llu, posters counted %llu",
					 sc->room[i], (unsigned long long)dposted,
					 (unsigned long long)want);
				ok = false;
			} else if (a->next_seq - b->next_seq != dposted) {
				snprintf(buf, sizeof(buf), "room %s: next_seq grew by %llu for %llu posts",
					 sc->room[i],
					 (unsigned long long)(a->next_seq - b->next_seq),
					 (unsigned long long)dposted);
				ok = false;
			} else if (!overwrite && ddropped > sh->churn_posted[i]) {
				/*
				 * Lossless but for the echo of churners that
				 * post before they ever read: a file never
				 * waits for its own unread echo.
				 */
				snprintf(buf, sizeof(buf),
					 "room %s: dropped %llu under BLOCK, more than the %llu churn posts",
					 sc->room[i], (unsigned long long)ddropped,
					 (unsigned long long)sh->churn_posted[i]);
				ok = false;
			} else if (overwrite && (ddropped < maxmiss || ddropped > dposted)) {
				snprintf(buf, sizeof(buf),
					 "room %s: dropped grew by %llu, a reader missed %llu, posted %llu",
					 sc->room[i], (unsigned long long)ddropped,
					 (unsigned long long)maxmiss,
					 (unsigned long long)dposted);
				ok = false;
			} else if (a->used > a->capacity) {
				snprintf(buf, sizeof(buf), "room %s: used %u > capacity %u",
					 sc->room[i], a->used, a->capacity);
				ok = false;
			} else if (a->members != 1) {
				snprintf(buf, sizeof(buf),
					 "room %s: %u members after all but the control file closed",
					 sc->room[i], a->members);
				ok = false;
			} else if (!proc_room(sc->room[i], &members, policy, &pposted,
					      &pdropped)) {
				snprintf(buf, sizeof(buf), "room %s missing from /proc/kerneltalk",
					 sc->room[i]);
				ok = false;
			} else if (members != a->members || pposted != a->posted ||
				   pdropped != a->dropped ||
				   strcmp(policy, overwrite ? "overwrite" : "block")) {
				snprintf(buf, sizeof(buf),
					 "room %s: /proc says members %u policy %s posted %llu dropped %llu, INFO %u/%llu/%llu",
					 sc->room[i], members, policy, pposted, pdropped,
					 a->members, (unsigned long long)a->posted,
					 (unsigned long long)a->dropped);
				ok = false;
			}
		}
		report(ok, overwrite ? "overwrite: posts never waited, dropped and posted counters consistent" :
		       "block: room posted/dropped counters and /proc/kerneltalk consistent", buf);
	}

out:
	/* Churn verdicts are given once, over both scenarios, by main(). */
	memcpy(churn_out, sh->c, sizeof(sh->c));
	for (int i = 0; i < cfg.rooms; i++)
		if (rooms[i].fd >= 0)
			close(rooms[i].fd);
	close(ready[0]);
	close(ready[1]);
	munmap(sh, sizeof(*sh));
	free(kids);
}

/* ---- fork-shared file -------------------------------------------------- */

#define FORK_POSTS	1500	/* by each of parent, child, outsider */

struct fork_shared {
	uint64_t base_seq;	/* room seq of the first message */
	uint64_t total;
	uint64_t received;	/* by parent and child together */
	uint64_t got[2];
	struct errinfo err[3];	/* parent, child, outsider */
	unsigned char count[3 * FORK_POSTS];	/* deliveries per room seq */
};

/*
 * Parent and child run this on the one shared file: both post and both
 * read, so each message must reach exactly one of them.
 */
static void fork_side(struct fork_shared *fs, int fd, int who, int64_t deadline)
{
	unsigned char *buf = malloc(HDR + cfg.max_msg);
	struct errinfo *e = &fs->err[who];
	uint64_t posted = 0, last_seq = 0;

	if (!buf) {
		bad(e, "out of memory");
		return;
	}
	while (__atomic_load_n(&fs->received, __ATOMIC_SEQ_CST) < fs->total &&
	       mono_ns() < deadline) {
		const struct kerneltalk_msg *m = (const void *)buf;
		ssize_t n;

		if (posted < FORK_POSTS) {
			uint32_t len = pick_len();

			fill_payload(buf, FORK_SENDER + (uint32_t)who, posted + 1, len);
			n = write(fd, buf, len);
			if (n == (ssize_t)len)
				posted++;
			else if (n >= 0 || errno != EAGAIN)
				bad(e, "post: %s", n >= 0 ? "short write" : strerror(errno));
		}

		n = read(fd, buf, HDR + cfg.max_msg);
		if (n > 0) {
			const struct payload *ph = (const void *)(buf + HDR);
			const char *why = (size_t)n == HDR + m->len ?
					  check_payload(buf + HDR, m->len) :
					  "record size differs from HDR + len";
			bool own_expected;
			uint64_t idx;

			if (why) {
				bad(e, "seq %llu: %s", (unsigned long long)m->seq, why);
				continue;
			}
			if (m->seq <= last_seq)
				bad(e, "room seq %llu after %llu",
				    (unsigned long long)m->seq,
				    (unsigned long long)last_seq);
			last_seq = m->seq;
			own_expected = ph->sender != FORK_SENDER + 2;
			if (!!(m->flags & KERNELTALK_MSG_OWN) != own_expected)
				bad(e, "seq %llu from sender %#x: OWN flag %s",
				    (unsigned long long)m->seq, ph->sender,
				    own_expected ? "missing" : "set");
			idx = m->seq - fs->base_seq;
			if (m->seq < fs->base_seq || idx >= fs->total) {
				bad(e, "room seq %llu outside the run",
				    (unsigned long long)m->seq);
				continue;
			}
			__atomic_fetch_add(&fs->count[idx], 1, __ATOMIC_SEQ_CST);
			__atomic_fetch_add(&fs->received, 1, __ATOMIC_SEQ_CST);
			fs->got[who]++;
			continue;
		}
		if (n == 0) {
			bad(e, "read returned 0");
			break;
		}
		if (errno == EAGAIN) {
			struct pollfd p = {
				.fd = fd,
				.events = POLLIN | (posted < FORK_POSTS ? POLLOUT : 0),
			};

			poll(&p, 1, 50);
		} else if (errno != EINTR) {
			bad(e, "read: %s", strerror(errno));
			break;
		}
	}
	if (posted < FORK_POSTS)
		bad(e, "posted only %llu of %d", (unsigned long long)posted,
		    FORK_POSTS);
	free(buf);
}

static void run_fork(void)
{
	const char *name = "fork-shared fd: parent and child post and read one file, each message delivered once";
	struct fork_shared *fs;
	struct kerneltalk_room_info info;
	struct errinfo setup = { 0 };
	struct child kids[2];
	int64_t t0, deadline;
	__u32 pol = KERNELTALK_POLICY_BLOCK;
	char why[400] = "";
	uint64_t missing = 0, dups = 0;
	int fd;

	fs = shared_zeroed(sizeof(*fs));
	if (!fs) {
		report(false, name, "mmap failed");
		return;
	}
	fd = open_room("kts-fork", O_RDWR | O_NONBLOCK, &setup);
	if (fd < 0 || ioctl(fd, KERNELTALK_IOC_SET_POLICY, &pol) < 0 ||
	    set_flags(fd, KERNELTALK_F_RECORDS, &setup) < 0 ||
	    room_info(fd, &info) < 0) {
		report(false, name, setup.count ? setup.first : strerror(errno));
		return;
	}
	fs->base_seq = info.next_seq;
	fs->total = 3 * FORK_POSTS;
	t0 = mono_ns();
	deadline = t0 + (int64_t)GRACE_S * 1000000000LL;

	fflush(stdout);
	kids[0] = (struct child){ fork(), "fork child", 1, 0, false };
	if (kids[0].pid == 0) {
		prctl(PR_SET_NAME, "kts-fork-child");
		rnd_seed(cfg.seed ^ 0x4001);
		fork_side(fs, fd, 1, deadline);
		_exit(0);
	}
	/* The shared file is one member, whoever holds it. */
	if (room_info(fd, &info) == 0 && info.members != 1)
		bad(&setup, "members %u with one file shared by two processes",
		    info.members);

	kids[1] = (struct child){ fork(), "outsider", 2, 0, false };
	if (kids[1].pid == 0) {
		unsigned char *buf = malloc(cfg.max_msg);
		int ofd;

		prctl(PR_SET_NAME, "kts-fork-out");
		rnd_seed(cfg.seed ^ 0x4002);
		close(fd);
		/* Write-only and blocking: waits while the shared file lags. */
		ofd = open_room("kts-fork", O_WRONLY, &fs->err[2]);
		for (uint64_t seq = 1; ofd >= 0 && buf && seq <= FORK_POSTS; seq++) {
			uint32_t len = pick_len();

			fill_payload(buf, FORK_SENDER + 2, seq, len);
			if (write(ofd, buf, len) != (ssize_t)len) {
				bad(&fs->err[2], "post %llu: %s",
				    (unsigned long long)seq, strerror(errno));
				break;
			}
		}
		_exit(0);
	}
	if (kids[0].pid < 0 || kids[1].pid < 0) {
		report(false, name, "fork failed");
		return;
	}

	prctl(PR_SET_NAME, "kts-fork-parent");
	rnd_seed(cfg.seed ^ 0x4000);
	fork_side(fs, fd, 0, deadline);
	prctl(PR_SET_NAME, "kt-stress");

	if (reap(kids, 2, deadline + 10 * 1000000000LL)) {
		kill_all(kids, 2);
		snprintf(why, sizeof(why), "child or outsider hung");
	} else {
		died_badly(kids, 2, why, sizeof(why));
	}

	for (uint64_t i = 0; i < fs->total; i++) {
		if (fs->count[i] == 0)
			missing++;
		else if (fs->count[i] > 1)
			dups += fs->count[i] - 1u;
	}

	/* The child closed its copy on exit: the file must still work. */
	if (!why[0]) {
		unsigned char buf[HDR + 64];
		const struct kerneltalk_msg *m = (const void *)buf;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (room_info(fd, &info) < 0 || info.members != 1)
			bad(&setup, "members %u after the child exited", info.members);
		fill_payload(buf, FORK_SENDER, FORK_POSTS + 1, 32);
		if (write(fd, buf, 32) != 32)
			bad(&setup, "post after the child exited: %s", strerror(errno));
		poll(&p, 1, 5000);
		n = read(fd, buf, sizeof(buf));
		if (n != (ssize_t)(HDR + 32) || !(m->flags & KERNELTALK_MSG_OWN) ||
		    m->seq != fs->base_seq + fs->total)
			bad(&setup, "own post after the child exited not read back (read %zd, seq %llu)",
			    n, n > 0 ? (unsigned long long)m->seq : 0ULL);
	}
	close(fd);

	note("fork: %llu messages by parent, child and outsider in %.1f s; parent read %llu, child read %llu",
	     (unsigned long long)fs->total, (double)(mono_ns() - t0) / 1e9,
	     (unsigned long long)fs->got[0], (unsigned long long)fs->got[1]);
	if (!why[0]) {
		for (int i = 0; i < 3 && !why[0]; i++)
			if (fs->err[i].count)
				snprintf(why, sizeof(why), "%s: %s",
					 i == 0 ? "parent" : i == 1 ? "child" : "outsider",
					 fs->err[i].first);
	}
	if (!why[0] && (missing || dups))
		snprintf(why, sizeof(why), "%llu messages never delivered, %llu delivered twice",
			 (unsigned long long)missing, (unsigned long long)dups);
	if (!why[0] && setup.count)
		snprintf(why, sizeof(why), "%s", setup.first);
	report(!why[0], name, why);
	munmap(fs, sizeof(*fs));
}

/* ---- member flood ------------------------------------------------------ */

#define FLOOD_JOINERS	6
#define FLOOD_LISTERS	2
#define FLOOD_SENDER	0x30000u
#define FLOOD_MAX	64	/* MEMBERS array entries a lister offers */

/* One process of the flood: joiners 0.., listers, the poster, the reader. */
enum { FL_JOINER, FL_LISTER, FL_POSTER, FL_READER };

struct flood_shared {
	volatile int stop;	/* reader done: everyone winds down */
	volatile int posted_all;	/* the poster is through */
	int64_t end_ns;		/* posting goes on until then */
	uint64_t cycles[FLOOD_JOINERS];
	uint64_t lists[FLOOD_LISTERS];
	uint64_t posted, received, max_total;
	struct errinfo err[FLOOD_JOINERS + FLOOD_LISTERS + 2];
};

/* Joins and leaves as fast as it can, a file of a random mode each time. */
static void flood_joiner(struct flood_shared *fs, int id)
{
	static const int modes[3] = { O_RDONLY, O_WRONLY, O_RDWR };
	struct errinfo *e = &fs->err[id];
	unsigned char buf[64];

	while (!fs->stop) {
		int fd = open_room("kts-members", modes[rnd() % 3] | O_NONBLOCK, e);

		if (fd < 0)
			return;
		if (rnd() % 2 && set_flags(fd, KERNELTALK_F_NOECHO, e) < 0)
			return;
		if (rnd() % 4 == 0) {
			fill_payload(buf, FLOOD_SENDER + 1 + (uint32_t)id,
				     fs->cycles[id] + 1, sizeof(buf));
			if (write(fd, buf, sizeof(buf)) < 0 && errno != EAGAIN &&
			    errno != EBADF)
				bad(e, "post: %s", strerror(errno));
		}
		close(fd);
		fs->cycles[id]++;
	}
}

/* Asks MEMBERS with random array sizes and checks each answer. */
static void flood_lister(struct flood_shared *fs, int id)
{
	static const __u32 known = KERNELTALK_MEMBER_READER |
		KERNELTALK_MEMBER_WRITER | KERNELTALK_MEMBER_NOECHO |
		KERNELTALK_MEMBER_SELF;
	struct errinfo *e = &fs->err[FLOOD_JOINERS + id];
	struct kerneltalk_member_info info[FLOOD_MAX + 1];
	struct kerneltalk_member_list list;
	/* Write-only: a member that never reads must not hold the ring. */
	int fd = open_room("kts-members", O_WRONLY, e);

	while (fd >= 0 && !fs->stop) {
		__u32 want = (__u32)(rnd() % (FLOOD_MAX + 1)), self = 0;

		memset(info, 0xcc, sizeof(info));
		memset(&list, 0, sizeof(list));
		list.count = want;
		list.members = (__u64)(uintptr_t)info;
		if (ioctl(fd, KERNELTALK_IOC_MEMBERS, &list) < 0) {
			bad(e, "MEMBERS: %s", strerror(errno));
			break;
		}
		fs->lists[id]++;
		if (list.total > fs->max_total)
			fs->max_total = list.total;
		if (list.count != (want < list.total ? want : list.total) ||
		    !list.total)
			bad(e, "MEMBERS wrote %u of %u for %u members", list.count,
			    want, list.total);
		for (__u32 i = 0; i < list.count; i++) {
			if ((info[i].flags & ~known) || info[i].reserved ||
			    !memchr(info[i].comm, '\0', sizeof(info[i].comm)) ||
			    !(info[i].flags & (KERNELTALK_MEMBER_READER |
					       KERNELTALK_MEMBER_WRITER)))
				bad(e, "MEMBERS entry %u malformed (flags %#x)",
				    i, info[i].flags);
			if (info[i].flags & KERNELTALK_MEMBER_SELF)
				self++;
		}
		if (self > 1 || (list.count == list.total && self != 1))
			bad(e, "SELF on %u of %u entries", self, list.count);
		if (((unsigned char *)&info[list.count])[0] != 0xcc)
			bad(e, "MEMBERS wrote past entry %u", list.count);
	}
	if (fd >= 0)
		close(fd);
}

/*
 * Posts tagged messages, blocking, until end_ns (at least FORK_POSTS): the
 * reader must get them all.
 */
static void flood_poster(struct flood_shared *fs, int64_t deadline)
{
	struct errinfo *e = &fs->err[FLOOD_JOINERS + FLOOD_LISTERS];
	unsigned char *buf = malloc(cfg.max_msg);
	int fd = open_room("kts-members", O_WRONLY, e);

	for (uint64_t seq = 1; fd >= 0 && buf && mono_ns() < deadline &&
	     (seq <= FORK_POSTS || mono_ns() < fs->end_ns); seq++) {
		uint32_t len = pick_len();

		fill_payload(buf, FLOOD_SENDER, seq, len);
		if (write(fd, buf, len) != (ssize_t)len) {
			bad(e, "post %llu: %s", (unsigned long long)seq,
			    strerror(errno));
			break;
		}
		fs->posted = seq;
	}
	fs->posted_all = 1;
	free(buf);
	if (fd >= 0)
		close(fd);
}

/* Reads everything in record mode: the poster's messages in order. */
static void flood_reader(struct flood_shared *fs, int fd, int64_t deadline)
{
	struct errinfo *e = &fs->err[FLOOD_JOINERS + FLOOD_LISTERS + 1];
	unsigned char *buf = malloc(HDR + cfg.max_msg);
	const struct kerneltalk_msg *m = (const void *)buf;
	const struct payload *ph = (const void *)(buf + HDR);

	while (buf && mono_ns() < deadline &&
	       !(fs->posted_all && fs->received == fs->posted)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n = read(fd, buf, HDR + cfg.max_msg);
		const char *why;

		if (n < 0) {
			if (errno == EAGAIN)
				poll(&p, 1, 100);
			else if (errno != EINTR)
				bad(e, "read: %s", strerror(errno));
			continue;
		}
		why = (size_t)n == HDR + m->len ? check_payload(buf + HDR, m->len) :
		      "record size differs from HDR + len";
		if (why)
			bad(e, "seq %llu: %s", (unsigned long long)m->seq, why);
		else if (m->lost)
			bad(e, "seq %llu: lost %llu under BLOCK",
			    (unsigned long long)m->seq,
			    (unsigned long long)m->lost);
		else if (ph->sender == FLOOD_SENDER &&
			 ph->seq != ++fs->received)
			bad(e, "poster's message %llu where %llu was due",
			    (unsigned long long)ph->seq,
			    (unsigned long long)fs->received);
	}
	free(buf);
}

static void run_member_flood(double seconds)
{
	const char *name = "member flood: files join and leave while MEMBERS and posts run; nothing lost";
	struct child kids[FLOOD_JOINERS + FLOOD_LISTERS + 1];
	struct errinfo setup = { 0 };
	struct flood_shared *fs;
	uint64_t cycles = 0, lists = 0;
	int64_t t0 = mono_ns(), deadline;
	__u32 pol = KERNELTALK_POLICY_BLOCK;
	int n = 0, fd;
	char why[400] = "";

	fs = shared_zeroed(sizeof(*fs));
	if (!fs) {
		report(false, name, "mmap failed");
		return;
	}
	deadline = t0 + (int64_t)GRACE_S * 1000000000LL;
	fs->end_ns = t0 + (int64_t)(seconds * 1e9);
	/* The reader joins first, so it is owed every post. */
	fd = open_room("kts-members", O_RDONLY | O_NONBLOCK, &setup);
	if (fd < 0 || ioctl(fd, KERNELTALK_IOC_SET_POLICY, &pol) < 0 ||
	    set_flags(fd, KERNELTALK_F_RECORDS, &setup) < 0) {
		report(false, name, setup.count ? setup.first : strerror(errno));
		return;
	}
	fflush(stdout);
	for (int i = 0; i < FLOOD_JOINERS + FLOOD_LISTERS + 1; i++) {
		int role = i < FLOOD_JOINERS ? FL_JOINER :
			   i < FLOOD_JOINERS + FLOOD_LISTERS ? FL_LISTER :
			   FL_POSTER;
		pid_t pid = fork();

		if (pid == 0) {
			close(fd);
			prctl(PR_SET_NAME, "kts-flood");
			rnd_seed(cfg.seed ^ (0x5000u + (unsigned int)i));
			if (role == FL_JOINER)
				flood_joiner(fs, i);
			else if (role == FL_LISTER)
				flood_lister(fs, i - FLOOD_JOINERS);
			else
				flood_poster(fs, deadline);
			_exit(0);
		}
		if (pid < 0)
			break;
		kids[n++] = (struct child){ pid, "flood process", i, 0, false };
	}
	flood_reader(fs, fd, deadline);
	fs->stop = 1;
	close(fd);
	if (reap(kids, n, deadline + 10 * 1000000000LL)) {
		kill_all(kids, n);
		snprintf(why, sizeof(why), "a flood process hung");
	} else {
		died_badly(kids, n, why, sizeof(why));
	}
	for (int i = 0; i < FLOOD_JOINERS; i++)
		cycles += fs->cycles[i];
	for (int i = 0; i < FLOOD_LISTERS; i++)
		lists += fs->lists[i];
	note("member flood: %llu join/leave cycles, %llu MEMBERS calls (up to %llu members), %llu of %llu posts read in %.1f s",
	     (unsigned long long)cycles, (unsigned long long)lists,
	     (unsigned long long)fs->max_total,
	     (unsigned long long)fs->received, (unsigned long long)fs->posted,
	     (double)(mono_ns() - t0) / 1e9);
	for (int i = 0; i < FLOOD_JOINERS + FLOOD_LISTERS + 2 && !why[0]; i++)
		if (fs->err[i].count)
			snprintf(why, sizeof(why), "process %d: %s", i,
				 fs->err[i].first);
	if (n != FLOOD_JOINERS + FLOOD_LISTERS + 1 && !why[0])
		snprintf(why, sizeof(why), "fork failed");
	if (!why[0] && (fs->received != fs->posted ||
			fs->posted < FORK_POSTS || !cycles || !lists))
		snprintf(why, sizeof(why), "read %llu of %llu posts, %llu cycles, %llu MEMBERS calls",
			 (unsigned long long)fs->received,
			 (unsigned long long)fs->posted,
			 (unsigned long long)cycles, (unsigned long long)lists);
	report(!why[0], name, why);
	munmap(fs, sizeof(*fs));
}

/* ---- stalled reader ----------------------------------------------------- */

#define STALL_PARAM	"/sys/module/kerneltalk/parameters/stall_ms"
#define STALL_BOUND_MS	2000	/* stall_ms of the scenario's room */
#define STALL_SECONDS	8
#define STALL_SENDER	0x30000u
#define STALL_POSTERS	2
#define STALL_READERS	2

struct stall_shared {
	volatile int posters_done;
	uint64_t posted[STALL_POSTERS];
	uint64_t got[STALL_READERS];
	struct errinfo err[STALL_POSTERS + STALL_READERS];
};

static long stall_param(long set)
{
	char buf[32] = "";
	FILE *f = fopen(STALL_PARAM, set < 0 ? "r" : "w");
	long v = -1;

	if (!f)
		return -1;
	if (set >= 0)
		v = fprintf(f, "%ld\n", set) > 0 ? set : -1;
	else if (fgets(buf, sizeof(buf), f))
		v = strtol(buf, NULL, 10);
	return fclose(f) ? -1 : v;
}

/* Blocking posts of tagged payloads until the time is up. */
static void stall_poster(struct stall_shared *ss, int fd, int id, int64_t end)
{
	unsigned char *buf = malloc(cfg.max_msg);
	struct errinfo *e = &ss->err[id];

	while (buf && mono_ns() < end) {
		uint32_t len = pick_len();

		fill_payload(buf, STALL_SENDER + (uint32_t)id, ss->posted[id] + 1, len);
		if (write(fd, buf, len) != (ssize_t)len) {
			bad(e, "post %llu: %s", (unsigned long long)ss->posted[id] + 1,
			    strerror(errno));
			break;
		}
		ss->posted[id]++;
	}
	free(buf);
}

/* A reader that keeps reading: every message once, in order, intact. */
static void stall_reader(struct stall_shared *ss, int fd, int id)
{
	unsigned char *buf = malloc(HDR + cfg.max_msg);
	struct errinfo *e = &ss->err[STALL_POSTERS + id];
	uint64_t expect[STALL_POSTERS] = { 1, 1 };

	while (buf) {
		const struct kerneltalk_msg *m = (const void *)buf;
		const struct payload *ph = (const void *)(buf + HDR);
		struct pollfd p = { .fd = fd, .events = POLLIN };
		bool done = __atomic_load_n(&ss->posters_done, __ATOMIC_SEQ_CST);
		ssize_t n = read(fd, buf, HDR + cfg.max_msg);
		const char *why;
		uint32_t w;

		if (n < 0 && errno == EAGAIN) {
			if (done)
				break;
			poll(&p, 1, 50);
			continue;
		}
		if (n < 0) {
			bad(e, "read: %s", strerror(errno));
			break;
		}
		why = (size_t)n == HDR + m->len ? check_payload(buf + HDR, m->len) :
		      "record size differs from HDR + len";
		if (why) {
			bad(e, "seq %llu: %s", (unsigned long long)m->seq, why);
			continue;
		}
		if (m->lost)
			bad(e, "seq %llu: lost %llu", (unsigned long long)m->seq,
			    (unsigned long long)m->lost);
		w = ph->sender - STALL_SENDER;
		if (w >= STALL_POSTERS) {
			bad(e, "seq %llu: unknown sender %#x",
			    (unsigned long long)m->seq, ph->sender);
			continue;
		}
		if (ph->seq != expect[w])
			bad(e, "poster %u: got %llu, expected %llu", w,
			    (unsigned long long)ph->seq,
			    (unsigned long long)expect[w]);
		expect[w] = ph->seq + 1;
		ss->got[id]++;
	}
	free(buf);
}

/*
 * BLOCK room with stall_ms=STALL_BOUND_MS: one member never reads while
 * two posters and two readers that keep reading go on.  The posters must
 * not be held back for good, the readers must lose nothing, and the
 * stalled member must be told it was overrun.
 */
static void run_stall(void)
{
	const char *name = "stall: readers that keep reading lose nothing while one reader stalls";
	struct kerneltalk_room_info before, after;
	struct errinfo setup = { 0 };
	struct child kids[STALL_POSTERS + STALL_READERS];
	__u32 pol = KERNELTALK_POLICY_BLOCK;
	struct stall_shared *ss;
	uint64_t posted = 0;
	char why[400] = "";
	int ctl, stalled, nk = 0;
	int64_t end;
	long saved;

	saved = stall_param(-1);
	if (saved < 0 || stall_param(STALL_BOUND_MS) < 0) {
		report(false, name, "cannot read or set " STALL_PARAM " (root?)");
		return;
	}
	ss = mmap(NULL, sizeof(*ss), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ctl = open_room("kts-stall", O_WRONLY, &setup);
	stall_param(saved);	/* the room has taken its value */
	if (ss == MAP_FAILED || ctl < 0 ||
	    ioctl(ctl, KERNELTALK_IOC_SET_POLICY, &pol) < 0 ||
	    room_info(ctl, &before) < 0) {
		report(false, name, setup.count ? setup.first : strerror(errno));
		return;
	}
	memset(ss, 0, sizeof(*ss));
	stalled = open_room("kts-stall", O_RDONLY | O_NONBLOCK, &setup);
	end = mono_ns() + STALL_SECONDS * 1000000000LL;

	fflush(stdout);
	for (int i = 0; i < STALL_READERS; i++) {
		int fd = open_room("kts-stall", O_RDONLY | O_NONBLOCK, &setup);

		if (fd < 0 || set_flags(fd, KERNELTALK_F_RECORDS, &setup) < 0)
			break;
		kids[nk] = (struct child){ fork(), "stall reader", i, 0, false };
		if (kids[nk].pid == 0) {
			prctl(PR_SET_NAME, "kts-stall-r");
			stall_reader(ss, fd, i);
			_exit(0);
		}
		nk++;
		close(fd);
	}
	for (int i = 0; i < STALL_POSTERS && !setup.count; i++) {
		int fd = open_room("kts-stall", O_WRONLY, &setup);

		if (fd < 0)
			break;
		kids[nk] = (struct child){ fork(), "stall poster", i, 0, false };
		if (kids[nk].pid == 0) {
			prctl(PR_SET_NAME, "kts-stall-w");
			rnd_seed(cfg.seed ^ (0x5000u + (unsigned int)i));
			stall_poster(ss, fd, i, end);
			_exit(0);
		}
		nk++;
		close(fd);
	}

	/* Posters end at `end`: a poster held back for good shows here. */
	if (reap(kids + STALL_READERS, nk - STALL_READERS,
		 end + (STALL_BOUND_MS + 30000) * 1000000LL))
		snprintf(why, sizeof(why), "posters still blocked %d s after the end",
			 STALL_BOUND_MS / 1000 + 30);
	__atomic_store_n(&ss->posters_done, 1, __ATOMIC_SEQ_CST);
	if (!why[0] && reap(kids, STALL_READERS, mono_ns() + GRACE_S * 1000000000LL))
		snprintf(why, sizeof(why), "readers still draining %d s after the posters",
			 GRACE_S);
	if (why[0])
		kill_all(kids, nk);
	else
		died_badly(kids, nk, why, sizeof(why));

	for (int i = 0; i < STALL_POSTERS; i++)
		posted += ss->posted[i];
	if (room_info(ctl, &after) < 0)
		bad(&setup, "INFO: %s", strerror(errno));
	note("stall: %llu messages by %d blocking posters in %d s, stall_ms %d; dropped %llu (for the stalled reader only); readers got %llu and %llu",
	     (unsigned long long)posted, STALL_POSTERS, STALL_SECONDS,
	     STALL_BOUND_MS, (unsigned long long)(after.dropped - before.dropped),
	     (unsigned long long)ss->got[0], (unsigned long long)ss->got[1]);
	for (int i = 0; i < STALL_POSTERS + STALL_READERS && !why[0]; i++)
		if (ss->err[i].count)
			snprintf(why, sizeof(why), "%s %d: %s (%llu problems)",
				 i < STALL_POSTERS ? "poster" : "reader",
				 i % STALL_POSTERS, ss->err[i].first,
				 (unsigned long long)ss->err[i].count);
	for (int i = 0; i < STALL_READERS && !why[0]; i++)
		if (ss->got[i] != posted)
			snprintf(why, sizeof(why), "reader %d got %llu of %llu messages",
				 i, (unsigned long long)ss->got[i],
				 (unsigned long long)posted);
	if (!why[0] && after.dropped == before.dropped)
		snprintf(why, sizeof(why), "nothing dropped: the stalled reader held nothing back?");
	if (!why[0] && after.posted - before.posted != posted)
		snprintf(why, sizeof(why), "room posted grew by %llu, posters counted %llu",
			 (unsigned long long)(after.posted - before.posted),
			 (unsigned long long)posted);
	if (!why[0]) {
		char b[16];

		errno = 0;
		if (read(stalled, b, sizeof(b)) != -1 || errno != EPIPE)
			snprintf(why, sizeof(why), "the stalled reader was not told (%s)",
				 errno ? strerror(errno) : "read succeeded");
	}
	if (!why[0] && setup.count)
		snprintf(why, sizeof(why), "%s", setup.first);
	report(!why[0], name, why);
	close(stalled);
	close(ctl);
	munmap(ss, sizeof(*ss));
}

/* ---- main -------------------------------------------------------------- */

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: kt-stress [options]\n"
		"Stress the KernelTalk device (must be loaded) with concurrent\n"
		"writers, readers, open/close churn and a fork-shared file.\n"
		"  -d SECONDS   total time of the timed scenarios (default 30)\n"
		"  -w N         writers (default 8, max %d)\n"
		"  -r N         readers (default 8, max %d; half record, half stream)\n"
		"  -R N         rooms (default 4, max %d)\n"
		"  -c N         churn processes (default 4, max %d)\n"
		"  -s LIST      scenarios, comma-separated: block,overwrite,fork,members,stall\n"
		"  -S SEED      random seed (default: from the clock; printed)\n"
		"  -D DEVICE    device node (default /dev/kerneltalk)\n"
		"  -h           this help\n",
		MAX_WRITERS, MAX_READERS, MAX_ROOMS, MAX_CHURN);
}

static int parse_int(const char *s, int lo, int hi, const char *what)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end || v < lo || v > hi) {
		fprintf(stderr, "kt-stress: %s must be %d..%d, not '%s'\n", what,
			lo, hi, s);
		exit(2);
	}
	return (int)v;
}

int main(int argc, char **argv)
{
	const char *scenarios = "block,overwrite,fork,members,stall";
	struct kerneltalk_room_info info;
	struct churn_res churn[2][MAX_CHURN];
	struct traffic_result tr[2];
	struct scenario sc[2];
	bool seeded = false;
	int opt, fd, nsc = 0;

	while ((opt = getopt(argc, argv, "d:w:r:R:c:s:S:D:h")) != -1) {
		switch (opt) {
		case 'd':
			cfg.duration = atof(optarg);
			if (cfg.duration < 1 || cfg.duration > 86400) {
				fprintf(stderr, "kt-stress: -d wants 1..86400 seconds\n");
				return 2;
			}
			break;
		case 'w':
			cfg.writers = parse_int(optarg, 1, MAX_WRITERS, "-w");
			break;
		case 'r':
			cfg.readers = parse_int(optarg, 2, MAX_READERS, "-r");
			break;
		case 'R':
			cfg.rooms = parse_int(optarg, 1, MAX_ROOMS, "-R");
			break;
		case 'c':
			cfg.churn = parse_int(optarg, 0, MAX_CHURN, "-c");
			break;
		case 's':
			scenarios = optarg;
			break;
		case 'S':
			cfg.seed = strtoull(optarg, NULL, 0);
			seeded = true;
			break;
		case 'D':
			cfg.dev = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (cfg.rooms > cfg.readers) {
		fprintf(stderr, "kt-stress: need at least one reader per room\n");
		return 2;
	}
	if (!seeded)
		cfg.seed = (uint64_t)real_ns() ^ (uint64_t)getpid();

	/* A reader stuck on a closed stdout must not kill the whole run. */
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);

	fd = open(cfg.dev, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || room_info(fd, &info) < 0) {
		char why[200];

		snprintf(why, sizeof(why), "%s: %s", cfg.dev, strerror(errno));
		report(false, "device present and answers KERNELTALK_IOC_INFO", why);
		printf("stress: %d passed, %d failed\n", passed, failed);
		return 1;
	}
	close(fd);
	cfg.max_msg = info.max_msg;
	cfg.capacity = info.capacity;
	if (cfg.max_msg < sizeof(struct payload)) {
		report(false, "max_msg large enough for tagged payloads",
		       "max_msg below 24 bytes");
		printf("stress: %d passed, %d failed\n", passed, failed);
		return 1;
	}
	note("kt-stress: %s, capacity %u, max_msg %u, %ld CPUs online, seed %#llx",
	     cfg.dev, cfg.capacity, cfg.max_msg, sysconf(_SC_NPROCESSORS_ONLN),
	     (unsigned long long)cfg.seed);

	memset(churn, 0, sizeof(churn));
	memset(sc, 0, sizeof(sc));
	if (strstr(scenarios, "block")) {
		sc[nsc].name = "block";
		sc[nsc].policy = KERNELTALK_POLICY_BLOCK;
		sc[nsc].seconds = cfg.duration * 0.55;
		nsc++;
	}
	if (strstr(scenarios, "overwrite")) {
		sc[nsc].name = "overwrite";
		sc[nsc].policy = KERNELTALK_POLICY_OVERWRITE;
		sc[nsc].seconds = cfg.duration * 0.45;
		nsc++;
	}
	/* Alone, a scenario gets the whole time. */
	if (nsc == 1)
		sc[0].seconds = cfg.duration;
	for (int i = 0; i < nsc; i++) {
		if (sc[i].seconds < 2)
			sc[i].seconds = 2;
		rnd_seed(cfg.seed);
		run_traffic(&sc[i], &tr[i], churn[i]);
	}

	if (nsc && cfg.churn) {
		uint64_t cycles = 0, posts = 0;
		char why[400] = "";

		for (int s = 0; s < nsc; s++)
			for (int i = 0; i < cfg.churn; i++) {
				cycles += churn[s][i].cycles;
				posts += churn[s][i].posts;
				if (churn[s][i].err.count && !why[0])
					snprintf(why, sizeof(why), "%s churner %d: %s",
						 sc[s].name, i, churn[s][i].err.first);
			}
		if (!why[0] && !cycles)
			snprintf(why, sizeof(why), "no open/close cycle completed");
		note("churn: %llu open/join/post/close cycles, %llu posts, by %d processes",
		     (unsigned long long)cycles, (unsigned long long)posts,
		     cfg.churn);
		report(!why[0], "churn: concurrent open/join/post/read/close without errors",
		       why);
	}

	if (strstr(scenarios, "fork")) {
		rnd_seed(cfg.seed);
		run_fork();
	}
	if (strstr(scenarios, "members")) {
		rnd_seed(cfg.seed);
		run_member_flood(nsc ? cfg.duration * 0.2 : cfg.duration);
	}

	if (strstr(scenarios, "stall"))
		run_stall();

	{
		uint64_t posted = 0, checked = 0;
		double secs = 0;

		for (int i = 0; i < nsc; i++) {
			posted += tr[i].posted;
			checked += tr[i].checked;
			secs += tr[i].seconds;
		}
		if (secs > 0)
			note("total: %llu messages posted (%.0f msg/s), %llu deliveries checked (%.0f msg/s)",
			     (unsigned long long)posted, posted / secs,
			     (unsigned long long)checked, checked / secs);
	}
	printf("stress: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
