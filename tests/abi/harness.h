/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny test harness for the KernelTalk ABI suite.
 *
 * Cases register themselves with KT_TEST()/KT_TEST_F() and run one at a
 * time, each in its own forked process (its own process group) with its
 * own deadline: a case that hangs or crashes fails alone and the run goes
 * on.  Failures are recorded in a shared page, so EXPECT_* in a thread or
 * in a process the case forked counts too.
 *
 * Output follows the project's tier convention:
 *   ok N - name
 *   not ok N - name # reason
 *   abi: N passed, N failed
 */
#ifndef KT_HARNESS_H
#define KT_HARNESS_H

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include <linux/kerneltalk.h>

#define KT_TIMEOUT_DEFAULT	20	/* seconds; TCG guests are slow */
#define KT_HDR			((long)sizeof(struct kerneltalk_msg))

/*
 * Each test file defines KT_GROUP before including this header; cases run
 * ordered by (group, line), so the order is the order in the source and the
 * module reload cases (highest group) come last.
 */
#ifndef KT_GROUP
#error "define KT_GROUP before including harness.h"
#endif

struct kt_case {
	const char *name;
	void (*fn)(void);
	unsigned int timeout;
	int group;
	int line;
};

void kt_register(struct kt_case *c);

#define KT_TEST_T(tname, secs)						\
	static void kt_body_##tname(void);				\
	static struct kt_case kt_case_##tname = {			\
		#tname, kt_body_##tname, secs, KT_GROUP, __LINE__ };	\
	__attribute__((constructor)) static void kt_reg_##tname(void)	\
	{								\
		kt_register(&kt_case_##tname);				\
	}								\
	static void kt_body_##tname(void)

#define KT_TEST(tname)	KT_TEST_T(tname, KT_TIMEOUT_DEFAULT)

/*
 * Fixtures: KT_FIXTURE(fx) { fields }; KT_SETUP(fx) { ... self->... };
 * KT_TEST_F(fx, name) { ... self->... }.  Setup failures abort the case.
 * Resources a fixture creates outside the process (device nodes) are
 * released through kt_defer(), which also runs when a case aborts.
 */
#define KT_FIXTURE(fx)	struct kt_fx_##fx
#define KT_SETUP(fx)	static void kt_setup_##fx(struct kt_fx_##fx *self)

#define KT_TEST_F_T(fx, tname, secs)					\
	static void kt_fbody_##tname(struct kt_fx_##fx *self);		\
	KT_TEST_T(tname, secs)						\
	{								\
		struct kt_fx_##fx fx_self;				\
		memset(&fx_self, 0, sizeof(fx_self));			\
		kt_setup_##fx(&fx_self);				\
		kt_fbody_##tname(&fx_self);				\
	}								\
	static void kt_fbody_##tname(struct kt_fx_##fx *self)

#define KT_TEST_F(fx, tname)	KT_TEST_F_T(fx, tname, KT_TIMEOUT_DEFAULT)

/* ---- checks ---------------------------------------------------------- */

void kt_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void kt_abort(void) __attribute__((noreturn));
void kt_skip(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
const char *kt_errname(int e);

/* Expected value first, as in the kernel selftests. */
#define KT_CHECK_EQ(fatal, exp, act) do {				\
	long long kt_e_ = (long long)(exp), kt_a_ = (long long)(act);	\
	if (kt_e_ != kt_a_) {						\
		kt_fail(__FILE__, __LINE__,				\
			"%s == %s: expected %lld (%#llx), got %lld (%#llx)",\
			#exp, #act, kt_e_, (unsigned long long)kt_e_,	\
			kt_a_, (unsigned long long)kt_a_);		\
		if (fatal)						\
			kt_abort();					\
	}								\
} while (0)
#define EXPECT_EQ(exp, act)	KT_CHECK_EQ(0, exp, act)
#define ASSERT_EQ(exp, act)	KT_CHECK_EQ(1, exp, act)

#define KT_CHECK_NE(fatal, notexp, act) do {				\
	long long kt_e_ = (long long)(notexp), kt_a_ = (long long)(act);\
	if (kt_e_ == kt_a_) {						\
		kt_fail(__FILE__, __LINE__, "%s != %s: both are %lld",	\
			#notexp, #act, kt_a_);				\
		if (fatal)						\
			kt_abort();					\
	}								\
} while (0)
#define EXPECT_NE(n, act)	KT_CHECK_NE(0, n, act)
#define ASSERT_NE(n, act)	KT_CHECK_NE(1, n, act)

#define KT_CHECK_TRUE(fatal, cond) do {					\
	if (!(cond)) {							\
		kt_fail(__FILE__, __LINE__, "expected: %s", #cond);	\
		if (fatal)						\
			kt_abort();					\
	}								\
} while (0)
#define EXPECT_TRUE(cond)	KT_CHECK_TRUE(0, cond)
#define ASSERT_TRUE(cond)	KT_CHECK_TRUE(1, cond)
#define EXPECT_FALSE(cond)	KT_CHECK_TRUE(0, !(cond))

/* A system call that must fail with exactly errno E (and return -1). */
#define KT_CHECK_ERRNO(fatal, E, expr) do {				\
	long kt_r_;							\
	errno = 0;							\
	kt_r_ = (long)(expr);						\
	if (kt_r_ != -1 || errno != (E)) {				\
		int kt_en_ = errno;					\
		kt_fail(__FILE__, __LINE__,				\
			"%s: expected -1/%s, got %ld/%s", #expr,	\
			kt_errname(E), kt_r_,				\
			kt_r_ == -1 ? kt_errname(kt_en_) : "no error");	\
		if (fatal)						\
			kt_abort();					\
	}								\
} while (0)
#define EXPECT_ERRNO(E, expr)	KT_CHECK_ERRNO(0, E, expr)
#define ASSERT_ERRNO(E, expr)	KT_CHECK_ERRNO(1, E, expr)

