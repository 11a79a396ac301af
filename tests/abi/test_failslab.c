// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation failures: each call of the open/JOIN/CREATE/post/read/
 * MEMBERS/SET_ACCESS sequences runs with its n-th slab allocation failing
 * (/proc/thread-self/fail-nth, failslab), n = 1, 2, ... until a run in
 * which the call made fewer than n allocations.  A failed allocation
 * surfaces as -ENOMEM, or the call succeeds when that allocation had a
 * fallback; either way the caller's file, its room and the other members
 * work after.  Leaks are kmemleak's to find (tests/vm/kmemleak.sh around
 * this suite on the debug kernel), splats the VM's dmesg check's.
 *
 * Needs CONFIG_FAULT_INJECTION, CONFIG_FAILSLAB and
 * CONFIG_FAULT_INJECTION_DEBUG_FS (the debug kernel): skipped elsewhere.
 * Only this thread's calls fail: failslab's probability stays 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <unistd.h>

#define KT_GROUP 60
#include "harness.h"

#define FAILSLAB	"/sys/kernel/debug/failslab"
#define FAIL_NTH	"/proc/thread-self/fail-nth"
/* More allocations than any call here makes: a loop that never ends fails. */
#define FS_MAX_NTH	200
#define FS_TIMEOUT	300	/* seconds: hundreds of calls under KASAN/TCG */

struct fs_ctx {
	struct kt_fx_pair *p;
	int c;				/* a third member, when the call needs one */
	char name[KERNELTALK_NAME_MAX];	/* this attempt's room */
	unsigned int n;			/* the allocation that fails */
	bool ok;			/* the call succeeded */
};

struct fs_op {
	const char *what;
	void (*before)(struct fs_ctx *x);	/* optional, not injected */
	long (*call)(struct fs_ctx *x);	/* -1 with errno on failure */
	void (*after)(struct fs_ctx *x);	/* checks, back to the start */
};

static int fs_nth = -1;

struct fs_knob {
	const char *file;
	char saved[16];
};

static struct fs_knob fs_knobs[] = {
	/* GFP_KERNEL allocations may fail too (failslab skips them by default). */
	{ FAILSLAB "/ignore-gfp-wait", "" },
	/* No "FAULT_INJECTION: forcing a failure" and stack dump per failure. */
	{ FAILSLAB "/verbose", "" },
};

static const char *const fs_values[] = { "N", "0" };

static void fs_restore(void *arg)
{
	size_t i;
	int fd;

	(void)arg;
	for (i = 0; i < sizeof(fs_knobs) / sizeof(fs_knobs[0]); i++) {
		if (!fs_knobs[i].saved[0])
			continue;
		fd = open(fs_knobs[i].file, O_WRONLY);
		if (fd >= 0) {
			if (write(fd, fs_knobs[i].saved,
				  strlen(fs_knobs[i].saved)) < 0)
				dprintf(STDERR_FILENO, "#   restore %s: %s\n",
					fs_knobs[i].file, kt_errname(errno));
			close(fd);
		}
	}
	if (fs_nth >= 0)
		close(fs_nth);
	fs_nth = -1;
}

static void fs_knob_set(struct fs_knob *k, const char *value)
{
	ssize_t r;
	int fd;

	/* debugfs attributes do not seek: one open to read, one to write. */
	fd = open(k->file, O_RDONLY);
	ASSERT_OK(fd);
	r = read(fd, k->saved, sizeof(k->saved) - 1);
	ASSERT_TRUE(r > 0);
	k->saved[r] = '\0';
	close(fd);
	fd = open(k->file, O_WRONLY);
	ASSERT_OK(fd);
	ASSERT_EQ((ssize_t)strlen(value), write(fd, value, strlen(value)));
	close(fd);
}

