// SPDX-License-Identifier: GPL-2.0
/*
 * kt-fuzz - a device fuzzer for /dev/kerneltalk (issue 11, item 5).
 *
 * Worker processes run random sequences of open/close/dup/read/write/
 * poll/epoll/lseek/ioctl/mmap/fcntl on /dev/kerneltalk and on private
 * device nodes (mknod'ed with its major:minor, some of them 0600, unlinked
 * and re-created while open), with hostile arguments: unmapped, PROT_NONE,
 * read-only, kernel and non-canonical pointers, buffers that run into a
 * guard page, huge sizes, random and invalid room names, policy and flag
 * flips, every ioctl command of the uapi header and random command numbers
 * of its magic.  Workers fork children that share their files and may
 * change credentials (setresuid/setresgid) first.  Every read and write
 * runs under a repeating 1..30 ms SIGALRM (no SA_RESTART), so blocking calls
 * get interrupted; the supervisor SIGSTOPs/SIGCONTs and SIGKILLs (and
 * respawns) workers.
 *
 * Every call's result is checked against what the ABI allows (the errno
 * set of the call, exact errnos where the ABI fixes them, no success
 * through a bad pointer, no byte written past the buffer, whole
 * records, sane INFO counters); an operation that passes those checks
 * counts as passed.  The supervisor watches /dev/kmsg and stops at the
 * first kernel splat.  At the end the device must still work: open, JOIN,
 * post, read back, INFO, on every node.
 *
 * Seeded: the seed is printed at the start and on failure; --seed replays
 * the same decisions in every worker (the results of calls depend on the
 * timing of the others, so a multi-worker run may still diverge; -j 1
 * --no-signals -n OPS is deterministic as far as the kernel is).
 *
 * Output: "# ..." notes, "# FAIL ..." lines on stderr, and the tier line
 * `fuzz: N passed, N failed` with the operations executed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/kerneltalk.h>

#define MAX_WORKERS	16
#define SLOTS		12	/* files a worker holds at most */
#define NODES		6	/* private device nodes */
#define POOL_ROOMS	24	/* shared room names fz0..fz23 */
#define FREE_NAMES	48	/* other valid names */
#define CHILD_OPS	64	/* operations of a forked child, at most */
#define MAX_CHILDREN	2
#define MAX_REPORTS	40	/* FAIL lines printed, at most */
#define STUCK_SECONDS	60	/* a running worker without progress */
#define PAGE		4096UL
#define HDR		sizeof(struct kerneltalk_msg)

/* ---- random numbers (splitmix64) ------------------------------------- */

static uint64_t rng;

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rnd64(void)
{
	rng += 0x9e3779b97f4a7c15ULL;
	return mix64(rng);
}

/* 0..n-1 */
static uint64_t rnd(uint64_t n)
{
	return n ? rnd64() % n : 0;
}

static bool chance(unsigned int percent)
{
	return rnd(100) < percent;
}

/* ---- shared state ----------------------------------------------------- */

enum op {
	OP_OPEN, OP_CLOSE, OP_DUP, OP_READ, OP_WRITE, OP_POLL, OP_EPOLL,
	OP_LSEEK, OP_IOCTL, OP_IOCTL_RANDOM, OP_MISC, OP_NODE, OP_FORK,
	OP_CREDS, OP_FINAL, OP_COUNT
};

static const char *const op_names[OP_COUNT] = {
	"open", "close", "dup", "read", "write", "poll", "epoll", "lseek",
	"ioctl", "ioctl-random", "misc", "node", "fork", "creds", "final",
};

/* Relative frequency of each worker operation. */
static const unsigned int op_weight[OP_COUNT] = {
	[OP_OPEN] = 8, [OP_CLOSE] = 6, [OP_DUP] = 2, [OP_READ] = 16,
	[OP_WRITE] = 16, [OP_POLL] = 5, [OP_EPOLL] = 5, [OP_LSEEK] = 4,
	[OP_IOCTL] = 16, [OP_IOCTL_RANDOM] = 4, [OP_MISC] = 3, [OP_NODE] = 1,
	[OP_FORK] = 1,
};

struct shared {
	unsigned long ops[OP_COUNT];
	unsigned long passed, failed, reports;
	unsigned long progress[MAX_WORKERS];
	unsigned long stops, kills, splats;
	volatile int stop;
};

static struct shared *sh;

static struct {
	const char *dev;
	double seconds;
	int workers;
	unsigned long ops;	/* per worker, 0: until the time is up */
	uint64_t seed;
	bool signals;
	__u32 max_msg;
	dev_t rdev;
	char dir[64];
	char nodes[NODES][96];
} cfg = { "/dev/kerneltalk", 300, 4, 0, 0, true, 0, 0, "", { "" } };

/* Identity of the running worker (or child), for FAIL lines. */
static int me_worker = -1, me_gen, me_child = -1;
static unsigned long me_op;

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("# ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
}

/* A FAIL line (the first MAX_REPORTS of the run); returns false. */
static bool report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static bool report(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (__atomic_fetch_add(&sh->reports, 1, __ATOMIC_RELAXED) >= MAX_REPORTS)
		return false;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (me_worker < 0)
		fprintf(stderr, "# FAIL (seed %#llx) %s\n",
			(unsigned long long)cfg.seed, msg);
	else
		fprintf(stderr, "# FAIL (seed %#llx) worker %d gen %d%s op %lu: %s\n",
			(unsigned long long)cfg.seed, me_worker, me_gen,
			me_child >= 0 ? " child" : "", me_op, msg);
	return false;
}

/* One operation done: passed if ok, else failed (reported by then). */
static void count_op(enum op op, bool ok)
{
	__atomic_fetch_add(&sh->ops[op], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(ok ? &sh->passed : &sh->failed, 1, __ATOMIC_RELAXED);
	if (me_worker >= 0)
		__atomic_fetch_add(&sh->progress[me_worker], 1, __ATOMIC_RELAXED);
}

/* A failure outside the operations: a worker died or hung, a kernel splat. */
#define fail(...)	do {						\
	report(__VA_ARGS__);						\
	__atomic_fetch_add(&sh->failed, 1, __ATOMIC_RELAXED);		\
} while (0)

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* errno e is one of the list (terminated by 0). */
static bool errno_in(int e, const int *list)
{
	for (; *list; list++)
		if (*list == e)
			return true;
	return false;
}

/*
 * A call's result: ok when ret is not -1 (and want_ok allows success) or
 * errno is in allowed; else a FAIL naming the call.
 */
static bool check(long ret, int err, bool want_ok, const int *allowed,
		  const char *what)
{
	if (ret == -1 && !errno_in(err, allowed))
		return report("%s: unexpected %s (%d)", what,
			      strerrorname_np(err) ?: "?", err);
	if (ret != -1 && !want_ok)
		return report("%s: returned %ld, expected an error", what, ret);
	return true;
}

/* ---- memory: an arena with a guard page, and bad pointers --------------- */

static unsigned char *arena, *arena_end, *ro_page, *none_page, *unmapped;
static size_t arena_size;

static void memory_setup(void)
{
	unsigned char *p;

	arena_size = (2 * (size_t)cfg.max_msg + 2 * HDR + 64 * 1024 + PAGE - 1) & ~(PAGE - 1);
	p = mmap(NULL, arena_size + PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("kt-fuzz: mmap");
		exit(3);
	}
	arena = p;
	arena_end = p + arena_size;
	mprotect(arena_end, PAGE, PROT_NONE);
	ro_page = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	none_page = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unmapped = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(unmapped, PAGE);
}