/* A system call that must succeed (not return -1). */
#define KT_CHECK_OK(fatal, expr) ({					\
	long kt_r_;							\
	errno = 0;							\
	kt_r_ = (long)(expr);						\
	if (kt_r_ == -1) {						\
		kt_fail(__FILE__, __LINE__, "%s: failed with %s",	\
			#expr, kt_errname(errno));			\
		if (fatal)						\
			kt_abort();					\
	}								\
	kt_r_;								\
})
#define EXPECT_OK(expr)		KT_CHECK_OK(0, expr)
#define ASSERT_OK(expr)		KT_CHECK_OK(1, expr)

#define KT_CHECK_STREQ(fatal, exp, act) do {				\
	const char *kt_e_ = (exp), *kt_a_ = (act);			\
	if (strcmp(kt_e_, kt_a_)) {					\
		kt_fail(__FILE__, __LINE__,				\
			"%s: expected \"%s\", got \"%.200s\"",		\
			#act, kt_e_, kt_a_);				\
		if (fatal)						\
			kt_abort();					\
	}								\
} while (0)
#define EXPECT_STREQ(exp, act)	KT_CHECK_STREQ(0, exp, act)
#define ASSERT_STREQ(exp, act)	KT_CHECK_STREQ(1, exp, act)

#define EXPECT_MEMEQ(exp, act, n) do {					\
	if (memcmp((exp), (act), (n)))					\
		kt_fail(__FILE__, __LINE__, "%s differs from %s (%zu bytes)",\
			#act, #exp, (size_t)(n));			\
} while (0)

/* ---- process, thread and time helpers ---------------------------------- */

long long kt_now_ns(void);		/* CLOCK_REALTIME */
long long kt_mono_ms(void);
void kt_msleep(unsigned int ms);
void kt_defer(void (*fn)(void *), void *arg);

/* fork(); the child runs fn(arg) and exits 0 (EXPECT failures are shared). */
pid_t kt_fork(void (*fn)(void *), void *arg);
/* Wait for a child up to ms; returns its exit status, -1 on a timeout. */
int kt_wait(pid_t pid, unsigned int ms);
/* As kt_wait, and fails the case unless the child exited 0. */
void kt_join_child(pid_t pid, unsigned int ms);

struct kt_thread {
	pthread_t th;
	pid_t tid;
	void *(*fn)(void *);
	void *arg;
	void *ret;
	volatile int started;
	volatile int done;
};
void kt_thread_start(struct kt_thread *t, void *(*fn)(void *), void *arg);
/* true if the thread ended within ms (its return value in t->ret) */
bool kt_thread_join(struct kt_thread *t, unsigned int ms);
/*
 * Wait until the thread sleeps inside system call nr (per /proc; -1: any
 * system call), up to ms; true if it did.  Lets blocking cases signal a thread that is really
 * blocked instead of guessing with sleeps.
 */
bool kt_thread_blocked_in(struct kt_thread *t, long nr, unsigned int ms);
/* The same for a process (a child the case forked); nr -1: any call. */
bool kt_pid_blocked_in(pid_t pid, long nr, unsigned int ms);