/* Failslab set for this case's thread, restored when the case ends. */
static void fs_setup(void)
{
	size_t i;

	if (access(FAIL_NTH, W_OK))
		kt_skip("no %s (CONFIG_FAULT_INJECTION)", FAIL_NTH);
	if (access(FAILSLAB, F_OK))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	if (access(FAILSLAB "/ignore-gfp-wait", W_OK))
		kt_skip("no %s (CONFIG_FAILSLAB, CONFIG_FAULT_INJECTION_DEBUG_FS)",
			FAILSLAB);
	kt_defer(fs_restore, NULL);
	for (i = 0; i < sizeof(fs_knobs) / sizeof(fs_knobs[0]); i++)
		fs_knob_set(&fs_knobs[i], fs_values[i]);
	fs_nth = open(FAIL_NTH, O_RDWR);
	ASSERT_OK(fs_nth);
}

static void fs_arm(unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	ASSERT_EQ(len, write(fs_nth, buf, (size_t)len));
}

/* Disarms; true when the armed failure was injected (the count reached 0). */
static bool fs_disarm(void)
{
	char buf[16] = "";
	ssize_t r = pread(fs_nth, buf, sizeof(buf) - 1, 0);

	ASSERT_TRUE(r > 0);
	ASSERT_EQ(1, write(fs_nth, "0", 1));
	return strtoul(buf, NULL, 10) == 0;
}

/* poster posts "ping"; poster and reader (both reading members) get it. */
static void fs_room_works(int poster, int reader)
{
	char buf[64];

	kt_post(poster, "ping");
	kt_read_str(poster, buf, sizeof(buf));
	EXPECT_STREQ("ping", buf);
	kt_read_str(reader, buf, sizeof(buf));
	EXPECT_STREQ("ping", buf);
}

static void fs_run(struct kt_fx_pair *p, const struct fs_op *op)
{
	struct fs_ctx x = { .p = p, .c = -1 };
	unsigned int failed = 0, fallback = 0;
	bool injected = true;
	long r;
	int e;

	fs_setup();
	for (x.n = 1; injected; x.n++) {
		if (x.n > FS_MAX_NTH) {
			kt_fail(__FILE__, __LINE__, "%s: still injecting at allocation %u",
				op->what, x.n);
			kt_abort();
		}
		snprintf(x.name, sizeof(x.name), "fs-%d-%u", getpid(), x.n);
		if (op->before)
			op->before(&x);
		fs_arm(x.n);
		r = op->call(&x);
		e = errno;
		injected = fs_disarm();
		x.ok = r != -1;
		if (!x.ok && (!injected || e != ENOMEM)) {
			kt_fail(__FILE__, __LINE__,
				"%s with allocation %u failing%s: %s, not ENOMEM",
				op->what, x.n, injected ? "" : " (none failed)",
				kt_errname(e));
			kt_abort();
		}
		if (injected && x.ok)
			fallback++;
		else if (injected)
			failed++;
		op->after(&x);
		fs_room_works(p->b, p->a);
	}
	dprintf(STDERR_FILENO,
		"#   %s: %u allocations failed one at a time: %u gave ENOMEM, %u had a fallback\n",
		op->what, x.n - 2, failed, fallback);
}

/* ---- open ------------------------------------------------------------ */

static long fs_open(struct fs_ctx *x)
{
	x->c = open(x->p->node.path, O_RDWR);
	return x->c;
}

static void fs_open_after(struct fs_ctx *x)
{
	struct kerneltalk_room_info info;

	kt_info(x->p->b, &info);
	/* A failed open leaves no member behind. */
	EXPECT_EQ(x->ok ? 3 : 2, info.members);
	if (x->ok)
		fs_room_works(x->c, x->p->b);
	if (x->c >= 0)
		close(x->c);
	x->c = -1;
}

KT_TEST_F_T(pair, failslab_open, FS_TIMEOUT)
{
	static const struct fs_op op = { "open", NULL, fs_open, fs_open_after };

	fs_run(self, &op);
}