/* Pointers no call may read through or write through. */
static void *bad_ptr(void)
{
	switch (rnd(8)) {
	case 0: return NULL;
	case 1: return unmapped + rnd(PAGE);
	case 2: return none_page + rnd(PAGE);
	case 3: return (void *)(0xffffffff81000000UL + rnd(1 << 20));	/* kernel text */
	case 4: return (void *)(0xffff888000000000UL + rnd(1 << 20));	/* direct map */
	case 5: return (void *)(0x8000000000000000UL + rnd(1 << 20));	/* non-canonical */
	case 6: return (void *)(uintptr_t)(1 + rnd(PAGE - 1));		/* below mmap_min_addr */
	default: return (void *)-1L - rnd(PAGE);
	}
}

/* Pointers for output: the bad ones and a read-only page. */
static void *bad_out_ptr(void)
{
	return chance(20) ? (void *)(ro_page + rnd(PAGE)) : bad_ptr();
}

/* A size: the edges of max_msg mostly, sometimes huge. */
static size_t pick_size(void)
{
	size_t m = cfg.max_msg;

	switch (rnd(12)) {
	case 0: return 0;
	case 1: return 1;
	case 2: return m;
	case 3: return m + 1;
	case 4: return m + HDR;
	case 5: return HDR + rnd(m);
	case 6: return HDR - 1;
	case 7: return (size_t)1 << (20 + rnd(12));			/* 1 MiB..2 GiB */
	case 8: return chance(50) ? SIZE_MAX : (size_t)SSIZE_MAX + rnd(8);
	default: return 1 + rnd(chance(70) ? 64 : m);
	}
}

/* ---- the files of a worker ----------------------------------------------- */

struct slot {
	int fd;			/* -1: free */
	int acc;		/* O_RDONLY, O_WRONLY, O_RDWR */
	unsigned int desc;	/* open file description (dup shares it) */
	bool flags_known;	/* flags valid (no child may have changed them) */
	__u32 flags;
};

static struct slot slots[SLOTS];
static unsigned int next_desc = 1;
static int epfd = -1;
static pid_t children[MAX_CHILDREN];

static void slots_init(void)
{
	for (int i = 0; i < SLOTS; i++)
		slots[i].fd = -1;
	for (int i = 0; i < MAX_CHILDREN; i++)
		children[i] = 0;
	epfd = -1;
}

static struct slot *pick_slot(void)
{
	int start = rnd(SLOTS);

	for (int i = 0; i < SLOTS; i++) {
		struct slot *s = &slots[(start + i) % SLOTS];

		if (s->fd >= 0)
			return s;
	}
	return NULL;
}

static struct slot *free_slot(void)
{
	for (int i = 0; i < SLOTS; i++)
		if (slots[i].fd < 0)
			return &slots[i];
	return NULL;
}

/* Flags of every slot sharing s's open file description. */
static void set_desc_flags(struct slot *s, __u32 flags, bool known)
{
	for (int i = 0; i < SLOTS; i++)
		if (slots[i].fd >= 0 && slots[i].desc == s->desc) {
			slots[i].flags = flags;
			slots[i].flags_known = known;
		}
}

static bool children_alive(void)
{
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (children[i])
			return true;
	return false;
}

/* ---- room names ------------------------------------------------------------ */

static const char name_chars[] =
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";

/* len random characters of the name alphabet, from generator *g. */
static void name_chars_fill(char *name, size_t len, uint64_t *g)
{
	for (size_t i = 0; i < len; i++) {
		*g += 0x9e3779b97f4a7c15ULL;
		name[i] = name_chars[mix64(*g) % (sizeof(name_chars) - 1)];
	}
}

/*
 * Fills name[KERNELTALK_NAME_MAX]; returns whether the ABI accepts it.
 * Valid names come from a bounded set (POOL_ROOMS short shared ones,
 * FREE_NAMES of any length), so the rooms that keep messages until the
 * module is unloaded stay below max_rooms.
 */
static bool pick_name(char *name)
{
	uint64_t g;
	size_t len;
	int c;

	memset(name, 0, KERNELTALK_NAME_MAX);
	switch (rnd(10)) {
	case 0:		/* the node's default room */
		return true;
	case 1:		/* one of FREE_NAMES names of 1..31 characters */
		g = rnd(FREE_NAMES);
		len = 1 + mix64(g) % (KERNELTALK_NAME_MAX - 1);
		name_chars_fill(name, len, &g);
		return true;
	case 2:		/* 32 characters, no NUL */
		name_chars_fill(name, KERNELTALK_NAME_MAX, &rng);
		return false;
	case 3:		/* a byte outside the alphabet */
		len = 1 + rnd(KERNELTALK_NAME_MAX - 1);
		name_chars_fill(name, len, &rng);
		do
			c = 1 + (int)rnd(255);
		while (strchr(name_chars, c));
		name[rnd(len)] = (char)c;
		return false;
	default:	/* a shared one: workers meet in these */
		snprintf(name, KERNELTALK_NAME_MAX, "fz%u", (unsigned int)rnd(POOL_ROOMS));
		return true;
	}
}

/* ---- ioctl commands ---------------------------------------------------------- */

/*
 * Fills arg (size bytes of valid memory) with a plausible argument of the
 * command; returns whether the ABI must accept it (false: it must refuse
 * it, with EINVAL), or -1 when the filler cannot tell.
 */
typedef int (*fill_fn)(void *arg, size_t size);

static int fill_name(void *arg, size_t size)
{
	(void)size;
	return pick_name(arg);
}

static int fill_flags(void *arg, size_t size)
{
	__u32 v;

	(void)size;
	switch (rnd(3)) {
	case 0: v = (__u32)rnd64(); break;
	case 1: v = 1U << rnd(32); break;
	default: v = (__u32)rnd(KERNELTALK_F_ALL + 1) & KERNELTALK_F_ALL; break;
	}
	memcpy(arg, &v, sizeof(v));
	return !(v & ~KERNELTALK_F_ALL);
}

static int fill_policy(void *arg, size_t size)
{
	__u32 v = chance(80) ? (__u32)rnd(2) : (__u32)rnd64();

	(void)size;
	memcpy(arg, &v, sizeof(v));
	return v <= KERNELTALK_POLICY_OVERWRITE ? -1 : 0;	/* may be EPERM */
}

/*
 * Any argument struct, by shape only: zeros, random bytes, or a room name
 * followed by small numbers and, in every 8-byte slot, now and then a
 * pointer (into the arena or a bad one) - enough for the structs that
 * carry a name, a mode, counts and a user pointer.
 */