/* Switch to uid/gid completely (no supplementary groups, no capabilities). */
void kt_drop_privileges(uid_t uid, gid_t gid);
/* Install handler for sig with or without SA_RESTART. */
void kt_signal(int sig, void (*handler)(int), bool restart);

/* An address that faults on access (a PROT_NONE page). */
void *kt_bad_ptr(void);

/* ---- device helpers (device.c) ------------------------------------------ */

extern const char *kt_dev_path;		/* /dev/kerneltalk or $KT_DEVICE */

struct kt_node {
	char path[128];
};

/*
 * A private device node (mknod with /dev/kerneltalk's major:minor), so a
 * case gets a room of its own; removed (and its room released) when the
 * case ends.
 */
void kt_node_new(struct kt_node *n);
void kt_node_remove(const char *path);

int kt_open(const char *path, int flags);	/* asserts success */
/*
 * Open with effective uid/gid switched for the call (root only), so the
 * file's opener credentials are uid's, without capabilities.
 */
int kt_open_as(const char *path, int flags, uid_t uid, gid_t gid);
void kt_post(int fd, const char *text);		/* asserts a full write */
void kt_post_len(int fd, char fill, size_t len);
/* Read one message in stream mode into buf, asserts success, NUL-ends. */
ssize_t kt_read_str(int fd, char *buf, size_t size);
/*
 * Read one record (sets F_RECORDS itself if needed is up to the caller).
 * hdr gets the header, payload (if not NULL, cap bytes) the payload.
 * Returns read()'s result (-1 with errno on failure, nothing asserted).
 */
ssize_t kt_read_rec(int fd, struct kerneltalk_msg *hdr, void *payload,
		    size_t cap);
void kt_info(int fd, struct kerneltalk_room_info *info);
void kt_set_flags(int fd, __u32 flags);
__u32 kt_get_flags(int fd);
void kt_set_policy(int fd, __u32 policy);
void kt_join(int fd, const char *name);
/* KERNELTALK_IOC_CREATE with flags and reserved fields zero. */
void kt_create(int fd, const char *name, __u32 mode);
void kt_get_access(int fd, struct kerneltalk_room_access *access);
void kt_set_access(int fd, uid_t uid, gid_t gid, __u32 mode);
/* KERNELTALK_IOC_GET_SETTINGS' stall_ms (reserved fields checked zero) */
__u32 kt_room_stall(int fd);
/* KERNELTALK_IOC_SET_SETTINGS with stall_ms, reserved fields zero */
void kt_set_room_stall(int fd, __u32 stall_ms);
void kt_set_nonblock(int fd, bool on);
/* true if fd has nothing to read (non-blocking read gives EAGAIN) */
bool kt_nothing_to_read(int fd);
short kt_poll(int fd, short events, int timeout_ms);
/* A room name unique to this case: "abi-<pid>-<tag>". */
void kt_room_name(char *buf, const char *tag);

/* Module parameters from /sys/module/kerneltalk/parameters, -1 if absent. */
long kt_param(const char *name);
/* Write a run-time parameter (0644 ones: stall_ms); asserts success. */
void kt_param_set(const char *name, long value);
/* Limits of the loaded module (from INFO of a fresh room). */
__u32 kt_capacity(void);
__u32 kt_max_msg(void);
/*
 * Memory a room is charged (INFO used, bounded by capacity), measured:
 * the slot array, allocated with the first post, and what one message of
 * len bytes costs (its kernel record and payload as the allocator
 * rounds them).
 */
__u32 kt_ring_base(void);
__u32 kt_cost(size_t len);
/* Messages of len bytes that fit in an empty room. */
unsigned int kt_fit(size_t len);

/* /proc/kerneltalk */
int kt_proc_rooms(void);	/* lines after the header, -1 if unreadable */
/* Find the line of a room: by node path (default room) or by name. */
bool kt_proc_line_node(const char *node, char *line, size_t size);
bool kt_proc_line_name(const char *name, char *line, size_t size);
/* The same for a node given by its filesystem device and inode number. */
bool kt_proc_line_ino(dev_t dev, ino_t ino, char *line, size_t size);

/* ---- the common fixture ------------------------------------------------- */

/* A room of the case's own (a private node) with two read-write members. */
KT_FIXTURE(pair) {
	struct kt_node node;
	int a, b;
};

static inline void kt_setup_pair(struct kt_fx_pair *self)
{
	kt_node_new(&self->node);
	self->a = kt_open(self->node.path, O_RDWR);
	self->b = kt_open(self->node.path, O_RDWR);
}

#endif /* KT_HARNESS_H */