/* ---- JOIN and CREATE of a new room ----------------------------------- */

static long fs_join(struct fs_ctx *x)
{
	char buf[KERNELTALK_NAME_MAX];

	memset(buf, 0, sizeof(buf));
	strcpy(buf, x->name);
	return ioctl(x->p->a, KERNELTALK_IOC_JOIN, buf);
}

static long fs_create(struct fs_ctx *x)
{
	struct kerneltalk_room_spec spec;

	memset(&spec, 0, sizeof(spec));
	strcpy(spec.name, x->name);
	spec.mode = 0600;
	return ioctl(x->p->a, KERNELTALK_IOC_CREATE, &spec);
}

/* a is in the new room if the call succeeded, else where it was. */
static void fs_new_room_after(struct fs_ctx *x)
{
	struct kerneltalk_room_info info;
	char line[256];

	kt_info(x->p->a, &info);
	EXPECT_STREQ(x->ok ? x->name : "", info.name);
	if (x->ok) {
		EXPECT_EQ(1, info.members);
		kt_join(x->p->a, "");
	}
	/* Left empty, or never made: the room is gone either way. */
	EXPECT_FALSE(kt_proc_line_name(x->name, line, sizeof(line)));
}

KT_TEST_F_T(pair, failslab_join_new, FS_TIMEOUT)
{
	static const struct fs_op op = { "JOIN (new room)", NULL, fs_join,
					 fs_new_room_after };

	fs_run(self, &op);
}

KT_TEST_F_T(pair, failslab_create, FS_TIMEOUT)
{
	static const struct fs_op op = { "CREATE", NULL, fs_create,
					 fs_new_room_after };

	fs_run(self, &op);
}

/* ---- JOIN of a room that has a member --------------------------------- */

static void fs_third_in_room(struct fs_ctx *x)
{
	x->c = kt_open(x->p->node.path, O_RDWR);
	kt_join(x->c, x->name);
}

static void fs_join_old_after(struct fs_ctx *x)
{
	struct kerneltalk_room_info info;

	kt_info(x->c, &info);
	EXPECT_EQ(x->ok ? 2 : 1, info.members);
	if (x->ok) {
		fs_room_works(x->c, x->p->a);
		kt_join(x->p->a, "");
	}
	kt_info(x->p->a, &info);
	EXPECT_STREQ("", info.name);
	close(x->c);
	x->c = -1;
}

KT_TEST_F_T(pair, failslab_join_existing, FS_TIMEOUT)
{
	static const struct fs_op op = { "JOIN (existing room)",
					 fs_third_in_room, fs_join,
					 fs_join_old_after };

	fs_run(self, &op);
}

/* ---- post: the first (the ring is allocated) and a later one ---------- */

static long fs_post(struct fs_ctx *x)
{
	return write(x->p->a, "hello", 5);
}

static void fs_first_post_before(struct fs_ctx *x)
{
	fs_third_in_room(x);
	kt_join(x->p->a, x->name);
}

/* Both readers got the post "hello" if it succeeded, else nothing. */
static void fs_post_check(int poster, int other, bool ok)
{
	char buf[64];

	if (!ok) {
		EXPECT_TRUE(kt_nothing_to_read(other));
		return;
	}
	kt_read_str(poster, buf, sizeof(buf));
	EXPECT_STREQ("hello", buf);
	kt_read_str(other, buf, sizeof(buf));
	EXPECT_STREQ("hello", buf);
}

static void fs_first_post_after(struct fs_ctx *x)
{
	struct kerneltalk_room_info info;

	kt_info(x->c, &info);
	EXPECT_EQ(x->ok ? 1 : 0, info.posted);
	fs_post_check(x->p->a, x->c, x->ok);
	/* A post that failed for the ring leaves a room that can post. */
	fs_room_works(x->c, x->p->a);
	kt_join(x->p->a, "");
	close(x->c);
	x->c = -1;
}