static int fill_generic(void *arg, size_t size)
{
	unsigned char *p = arg;
	size_t i;

	switch (rnd(4)) {
	case 0:
		memset(p, 0, size);
		break;
	case 1:
		for (i = 0; i < size; i++)
			p[i] = (unsigned char)rnd64();
		break;
	default:
		memset(p, 0, size);
		if (size >= KERNELTALK_NAME_MAX)
			pick_name((char *)p);
		for (i = size >= KERNELTALK_NAME_MAX ? KERNELTALK_NAME_MAX : 0;
		     i + 8 <= size; i += 8) {
			uint64_t v;

			switch (rnd(6)) {
			case 0: v = (uintptr_t)(arena + rnd(arena_size / 2)); break;
			case 1: v = (uintptr_t)bad_ptr(); break;
			case 2: v = rnd64(); break;
			case 3: v = 0; break;
			default: v = rnd(0x200) | (rnd(0x200) << 32); break;
			}
			memcpy(p + i, &v, 8);
		}
		break;
	}
	return -1;
}

struct fuzz_cmd {
	const char *name;
	unsigned long cmd;
	fill_fn fill;
};

#define CMD(c, f)	{ #c, c, f }

/*
 * Every command of the uapi header.  A new command is one line here:
 * fill_generic fuzzes any argument struct by its size.
 */
static const struct fuzz_cmd cmds[] = {
	CMD(KERNELTALK_IOC_JOIN, fill_name),
	CMD(KERNELTALK_IOC_INFO, fill_generic),
	CMD(KERNELTALK_IOC_SET_FLAGS, fill_flags),
	CMD(KERNELTALK_IOC_GET_FLAGS, fill_generic),
	CMD(KERNELTALK_IOC_SET_POLICY, fill_policy),
#ifdef KERNELTALK_IOC_CREATE
	CMD(KERNELTALK_IOC_CREATE, fill_generic),
#endif
#ifdef KERNELTALK_IOC_SET_ACCESS
	CMD(KERNELTALK_IOC_SET_ACCESS, fill_generic),
#endif
#ifdef KERNELTALK_IOC_GET_ACCESS
	CMD(KERNELTALK_IOC_GET_ACCESS, fill_generic),
#endif
#ifdef KERNELTALK_IOC_MEMBERS
	CMD(KERNELTALK_IOC_MEMBERS, fill_generic),
#endif
#ifdef KERNELTALK_IOC_SET_SETTINGS
	CMD(KERNELTALK_IOC_SET_SETTINGS, fill_generic),
	CMD(KERNELTALK_IOC_GET_SETTINGS, fill_generic),
#endif
#ifdef KERNELTALK_IOC_POST
	CMD(KERNELTALK_IOC_POST, fill_generic),
#endif
};

#define NCMDS	(sizeof(cmds) / sizeof(cmds[0]))

/*
 * Errors any KernelTalk ioctl may answer a hostile caller with
 * (EOPNOTSUPP: SET_ACCESS in a node's default room).
 */
static const int ioctl_errors[] = {
	EFAULT, EINVAL, EPERM, EACCES, ENOSPC, EEXIST, ENOENT, EINTR, EAGAIN,
	ENOMEM, EBUSY, EMSGSIZE, EOVERFLOW, EBADF, EOPNOTSUPP, 0
};
static const int only_eintr[] = { EINTR, 0 };

static bool known_cmd(unsigned long cmd)
{
	for (size_t i = 0; i < NCMDS; i++)
		if (cmds[i].cmd == cmd)
			return true;
	return false;
}

/* INFO's answer must describe a room that can exist. */
static bool check_info(const struct kerneltalk_room_info *in, const char *what)
{
	if (!memchr(in->name, '\0', sizeof(in->name)) || in->policy > 1 ||
	    in->used > in->capacity || in->max_msg != cfg.max_msg ||
	    in->first_seq > in->next_seq || in->next_seq - 1 > in->posted ||
	    in->dropped > in->posted || in->members == 0 || in->reserved)
		return report("%s: impossible room: members %u policy %u capacity %u used %u max_msg %u first %llu next %llu posted %llu dropped %llu",
			      what, in->members, in->policy, in->capacity, in->used,
			      in->max_msg, (unsigned long long)in->first_seq,
			      (unsigned long long)in->next_seq,
			      (unsigned long long)in->posted,
			      (unsigned long long)in->dropped);
	return true;
}

/* Flags can be tracked by a worker while no child shares its files. */
/*
 * SIGALRM every 1..30 ms around a call that may block: repeating, as a
 * first one may come before the call starts (a SIGSTOP in between).
 */
static void arm_alarm(void)
{
	long us = (long)(1 + rnd(30)) * 1000;
	struct itimerval it = { { 0, us }, { 0, us } };

	setitimer(ITIMER_REAL, &it, NULL);
}

static void disarm_alarm(void)
{
	struct itimerval it = { { 0, 0 }, { 0, 0 } };

	setitimer(ITIMER_REAL, &it, NULL);
}

static bool flags_trackable(void)
{
	return me_child < 0 && !children_alive();
}

static void op_ioctl(struct slot *s)
{
	static const int einval_eintr[] = { EINVAL, EINTR, 0 };
	/* EBUSY: F_RECORDS flipped while a message is partly read. */
	static const int flags_errors[] = { EINVAL, EBUSY, EINTR, 0 };
	static const int policy_errors[] = { EINVAL, EPERM, EINTR, 0 };
	const struct fuzz_cmd *c = &cmds[rnd(NCMDS)];
	size_t size = _IOC_SIZE(c->cmd);
	unsigned int dir = _IOC_DIR(c->cmd);
	bool bad = chance(20);
	unsigned char *arg = arena + rnd(arena_size / 2);
	char what[160];
	int accept = -1;
	__u32 v;
	long ret;
	bool ok;
	int err;

	if (bad) {
		/* Unreadable for commands that read, unwritable for the others. */
		arg = (dir & _IOC_WRITE) ? bad_ptr() : bad_out_ptr();
		if (size > 1 && chance(25))	/* straddles the guard page */
			arg = arena_end - 1 - rnd(size - 1);
	} else {
		accept = c->fill(arg, size);
		if (c->cmd == KERNELTALK_IOC_INFO || c->cmd == KERNELTALK_IOC_GET_FLAGS)
			memset(arg, 0xcc, size);	/* junk: unwritten fields show */
	}
	snprintf(what, sizeof(what), "ioctl(%s, %s%p)", c->name,
		 bad ? "bad " : "", (void *)arg);
#ifdef KERNELTALK_IOC_POST
	/* A post may wait for room, as write() does: bounded the same way. */
	if (c->cmd == KERNELTALK_IOC_POST)
		arm_alarm();
#endif
	errno = 0;
	ret = ioctl(s->fd, c->cmd, arg);
	err = errno;
	disarm_alarm();
	memcpy(&v, bad ? (void *)&ret : (void *)arg, sizeof(v));

	if (bad && size) {
		/* No success through a pointer the kernel cannot use. */
		ok = check(ret, err, false, ioctl_errors, what);
	} else if (c->cmd == KERNELTALK_IOC_INFO) {
		/* Copied out: arg is often unaligned on purpose (UBSan). */
		struct kerneltalk_room_info in;

		memcpy(&in, arg, sizeof(in));
		ok = check(ret, err, true, only_eintr, what) &&
		     (ret || check_info(&in, what));
	} else if (c->cmd == KERNELTALK_IOC_GET_FLAGS) {
		ok = check(ret, err, true, only_eintr, what);
		if (ok && !ret && (v & ~KERNELTALK_F_ALL))
			ok = report("%s: flags %#x has unknown bits", what, v);
		else if (ok && !ret && s->flags_known && flags_trackable() && v != s->flags)
			ok = report("%s: flags %#x, but %#x were set", what, v, s->flags);
	} else if (c->cmd == KERNELTALK_IOC_SET_FLAGS) {
		/*
		 * Unknown bits: EINVAL (and the flags stay).  Known bits may
		 * still be a combination the ABI refuses.
		 */
		ok = check(ret, err, accept != 0, flags_errors, what);
		if (ok && !ret)
			set_desc_flags(s, v, flags_trackable());
	} else if (c->cmd == KERNELTALK_IOC_JOIN && accept == 0) {
		ok = check(ret, err, false, einval_eintr, what);
	} else if (c->cmd == KERNELTALK_IOC_SET_POLICY && accept == 0) {
		ok = check(ret, err, false, policy_errors, what);
	} else {
		ok = check(ret, err, true, ioctl_errors, what);
	}
	count_op(OP_IOCTL, ok);
}

/* A random command number of KernelTalk's magic: ENOTTY unless known. */
static void op_ioctl_random(struct slot *s)
{
	static const int enotty[] = { ENOTTY, 0 };
	unsigned long cmd;
	char what[96];
	void *arg;
	long ret;

	do
		cmd = _IOC(rnd(4), KERNELTALK_IOC_MAGIC, rnd(256), rnd(1 << _IOC_SIZEBITS));
	while (known_cmd(cmd));
	arg = chance(50) ? (void *)(arena + rnd(arena_size / 2)) : bad_ptr();
	snprintf(what, sizeof(what), "ioctl(%#lx, %p)", cmd, arg);
	errno = 0;
	ret = ioctl(s->fd, cmd, arg);
	count_op(OP_IOCTL_RANDOM, check(ret, errno, false, enotty, what));
}

/* ---- the other operations ------------------------------------------------------ */

static void on_alarm(int sig)
{
	(void)sig;
}

static const char *acc_name(const struct slot *s)
{
	return s->acc == O_RDONLY ? "rdonly" : s->acc == O_WRONLY ? "wronly" : "rdwr";
}

static void op_open(void)
{
	static const int errors[] = { ENOENT, EACCES, ENOSPC, EINTR, ENOMEM, EPERM, 0 };
	static const int accs[] = { O_RDONLY, O_WRONLY, O_RDWR };
	struct slot *s = free_slot();
	const char *path;
	char what[160];
	int flags, fd;
	bool ok;

	if (!s) {
		s = pick_slot();
		close(s->fd);
		s->fd = -1;
	}
	path = chance(30) ? cfg.dev : cfg.nodes[rnd(NODES)];
	flags = accs[rnd(3)] | (chance(50) ? O_NONBLOCK : 0) | (chance(30) ? O_CLOEXEC : 0);
	snprintf(what, sizeof(what), "open(%s, %#x)", path, flags);
	errno = 0;
	fd = open(path, flags);
	ok = check(fd, errno, true, errors, what);
	if (fd >= 0) {
		s->fd = fd;
		s->acc = flags & O_ACCMODE;
		s->desc = next_desc++;
		s->flags = 0;
		s->flags_known = true;
	}
	count_op(OP_OPEN, ok);
}

static void op_close(struct slot *s)
{
	long ret;

	errno = 0;
	ret = close(s->fd);
	s->fd = -1;
	count_op(OP_CLOSE, check(ret, errno, true, only_eintr, "close"));
}

static void op_dup(struct slot *s)
{
	static const int errors[] = { EMFILE, 0 };
	struct slot *d = free_slot();
	int fd;

	if (!d)
		return;
	errno = 0;
	fd = dup(s->fd);
	count_op(OP_DUP, check(fd, errno, true, errors, "dup"));
	if (fd >= 0) {
		*d = *s;
		d->fd = fd;
	}
}

/* A record read in record mode must be one whole, sane record. */
/*
 * What a record-mode read returned: one record, or with KERNELTALK_F_BATCH
 * whole records at KERNELTALK_RECORD_ALIGN offsets, zeros between them,
 * ending at the last one's payload.
 */
static bool check_records(const unsigned char *buf, long ret, bool batch,
			  const char *what)
{
	size_t off = 0, end;

	for (;;) {
		struct kerneltalk_msg h;
		size_t max = cfg.max_msg;

		if (off > (size_t)ret || (size_t)ret - off < HDR)
			return report("%s: record at %zu of %ld bytes, less than a header",
				      what, off, ret);
		memcpy(&h, buf + off, HDR);
		if (h.flags & KERNELTALK_MSG_RELAYED)
			max += sizeof(struct kerneltalk_origin);
		end = off + HDR + h.len;
		if (h.len == 0 || h.len > max || end > (size_t)ret ||
		    (!batch && end != (size_t)ret) ||
		    h.seq == 0 || !memchr(h.comm, '\0', sizeof(h.comm)) ||
		    (h.flags & ~(KERNELTALK_MSG_OWN | KERNELTALK_MSG_RELAYED)))
			return report("%s = %ld: bad record at %zu: seq %llu len %u flags %#x",
				      what, ret, off, (unsigned long long)h.seq,
				      h.len, h.flags);
		if (end == (size_t)ret)
			return true;
		off = (end + KERNELTALK_RECORD_ALIGN - 1) &
		      ~(size_t)(KERNELTALK_RECORD_ALIGN - 1);
		for (size_t i = end; i < off && i < (size_t)ret; i++)
			if (buf[i])
				return report("%s = %ld: gap byte %zu is not zero",
					      what, ret, i);
	}
}

static void op_read(struct slot *s)
{
	static const int errors[] = {
		EAGAIN, EINTR, EFAULT, EPIPE, EMSGSIZE, EBADF, EACCES, EINVAL, 0
	};
	size_t count = pick_size(), room;
	unsigned char *buf;
	char what[128];
	bool bad = chance(15), ok, canary = false;
	long ret;
	int err;

	if (bad) {
		buf = bad_out_ptr();
		room = 0;
	} else if (count <= arena_size - 64 && chance(80)) {
		/* Inside the arena, a canary after it. */
		buf = arena + rnd(arena_size - 64 - count + 1);
		memset(buf + count, 0xa5, 64);
		room = count;
		canary = true;
	} else {
		/* Runs into the guard page. */
		room = rnd(2 * HDR + cfg.max_msg);
		buf = arena_end - room;
	}
	snprintf(what, sizeof(what), "read(%s, %s%p, %zu)", acc_name(s),
		 bad ? "bad " : "", (void *)buf, count);
	arm_alarm();
	errno = 0;
	ret = read(s->fd, buf, count);
	err = errno;
	disarm_alarm();
	ok = check(ret, err, !bad || count == 0, errors, what);
	if (ok && ret > 0) {
		if ((size_t)ret > count || (size_t)ret > room)
			ok = report("%s: returned %ld, more than the %zu bytes it could copy",
				    what, ret, room < count ? room : count);
		for (int i = 0; ok && canary && i < 64; i++)
			if (buf[count + i] != 0xa5)
				ok = report("%s = %ld: byte %d past the buffer changed",
					    what, ret, i);
		if (ok && s->flags_known && flags_trackable() &&
		    (s->flags & KERNELTALK_F_RECORDS))
			ok = check_records(buf, ret,
					   s->flags & KERNELTALK_F_BATCH, what);
	}
	count_op(OP_READ, ok);
}