static void fs_post_after(struct fs_ctx *x)
{
	fs_post_check(x->p->a, x->p->b, x->ok);
}

KT_TEST_F_T(pair, failslab_post_first, FS_TIMEOUT)
{
	static const struct fs_op op = { "first post", fs_first_post_before,
					 fs_post, fs_first_post_after };

	fs_run(self, &op);
}

KT_TEST_F_T(pair, failslab_post, FS_TIMEOUT)
{
	static const struct fs_op op = { "post", NULL, fs_post, fs_post_after };

	fs_room_works(self->b, self->a);	/* the ring exists from here on */
	fs_run(self, &op);
}

/* ---- read ------------------------------------------------------------- */

static void fs_read_before(struct fs_ctx *x)
{
	kt_post(x->p->b, "hello");
}

static long fs_read(struct fs_ctx *x)
{
	char buf[64];
	ssize_t r;

	memset(buf, 0, sizeof(buf));
	r = read(x->p->a, buf, sizeof(buf) - 1);
	if (r >= 0)
		EXPECT_STREQ("hello", buf);
	return r;
}

static void fs_read_after(struct fs_ctx *x)
{
	char buf[64];

	/* A failed read loses nothing: the message is still there. */
	if (!x->ok) {
		kt_read_str(x->p->a, buf, sizeof(buf));
		EXPECT_STREQ("hello", buf);
	}
	kt_read_str(x->p->b, buf, sizeof(buf));
	EXPECT_STREQ("hello", buf);
}

KT_TEST_F_T(pair, failslab_read, FS_TIMEOUT)
{
	static const struct fs_op op = { "read", fs_read_before, fs_read,
					 fs_read_after };

	fs_run(self, &op);
}

/* ---- MEMBERS ---------------------------------------------------------- */

static long fs_members(struct fs_ctx *x)
{
	struct kerneltalk_member_info info[4];
	struct kerneltalk_member_list list;
	long r;

	memset(&list, 0, sizeof(list));
	list.count = 4;
	list.members = (__u64)(uintptr_t)info;
	r = ioctl(x->p->a, KERNELTALK_IOC_MEMBERS, &list);
	if (!r) {
		EXPECT_EQ(2, list.count);
		EXPECT_EQ(2, list.total);
	}
	return r;
}

static void fs_nothing_after(struct fs_ctx *x)
{
	(void)x;
}

KT_TEST_F_T(pair, failslab_members, FS_TIMEOUT)
{
	static const struct fs_op op = { "MEMBERS", NULL, fs_members,
					 fs_nothing_after };

	fs_run(self, &op);
}

/* ---- SET_ACCESS --------------------------------------------------------- */

static __u32 fs_mode(unsigned int n)
{
	return n % 2 ? 0640 : 0600;
}

static void fs_access_before(struct fs_ctx *x)
{
	kt_create(x->p->a, x->name, fs_mode(x->n + 1));
	kt_join(x->p->b, x->name);
}

static long fs_set_access(struct fs_ctx *x)
{
	struct kerneltalk_room_access acc = { 0, 0, fs_mode(x->n), 0 };

	return ioctl(x->p->a, KERNELTALK_IOC_SET_ACCESS, &acc);
}

static void fs_access_after(struct fs_ctx *x)
{
	struct kerneltalk_room_access acc;

	kt_get_access(x->p->b, &acc);
	EXPECT_EQ(fs_mode(x->ok ? x->n : x->n + 1), acc.mode);
	/* The named room works, then both go home for the common check. */
	fs_room_works(x->p->a, x->p->b);
	kt_join(x->p->a, "");
	kt_join(x->p->b, "");
}

KT_TEST_F_T(pair, failslab_set_access, FS_TIMEOUT)
{
	static const struct fs_op op = { "SET_ACCESS", fs_access_before,
					 fs_set_access, fs_access_after };

	fs_run(self, &op);
}