static void op_write(struct slot *s)
{
	static const int errors[] = {
		EAGAIN, EINTR, ENOMEM, EBADF, EACCES, EPERM, ENOSPC, 0
	};
	/* Under KERNELTALK_F_RELAY random bytes are no origin envelope. */
	static const int relay_errors[] = {
		EAGAIN, EINTR, ENOMEM, EBADF, EACCES, EPERM, ENOSPC, EINVAL, 0
	};
	static const int bad_errors[] = {
		EFAULT, EMSGSIZE, EINVAL, EINTR, EBADF, EACCES, EPERM, 0
	};
	/* EFAULT/EINVAL: a range beyond user space, a negative ssize_t. */
	static const int long_errors[] = { EMSGSIZE, EBADF, EFAULT, EINVAL, 0 };
	size_t count = pick_size();
	unsigned char *buf;
	char what[128];
	bool bad, ok;
	long ret;
	int err;

	/* The bad ones: unreadable, or running into the guard page. */
	bad = count && chance(15);
	if (bad && chance(50))
		buf = bad_ptr();
	else if (bad)
		buf = arena_end - rnd(count < arena_size ? count : 1);
	else
		buf = arena;
	if (!bad && count <= arena_size)
		for (size_t i = 0; i < count; i += 8) {
			uint64_t v = rnd64();

			memcpy(buf + i, &v, count - i < 8 ? count - i : 8);
		}
	snprintf(what, sizeof(what), "write(%s, %s%p, %zu)", acc_name(s),
		 bad ? "bad " : "", (void *)buf, count);
	arm_alarm();
	errno = 0;
	ret = write(s->fd, buf, count);
	err = errno;
	disarm_alarm();
	if (bad) {
		ok = check(ret, err, false, bad_errors, what);
	} else if (count > cfg.max_msg) {
		ok = check(ret, err, false, long_errors, what);
	} else {
		bool relay = !s->flags_known || (s->flags & KERNELTALK_F_RELAY);

		ok = check(ret, err, true, relay ? relay_errors : errors, what);
		if (ok && ret != -1 && (size_t)ret != count)
			ok = report("%s: returned %ld: a post is all or nothing", what, ret);
	}
	count_op(OP_WRITE, ok);
}

static void op_poll(void)
{
	static const short evs[] = { POLLIN, POLLOUT, POLLPRI, POLLRDNORM, POLLWRNORM };
	struct pollfd p[3];
	int n = 0;
	long ret;
	bool ok;

	for (int i = 0; i < 3; i++) {
		struct slot *s = pick_slot();

		if (!s)
			break;
		p[n].fd = s->fd;
		p[n].events = 0;
		for (size_t e = 0; e < sizeof(evs) / sizeof(evs[0]); e++)
			if (chance(50))
				p[n].events |= evs[e];
		p[n].revents = 0;
		n++;
	}
	errno = 0;
	ret = poll(p, n, (int)rnd(5));
	ok = check(ret, errno, true, only_eintr, "poll");
	for (int i = 0; ok && ret > 0 && i < n; i++)
		if (p[i].revents & ~(p[i].events | POLLERR | POLLHUP))
			ok = report("poll: revents %#x outside events %#x|ERR|HUP",
				    p[i].revents, p[i].events);
	count_op(OP_POLL, ok);
}

static void op_epoll(void)
{
	static const int ctl_errors[] = { EEXIST, ENOENT, 0 };
	static const int efault[] = { EFAULT, EINTR, 0 };
	struct epoll_event ev[4];
	struct slot *s = pick_slot();
	long ret;
	bool ok;

	errno = 0;
	if (epfd < 0 || chance(5)) {
		if (epfd >= 0)
			close(epfd);
		epfd = epoll_create1(EPOLL_CLOEXEC);
		ok = check(epfd, errno, true, only_eintr, "epoll_create1");
	} else if (s && chance(50)) {
		int op = chance(60) ? EPOLL_CTL_ADD : chance(50) ? EPOLL_CTL_MOD : EPOLL_CTL_DEL;
		struct epoll_event e = {
			.events = (uint32_t)rnd64() & (EPOLLIN | EPOLLOUT | EPOLLPRI | EPOLLERR |
						      EPOLLET | EPOLLONESHOT | EPOLLRDNORM),
			.data.u64 = (uint64_t)s->fd,
		};

		ret = epoll_ctl(epfd, op, s->fd, &e);
		ok = check(ret, errno, true, ctl_errors, "epoll_ctl");
	} else if (chance(10)) {
		/* A bad events pointer faults only when something is ready. */
		ret = epoll_wait(epfd, bad_out_ptr(), 4, 0);
		ok = check(ret, errno, true, efault, "epoll_wait(bad)");
		if (ok && ret > 0)
			ok = report("epoll_wait(bad): %ld events through a bad pointer", ret);
	} else {
		ret = epoll_wait(epfd, ev, 4, (int)rnd(5));
		ok = check(ret, errno, true, only_eintr, "epoll_wait");
	}
	count_op(OP_EPOLL, ok);
}

static void op_lseek(struct slot *s)
{
	static const int whences[] = { SEEK_SET, SEEK_END, SEEK_CUR, SEEK_DATA, SEEK_HOLE, 77 };
	static const int errors[] = { EINTR, EACCES, EBADF, 0 };
	static const int einval_eintr[] = { EINVAL, EINTR, 0 };
	int whence = whences[rnd(6)];
	off_t off = chance(60) ? 0 : chance(50) ? -1 : (off_t)rnd64();
	char what[64];
	off_t ret;
	bool ok;

	snprintf(what, sizeof(what), "lseek(%lld, %d)", (long long)off, whence);
	errno = 0;
	ret = lseek(s->fd, off, whence);
	if (off == 0 && (whence == SEEK_SET || whence == SEEK_END)) {
		ok = check(ret, errno, true, errors, what);
		if (ok && ret > 0)
			ok = report("%s: returned %lld", what, (long long)ret);
	} else {
		ok = check(ret, errno, false, einval_eintr, what);
	}
	count_op(OP_LSEEK, ok);
}

/* mmap (no such operation), fcntl O_NONBLOCK flips, fsync, fstat. */
static void op_misc(struct slot *s)
{
	static const int mmap_errors[] = { ENODEV, EACCES, 0 };
	static const int fsync_errors[] = { EINVAL, EROFS, 0 };
	static const int none[] = { 0 };
	struct stat st;
	long ret;
	bool ok;
	void *p;

	errno = 0;
	switch (rnd(4)) {
	case 0:
		p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, s->fd, 0);
		ok = check(p == MAP_FAILED ? -1 : 0, errno, false, mmap_errors, "mmap");
		if (p != MAP_FAILED)
			munmap(p, PAGE);
		break;
	case 1:
		ret = fcntl(s->fd, F_GETFL);
		if (ret != -1)
			ret = fcntl(s->fd, F_SETFL, ret ^ O_NONBLOCK);
		ok = check(ret, errno, true, none, "fcntl(F_SETFL)");
		break;
	case 2:
		/* Not a file with data: fsync has nothing to say. */
		ret = fsync(s->fd);
		ok = check(ret, errno, true, fsync_errors, "fsync");
		break;
	default:
		ret = fstat(s->fd, &st);
		ok = check(ret, errno, true, none, "fstat");
		if (ok && !S_ISCHR(st.st_mode))
			ok = report("fstat: mode %#o is not a character device", st.st_mode);
		break;
	}
	count_op(OP_MISC, ok);
}

/* Re-create or chmod a private node: its old room goes with its members. */
static void op_node(void)
{
	static const mode_t modes[] = { 0666, 0600, 0660, 0644 };
	static const int errors[] = { ENOENT, EEXIST, EPERM, EACCES, 0 };
	const char *path = cfg.nodes[rnd(NODES)];
	mode_t mode = modes[rnd(4)];
	long ret;

	errno = 0;
	if (chance(50)) {
		ret = chmod(path, mode);
	} else {
		/*
		 * Unlinked while held: the old room goes at its last close.  A
		 * node deleted with no member open keeps its room (and its slot
		 * of max_rooms) until the module is unloaded, so one this
		 * process cannot open (its mode, a child's new credentials)
		 * is only chmod'ed.
		 */
		int fd = open(path, O_WRONLY | O_NONBLOCK);

		if (fd < 0) {
			ret = chmod(path, mode);
		} else {
			unlink(path);
			ret = mknod(path, S_IFCHR | mode, cfg.rdev);
			if (ret == 0)
				ret = chmod(path, mode);
			close(fd);
		}
	}
	count_op(OP_NODE, check(ret, errno, true, errors, "node"));
}

/* New credentials, in a child only: unprivileged from then on. */
static void op_creds(void)
{
	static const uid_t ids[] = { 65534, 1000, 12345 };
	uid_t uid = ids[rnd(3)];
	gid_t gid = ids[rnd(3)];
	long ret;

	errno = 0;
	ret = setgroups(0, NULL);
	if (ret == 0)
		ret = setresgid(gid, gid, gid);
	if (ret == 0)
		ret = setresuid(uid, uid, uid);
	count_op(OP_CREDS, check(ret, errno, true, only_eintr, "setresuid"));
}

static void do_ops(unsigned long n, bool child);

static void reap_children(bool wait_all)
{
	for (int i = 0; i < MAX_CHILDREN; i++) {
		int st;
		pid_t r;

		if (!children[i])
			continue;
		r = waitpid(children[i], &st, wait_all ? 0 : WNOHANG);
		if (r == 0)
			continue;
		if (r == children[i] && WIFSIGNALED(st) && WTERMSIG(st) != SIGKILL)
			fail("child %d died of signal %d", children[i], WTERMSIG(st));
		children[i] = 0;
	}
}

static void op_fork(void)
{
	static const int fork_errors[] = { EAGAIN, ENOMEM, 0 };
	int i;
	pid_t pid;

	for (i = 0; i < MAX_CHILDREN && children[i]; i++)
		;
	if (i == MAX_CHILDREN)
		return;
	/* A child may change the flags of every file it shares. */
	for (int k = 0; k < SLOTS; k++)
		slots[k].flags_known = false;
	fflush(stdout);
	fflush(stderr);
	errno = 0;
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		rng = mix64(rng ^ (uint64_t)i);
		me_child = i;
		for (int k = 0; k < MAX_CHILDREN; k++)
			children[k] = 0;
		if (chance(50))
			op_creds();
		do_ops(1 + rnd(CHILD_OPS), true);
		_exit(0);
	}
	count_op(OP_FORK, check(pid, errno, true, fork_errors, "fork"));
	if (pid > 0)
		children[i] = pid;
}

static void do_ops(unsigned long n, bool child)
{
	unsigned int total = 0;

	for (int i = 0; i < OP_COUNT; i++)
		total += op_weight[i];
	for (unsigned long k = 0; (!n || k < n) && !sh->stop; k++) {
		unsigned int w = rnd(total);
		struct slot *s;
		int op;

		me_op++;
		for (op = 0; w >= op_weight[op]; op++)
			w -= op_weight[op];
		if (!child)
			reap_children(false);
		s = pick_slot();
		if (!s && op != OP_NODE && op != OP_FORK)
			op = OP_OPEN;
		switch (op) {
		case OP_OPEN: op_open(); break;
		case OP_CLOSE: op_close(s); break;
		case OP_DUP: op_dup(s); break;
		case OP_READ: op_read(s); break;
		case OP_WRITE: op_write(s); break;
		case OP_POLL: op_poll(); break;
		case OP_EPOLL: op_epoll(); break;
		case OP_LSEEK: op_lseek(s); break;
		case OP_IOCTL: op_ioctl(s); break;
		case OP_IOCTL_RANDOM: op_ioctl_random(s); break;
		case OP_MISC: op_misc(s); break;
		case OP_NODE: op_node(); break;
		default:
			if (!child)
				op_fork();
			break;
		}
	}
}

static void worker(int idx, int gen)
{
	struct sigaction sa;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	me_worker = idx;
	me_gen = gen;
	rng = mix64(cfg.seed ^ mix64(((uint64_t)idx << 32) | (uint64_t)gen));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART: blocking calls see EINTR */
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	slots_init();
	memory_setup();
	do_ops(cfg.ops, false);
	reap_children(true);
	_exit(0);
}

/* ---- supervisor ------------------------------------------------------------------ */

static pid_t workers[MAX_WORKERS];
static int gens[MAX_WORKERS];
static bool stopped[MAX_WORKERS];
static unsigned long last_progress[MAX_WORKERS];
static double last_change[MAX_WORKERS];

static void spawn(int i)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		perror("kt-fuzz: fork");
		exit(3);
	}
	if (pid == 0)
		worker(i, gens[i]);
	workers[i] = pid;
	stopped[i] = false;
	last_change[i] = mono();
}

/* Reaps a worker that ended; true if slot i is free again. */
static bool reaped(int i, int options)
{
	int st;
	pid_t r = waitpid(workers[i], &st, options);

	if (r != workers[i])
		return false;
	if (WIFSIGNALED(st) && WTERMSIG(st) != SIGKILL)
		fail("worker %d gen %d died of signal %d (%s)", i, gens[i],
		     WTERMSIG(st), strsignal(WTERMSIG(st)));
	else if (WIFEXITED(st) && WEXITSTATUS(st))
		fail("worker %d gen %d exited with status %d", i, gens[i], WEXITSTATUS(st));
	workers[i] = 0;
	return true;
}

static void show_stuck(int i)
{
	char path[64], buf[512];
	FILE *f;

	fail("worker %d gen %d (pid %d) is stuck; its kernel stack:", i, gens[i], workers[i]);
	snprintf(path, sizeof(path), "/proc/%d/stack", workers[i]);
	f = fopen(path, "r");
	while (f && fgets(buf, sizeof(buf), f))
		fprintf(stderr, "#   %s", buf);
	if (f)
		fclose(f);
}

/* Kernel log lines that end the run: the patterns of kt-vm --check-dmesg. */
static const char *const splat[] = {
	"BUG:", "WARNING:", "Oops", "possible circular", "inconsistent lock state",
	"suspicious RCU", "KASAN", "list_del corruption", "general protection fault",
	"Call Trace", "blocked for more than",
};

static int kmsg = -1;

static bool kernel_splat(void)
{
	char rec[2048];
	ssize_t n;

	if (kmsg < 0)
		return false;
	while ((n = read(kmsg, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		if (n <= 0)
			continue;
		rec[n] = '\0';
		for (size_t i = 0; i < sizeof(splat) / sizeof(splat[0]); i++)
			if (strstr(rec, splat[i])) {
				char *text = strchr(rec, ';');

				sh->splats++;
				fail("kernel: %s", text ? text + 1 : rec);
				return true;
			}
	}
	return false;
}

static void supervise(void)
{
	double start = mono(), end = start + cfg.seconds, now;
	bool splatted = false;

	for (int i = 0; i < cfg.workers; i++)
		spawn(i);
	while ((now = mono()) < end && !splatted) {
		int i = rnd(cfg.workers);
		bool all_done = true;

		usleep(20000 + rnd(200000));
		splatted = kernel_splat();
		for (int k = 0; k < cfg.workers; k++) {
			if (workers[k] && reaped(k, WNOHANG) && cfg.ops)
				continue;	/* its -n operations are done */
			if (!workers[k] && !cfg.ops) {
				gens[k]++;
				spawn(k);
			}
			if (workers[k])
				all_done = false;
			if (workers[k] && sh->progress[k] != last_progress[k]) {
				last_progress[k] = sh->progress[k];
				last_change[k] = now;
			} else if (workers[k] && !stopped[k] &&
				   now - last_change[k] > STUCK_SECONDS) {
				show_stuck(k);
				kill(workers[k], SIGKILL);
				last_change[k] = now;
			}
		}
		if (all_done)
			break;
		if (!cfg.signals || !workers[i])
			continue;
		if (stopped[i]) {
			kill(workers[i], SIGCONT);
			stopped[i] = false;
			last_change[i] = now;
		} else if (chance(4)) {
			kill(workers[i], SIGKILL);
			sh->kills++;
		} else if (chance(15)) {
			kill(workers[i], SIGSTOP);
			stopped[i] = true;
			sh->stops++;
		}
	}
	sh->stop = 1;
	for (int i = 0; i < cfg.workers; i++)
		if (workers[i] && stopped[i])
			kill(workers[i], SIGCONT);
	/* Workers finish their current call (alarms end blocking ones). */
	for (int tries = 0; tries < 300; tries++) {
		bool left = false;

		for (int i = 0; i < cfg.workers; i++)
			if (workers[i] && !reaped(i, WNOHANG))
				left = true;
		if (!left)
			break;
		usleep(100000);
	}
	for (int i = 0; i < cfg.workers; i++)
		if (workers[i]) {
			show_stuck(i);
			kill(workers[i], SIGKILL);
			reaped(i, 0);
		}
	kernel_splat();
	note("ran %.0f s%s", mono() - start, splatted ? " (stopped at a kernel splat)" : "");
}

/* ---- setup and the final check --------------------------------------------------- */

static int check_fd = -1;	/* holds the check room from start to end */
static char check_room[KERNELTALK_NAME_MAX];

static bool final(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool final(bool ok, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!ok)
		report("final check: %s: %s", msg, strerror(errno));
	count_op(OP_FINAL, ok);
	return ok;
}

/* Rooms listed in /proc/kerneltalk (lines after the header), -1 if unreadable. */
static int proc_rooms(void)
{
	FILE *f = fopen("/proc/kerneltalk", "r");
	int c, lines = 0;

	if (!f)
		return -1;
	while ((c = getc(f)) != EOF)
		lines += c == '\n';
	fclose(f);
	return lines - 1;
}

static int max_rooms(void)
{
	FILE *f = fopen("/sys/module/kerneltalk/parameters/max_rooms", "r");
	int v = -1;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* The device still works: open, JOIN, post, read back, INFO. */
static void final_checks(void)
{
	char text[64], buf[HDR + 64];
	struct kerneltalk_room_info info;
	struct kerneltalk_msg h;
	__u32 rec = KERNELTALK_F_RECORDS;
	int fd, n;
	ssize_t r;

	fd = open(cfg.dev, O_RDWR | O_NONBLOCK);
	if (!final(fd >= 0, "open %s", cfg.dev))
		return;
	n = snprintf(text, sizeof(text), "kt-fuzz final %#llx", (unsigned long long)cfg.seed);
	if (final(ioctl(fd, KERNELTALK_IOC_JOIN, check_room) == 0, "JOIN %s", check_room) &&
	    final(ioctl(fd, KERNELTALK_IOC_SET_FLAGS, &rec) == 0, "SET_FLAGS RECORDS") &&
	    final(write(fd, text, n) == n, "post") &&
	    final(lseek(fd, 0, SEEK_SET) == 0, "lseek to the history")) {
		/* The room's first message (the one posted at the start), then ours. */
		r = read(fd, buf, sizeof(buf));
		final(r == (ssize_t)HDR + 5 && !memcmp(buf + HDR, "start", 5),
		      "read the start's record: %zd bytes", r);
		r = read(fd, buf, sizeof(buf));
		memcpy(&h, buf, HDR);
		errno = 0;
		final(r == (ssize_t)HDR + n && h.len == (__u32)n &&
		      !memcmp(buf + HDR, text, n) && (h.flags & KERNELTALK_MSG_OWN) &&
		      h.uid == getuid() && h.pid == (__u32)getpid(),
		      "read back: %zd bytes, len %u, flags %#x", r, h.len, h.flags);
		errno = 0;
		final(ioctl(fd, KERNELTALK_IOC_INFO, &info) == 0 && info.members == 2 &&
		      info.posted == 2 && info.next_seq == 3 && !strcmp(info.name, check_room),
		      "INFO: members %u posted %llu", info.members,
		      (unsigned long long)info.posted);
	}
	close(fd);
	for (int i = 0; i < NODES; i++) {
		unlink(cfg.nodes[i]);
		if (mknod(cfg.nodes[i], S_IFCHR | 0600, cfg.rdev))
			continue;
		fd = open(cfg.nodes[i], O_RDWR | O_NONBLOCK);
		/* ENOSPC only when max_rooms rooms really exist. */
		if (fd < 0 && errno == ENOSPC) {
			int rooms = proc_rooms();

			final(rooms >= 0 && rooms == max_rooms(),
			      "open %s: ENOSPC with %d rooms listed, max_rooms %d",
			      cfg.nodes[i], rooms, max_rooms());
		} else if (final(fd >= 0, "open %s", cfg.nodes[i])) {
			final(write(fd, "x", 1) == 1, "post to %s", cfg.nodes[i]);
			final(ioctl(fd, KERNELTALK_IOC_INFO, &info) == 0 && info.members == 1 &&
			      info.name[0] == '\0', "INFO of %s", cfg.nodes[i]);
			/* Unlinked while held, so its room goes at the close. */
			unlink(cfg.nodes[i]);
			close(fd);
		}
		unlink(cfg.nodes[i]);
	}
	fd = open("/proc/kerneltalk", O_RDONLY);
	final(fd >= 0 && read(fd, buf, sizeof(buf)) > 0, "read /proc/kerneltalk");
	if (fd >= 0)
		close(fd);
}

/* Private nodes in /tmp, or /dev when /tmp is mounted nodev. */
static bool make_nodes(void)
{
	static const char *const dirs[] = { "/tmp", "/dev" };
	struct stat st;

	if (stat(cfg.dev, &st) || !S_ISCHR(st.st_mode)) {
		fprintf(stderr, "kt-fuzz: %s: not a character device\n", cfg.dev);
		return false;
	}
	cfg.rdev = st.st_rdev;
	for (size_t d = 0; d < 2; d++) {
		int fd;

		snprintf(cfg.dir, sizeof(cfg.dir), "%s/kt-fuzz.%d", dirs[d], getpid());
		if (mkdir(cfg.dir, 0755))
			continue;
		for (int i = 0; i < NODES; i++) {
			snprintf(cfg.nodes[i], sizeof(cfg.nodes[i]), "%s/n%d", cfg.dir, i);
			mknod(cfg.nodes[i], S_IFCHR | 0666, cfg.rdev);
			chmod(cfg.nodes[i], i % 3 ? 0666 : 0600);
		}
		fd = open(cfg.nodes[1], O_WRONLY | O_NONBLOCK);
		if (fd >= 0) {
			close(fd);
			return true;
		}
		for (int i = 0; i < NODES; i++)
			unlink(cfg.nodes[i]);
		rmdir(cfg.dir);
	}
	fprintf(stderr, "kt-fuzz: cannot make device nodes in /tmp or /dev\n");
	return false;
}

static void remove_nodes(void)
{
	for (int i = 0; i < NODES; i++)
		unlink(cfg.nodes[i]);
	rmdir(cfg.dir);
}

/*
 * --feed: company for trinity (tests/fuzz/run.sh), whose calls on the
 * device block: for -d seconds the device's default room is OVERWRITE
 * (posts never wait) and gets a message every 20 ms (reads and waits
 * return); then its policy is put back.
 */
static int feed(void)
{
	const struct timespec gap = { 0, 20 * 1000 * 1000 };
	struct kerneltalk_room_info info;
	__u32 pol = KERNELTALK_POLICY_OVERWRITE;
	double end = mono() + cfg.seconds;
	int fd = open(cfg.dev, O_WRONLY);

	if (fd < 0 || ioctl(fd, KERNELTALK_IOC_INFO, &info) ||
	    ioctl(fd, KERNELTALK_IOC_SET_POLICY, &pol)) {
		fprintf(stderr, "kt-fuzz --feed: %s: %s\n", cfg.dev, strerror(errno));
		return 1;
	}
	while (mono() < end) {
		if (write(fd, "feed", 4) != 4 && errno != EINTR) {
			fprintf(stderr, "kt-fuzz --feed: post: %s\n", strerror(errno));
			return 1;
		}
		nanosleep(&gap, NULL);
	}
	pol = info.policy;
	if (ioctl(fd, KERNELTALK_IOC_SET_POLICY, &pol)) {
		fprintf(stderr, "kt-fuzz --feed: policy back: %s\n", strerror(errno));
		return 1;
	}
	close(fd);
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: kt-fuzz [options]\n"
		"Fuzz the KernelTalk device (must be loaded; run as root).\n"
		"  -d, --duration SECONDS  how long (default 300)\n"
		"  -j, --workers N         worker processes (default 4, max %d)\n"
		"  -s, --seed SEED         replay a run (default: from the clock; printed)\n"
		"  -n, --ops N             operations per worker, then stop (default: until -d)\n"
		"  -N, --no-signals        no SIGSTOP/SIGCONT/SIGKILL of workers\n"
		"  -D, --device PATH       device node (default /dev/kerneltalk)\n"
		"  -F, --feed              no fuzzing: keep the device's default room fed\n"
		"                          for -d seconds, OVERWRITE meanwhile (for trinity)\n"
		"  -h, --help              this help\n",
		MAX_WORKERS);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "duration", required_argument, NULL, 'd' },
		{ "workers", required_argument, NULL, 'j' },
		{ "seed", required_argument, NULL, 's' },
		{ "ops", required_argument, NULL, 'n' },
		{ "no-signals", no_argument, NULL, 'N' },
		{ "device", required_argument, NULL, 'D' },
		{ "feed", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct kerneltalk_room_info info;
	bool seeded = false, feeding = false;
	int opt;

	while ((opt = getopt_long(argc, argv, "d:j:s:n:ND:Fh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			cfg.seconds = atof(optarg);
			if (cfg.seconds < 1 || cfg.seconds > 86400) {
				fprintf(stderr, "kt-fuzz: -d wants 1..86400 seconds\n");
				return 2;
			}
			break;
		case 'j':
			cfg.workers = atoi(optarg);
			if (cfg.workers < 1 || cfg.workers > MAX_WORKERS) {
				fprintf(stderr, "kt-fuzz: -j wants 1..%d\n", MAX_WORKERS);
				return 2;
			}
			break;
		case 's':
			cfg.seed = strtoull(optarg, NULL, 0);
			seeded = true;
			break;
		case 'n':
			cfg.ops = strtoul(optarg, NULL, 0);
			break;
		case 'N':
			cfg.signals = false;
			break;
		case 'D':
			cfg.dev = optarg;
			break;
		case 'F':
			feeding = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (feeding)
		return feed();
	if (!seeded) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		cfg.seed = mix64((uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ getpid());
	}
	rng = cfg.seed;
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("kt-fuzz: mmap");
		return 3;
	}
	note("kt-fuzz: seed %#llx, %d workers, %.0f s%s (replay: kt-fuzz --seed %#llx)",
	     (unsigned long long)cfg.seed, cfg.workers, cfg.seconds,
	     cfg.signals ? "" : ", no signals", (unsigned long long)cfg.seed);

	/* The check room: created now, held to the end, out of the fuzzers' way. */
	snprintf(check_room, sizeof(check_room), "kt-fuzz-check-%d", getpid());
	check_fd = open(cfg.dev, O_RDWR | O_NONBLOCK);
	if (check_fd < 0 || ioctl(check_fd, KERNELTALK_IOC_JOIN, check_room) ||
	    write(check_fd, "start", 5) != 5 ||
	    ioctl(check_fd, KERNELTALK_IOC_INFO, &info) || !make_nodes()) {
		fail("setup: %s: %s", cfg.dev, strerror(errno));
		printf("fuzz: %lu passed, %lu failed\n", sh->passed, sh->failed);
		return 1;
	}
	cfg.max_msg = info.max_msg;
	note("%s: capacity %u, max_msg %u; %zu ioctl commands; nodes in %s; %ld CPUs",
	     cfg.dev, info.capacity, info.max_msg, NCMDS, cfg.dir,
	     sysconf(_SC_NPROCESSORS_ONLN));
	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (kmsg >= 0)
		lseek(kmsg, 0, SEEK_END);

	supervise();
	final_checks();
	close(check_fd);
	remove_nodes();

	{
		char line[1024];
		int n = 0;

		for (int i = 0; i < OP_COUNT; i++)
			n += snprintf(line + n, sizeof(line) - n, "%s%s %lu",
				      i ? ", " : "", op_names[i], sh->ops[i]);
		note("operations: %s", line);
	}
	note("signals: %lu SIGSTOP/SIGCONT, %lu SIGKILL", sh->stops, sh->kills);
	if (sh->failed)
		fprintf(stderr, "# fuzz FAILED with seed %#llx (replay: kt-fuzz --seed %#llx -j %d -d %.0f)\n",
			(unsigned long long)cfg.seed, (unsigned long long)cfg.seed,
			cfg.workers, cfg.seconds);
	printf("fuzz: %lu passed, %lu failed\n", sh->passed, sh->failed);
	return sh->failed ? 1 : 0;
}
