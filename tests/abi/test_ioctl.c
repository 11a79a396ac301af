// SPDX-License-Identifier: GPL-2.0
/*
 * ioctls: INFO, SET/GET_FLAGS, SET_POLICY (with its permission rule),
 * unknown commands, and bad user pointers on every call that takes one.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <termios.h>
#include <unistd.h>

#define KT_GROUP 30
#include "harness.h"

/* ---- INFO ------------------------------------------------------------------- */

KT_TEST_F(pair, info_fresh_room)
{
	struct kerneltalk_room_info info;
	char zeros[KERNELTALK_NAME_MAX] = { 0 };

	kt_info(self->a, &info);
	/* the whole name is written, not just its NUL: no junk, no leak */
	EXPECT_MEMEQ(zeros, info.name, sizeof(info.name));
	EXPECT_EQ(2, info.members);
	EXPECT_EQ(kt_param("policy"), info.policy);
	EXPECT_EQ(kt_param("capacity"), info.capacity);
	EXPECT_EQ(kt_param("max_msg"), info.max_msg);
	EXPECT_EQ(0, info.used);
	EXPECT_EQ(0, info.reserved);
	EXPECT_EQ(1, info.first_seq);
	EXPECT_EQ(1, info.next_seq);
	EXPECT_EQ(0, info.posted);
	EXPECT_EQ(0, info.dropped);
}

/*
 * used counts what the room really costs: the slot array (from the first
 * post) and every retained message as the allocator sized it, at least
 * its kernel record and payload.
 */
KT_TEST_F(pair, info_after_posts)
{
	struct kerneltalk_room_info info;

	kt_post_len(self->a, 'x', 1);
	kt_post_len(self->a, 'x', 10);
	kt_post_len(self->b, 'x', 100);
	kt_info(self->b, &info);
	EXPECT_EQ(kt_ring_base() + kt_cost(1) + kt_cost(10) + kt_cost(100),
		  info.used);
	EXPECT_TRUE(kt_cost(1) >= KT_HDR + 1);
	EXPECT_TRUE(kt_cost(100) >= KT_HDR + 100);
	EXPECT_EQ(3, info.posted);
	EXPECT_EQ(1, info.first_seq);
	EXPECT_EQ(4, info.next_seq);
	EXPECT_EQ(0, info.dropped);
	EXPECT_EQ(0, info.reserved);
	/* reading does not change what the room retains */
	EXPECT_EQ(1, read(self->b, (char[8]){ 0 }, 8));
	kt_info(self->a, &info);
	EXPECT_EQ(kt_ring_base() + kt_cost(1) + kt_cost(10) + kt_cost(100),
		  info.used);
}

static void child_sees_members(void *p)
{
	struct kerneltalk_room_info info;

	kt_info(*(int *)p, &info);
	EXPECT_EQ(4, info.members);
}

/* Open files count, write-only ones too; shared (fork, dup) ones once. */
KT_TEST_F(pair, info_members_counting)
{
	struct kerneltalk_room_info info;
	int r = kt_open(self->node.path, O_RDONLY);
	int w = kt_open(self->node.path, O_WRONLY);
	int d = ASSERT_OK(dup(self->a));
	pid_t pid;

	kt_info(self->a, &info);
	EXPECT_EQ(4, info.members);
	kt_info(w, &info);			/* INFO works on O_WRONLY too */
	EXPECT_EQ(4, info.members);
	pid = kt_fork(child_sees_members, &self->a);
	kt_join_child(pid, 5000);
	EXPECT_EQ(0, close(d));			/* a is still open */
	kt_info(self->a, &info);
	EXPECT_EQ(4, info.members);
	EXPECT_EQ(0, close(w));
	EXPECT_EQ(0, close(r));
	kt_info(self->a, &info);
	EXPECT_EQ(2, info.members);
}

/* ---- flags ------------------------------------------------------------------- */

KT_TEST_F(pair, flags_default_zero)
{
	EXPECT_EQ(0, kt_get_flags(self->a));
	EXPECT_EQ(0, kt_get_flags(self->b));
}

KT_TEST_F(pair, flags_roundtrip_per_file)
{
	int d = ASSERT_OK(dup(self->a));

	kt_set_flags(self->a, KERNELTALK_F_RECORDS);
	EXPECT_EQ(KERNELTALK_F_RECORDS, kt_get_flags(self->a));
	EXPECT_EQ(KERNELTALK_F_RECORDS, kt_get_flags(d));	/* same file */
	EXPECT_EQ(0, kt_get_flags(self->b));
	kt_set_flags(self->a, KERNELTALK_F_ALL);
	EXPECT_EQ(KERNELTALK_F_ALL, kt_get_flags(self->a));
	kt_set_flags(self->a, KERNELTALK_F_NOECHO);
	EXPECT_EQ(KERNELTALK_F_NOECHO, kt_get_flags(self->a));
	kt_set_flags(self->a, 0);
	EXPECT_EQ(0, kt_get_flags(self->a));
	close(d);
}

KT_TEST_F(pair, flags_unknown_bits_einval)
{
	static const __u32 bad[] = { 1U << 2, 1U << 31, 0xffffffffU,
				     KERNELTALK_F_ALL | (1U << 5) };
	size_t i;

	kt_set_flags(self->a, KERNELTALK_F_RECORDS);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		__u32 v = bad[i];

		EXPECT_ERRNO(EINVAL, ioctl(self->a, KERNELTALK_IOC_SET_FLAGS, &v));
	}
	/* a refused change changes nothing */
	EXPECT_EQ(KERNELTALK_F_RECORDS, kt_get_flags(self->a));
}

/*
 * A message half read in stream mode cannot become a record: switching
 * RECORDS then is -EBUSY (the rest of the message still reads as bytes);
 * NOECHO may change, and RECORDS once the message is read.
 */
KT_TEST_F(pair, flags_records_switch_mid_message_ebusy)
{
	struct kerneltalk_msg h;
	__u32 v = KERNELTALK_F_RECORDS;
	char buf[16];

	kt_post(self->a, "hello");
	kt_post(self->a, "next");
	ASSERT_EQ(2, read(self->b, buf, 2));
	EXPECT_ERRNO(EBUSY, ioctl(self->b, KERNELTALK_IOC_SET_FLAGS, &v));
	EXPECT_EQ(0, kt_get_flags(self->b));
	kt_set_flags(self->b, KERNELTALK_F_NOECHO);
	EXPECT_EQ(3, kt_read_str(self->b, buf, sizeof(buf)));
	EXPECT_STREQ("llo", buf);
	kt_set_flags(self->b, KERNELTALK_F_RECORDS);
	ASSERT_EQ(KT_HDR + 4, kt_read_rec(self->b, &h, buf, sizeof(buf)));
	EXPECT_EQ(2, h.seq);
	EXPECT_MEMEQ("next", buf, 4);
}

/* ---- policy ------------------------------------------------------------------- */

KT_TEST_F(pair, policy_set_by_creator)
{
	struct kerneltalk_room_info info;

	kt_set_policy(self->a, KERNELTALK_POLICY_OVERWRITE);
	kt_info(self->b, &info);		/* a room property: b sees it */
	EXPECT_EQ(KERNELTALK_POLICY_OVERWRITE, info.policy);
	kt_set_policy(self->b, KERNELTALK_POLICY_BLOCK);
	kt_info(self->a, &info);
	EXPECT_EQ(KERNELTALK_POLICY_BLOCK, info.policy);
}

KT_TEST_F(pair, policy_bad_value_einval)
{
	static const __u32 bad[] = { 2, 7, 0x100, 0xffffffffU };
	struct kerneltalk_room_info info;
	size_t i;

	kt_set_policy(self->a, KERNELTALK_POLICY_OVERWRITE);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		__u32 v = bad[i];

		EXPECT_ERRNO(EINVAL, ioctl(self->a, KERNELTALK_IOC_SET_POLICY, &v));
	}
	kt_info(self->a, &info);
	EXPECT_EQ(KERNELTALK_POLICY_OVERWRITE, info.policy);
}

struct policy_try {
	const char *path;
	const char *room;	/* NULL: the node's default room */
	uid_t uid;
	int expect_errno;	/* 0: allowed */
	bool create;		/* create the named room and keep it */
};

/*
 * In a child with uid (and no capabilities): try to set OVERWRITE and a
 * stall bound of CHILD_STALL_MS, the room's two settings.
 */
#define CHILD_STALL_MS	1234

static void policy_child(void *p)
{
	struct kerneltalk_room_settings s = { .stall_ms = CHILD_STALL_MS };
	struct kerneltalk_room_settings big = {
		.stall_ms = KERNELTALK_STALL_MS_MAX + 1,
	};
	struct policy_try *t = p;
	__u32 v = KERNELTALK_POLICY_OVERWRITE, bad = 7;
	int fd;

	kt_drop_privileges(t->uid, t->uid);
	fd = kt_open(t->path, O_RDWR);
	if (t->room)
		kt_join(fd, t->room);
	if (t->create)
		kt_post(fd, "keeps the room alive");
	/* a bad value is EINVAL whoever asks: the value is checked first */
	EXPECT_ERRNO(EINVAL, ioctl(fd, KERNELTALK_IOC_SET_POLICY, &bad));
	EXPECT_ERRNO(EINVAL, ioctl(fd, KERNELTALK_IOC_SET_SETTINGS, &big));
	/* reading the settings is for every member */
	EXPECT_TRUE(kt_room_stall(fd) <= KERNELTALK_STALL_MS_MAX);
	if (t->expect_errno) {
		EXPECT_ERRNO(t->expect_errno,
			     ioctl(fd, KERNELTALK_IOC_SET_POLICY, &v));
		EXPECT_ERRNO(t->expect_errno,
			     ioctl(fd, KERNELTALK_IOC_SET_SETTINGS, &s));
	} else {
		EXPECT_EQ(0, ioctl(fd, KERNELTALK_IOC_SET_POLICY, &v));
		EXPECT_EQ(0, ioctl(fd, KERNELTALK_IOC_SET_SETTINGS, &s));
	}
}

static void try_policy(struct policy_try *t)
{
	kt_join_child(kt_fork(policy_child, t), 10000);
}

/* The node belongs to root: an unprivileged member may not change it. */
KT_TEST_F(pair, policy_non_creator_eperm)
{
	struct policy_try t = { self->node.path, NULL, 65534, EPERM, false };
	struct kerneltalk_room_info info;

	kt_set_policy(self->a, KERNELTALK_POLICY_BLOCK);
	kt_set_room_stall(self->a, 0);
	try_policy(&t);
	kt_info(self->a, &info);
	EXPECT_EQ(KERNELTALK_POLICY_BLOCK, info.policy);
	EXPECT_EQ(0, kt_room_stall(self->a));
}

/* The node's owner is the default room's creator. */
KT_TEST(policy_node_owner_allowed)
{
	struct kt_node node;
	struct policy_try owner = { node.path, NULL, 1000, 0, false };
	struct policy_try other = { node.path, NULL, 65534, EPERM, false };
	struct kerneltalk_room_info info;
	int fd;

	kt_node_new(&node);
	ASSERT_OK(chown(node.path, 1000, 1000));
	fd = kt_open(node.path, O_RDWR);
	kt_set_policy(fd, KERNELTALK_POLICY_BLOCK);
	kt_set_room_stall(fd, 0);
	try_policy(&other);
	kt_info(fd, &info);
	EXPECT_EQ(KERNELTALK_POLICY_BLOCK, info.policy);
	EXPECT_EQ(0, kt_room_stall(fd));
	try_policy(&owner);
	kt_info(fd, &info);
	EXPECT_EQ(KERNELTALK_POLICY_OVERWRITE, info.policy);
	EXPECT_EQ(CHILD_STALL_MS, kt_room_stall(fd));
}

/* The uid that created a named room may; another may not; root may. */
KT_TEST_F(pair, policy_named_room_creator)
{
	struct policy_try creator = { self->node.path, NULL, 65534, 0, true };
	struct policy_try other = { self->node.path, NULL, 1000, EPERM, false };
	struct kerneltalk_room_info info;
	char name[KERNELTALK_NAME_MAX];

	kt_room_name(name, "creator");
	creator.room = name;
	other.room = name;
	try_policy(&creator);
	try_policy(&other);
	kt_join(self->a, name);
	kt_info(self->a, &info);
	EXPECT_EQ(KERNELTALK_POLICY_OVERWRITE, info.policy);
	EXPECT_EQ(CHILD_STALL_MS, kt_room_stall(self->a));
	kt_set_policy(self->a, KERNELTALK_POLICY_BLOCK);	/* CAP_SYS_ADMIN */
	kt_set_room_stall(self->a, 0);
	kt_info(self->a, &info);
	EXPECT_EQ(KERNELTALK_POLICY_BLOCK, info.policy);
	EXPECT_EQ(0, kt_room_stall(self->a));
}

/* ---- room settings ------------------------------------------------------------- */

/* A room starts with the module's stall_ms; each room has its own. */
KT_TEST_F(pair, settings_stall_per_room)
{
	char name[KERNELTALK_NAME_MAX];

	EXPECT_EQ(kt_param("stall_ms"), kt_room_stall(self->a));
	kt_room_name(name, "stall");
	kt_join(self->b, name);
	EXPECT_EQ(kt_param("stall_ms"), kt_room_stall(self->b));
	kt_set_room_stall(self->b, 1);
	EXPECT_EQ(1, kt_room_stall(self->b));
	EXPECT_EQ(kt_param("stall_ms"), kt_room_stall(self->a));
	kt_set_room_stall(self->b, KERNELTALK_STALL_MS_MAX);
	EXPECT_EQ(KERNELTALK_STALL_MS_MAX, kt_room_stall(self->b));
	kt_set_room_stall(self->b, 0);
	EXPECT_EQ(0, kt_room_stall(self->b));
	/* the room keeps it while it lives, whoever asks */
	kt_join(self->a, name);
	EXPECT_EQ(0, kt_room_stall(self->a));
}

/* Out of range or a non-zero reserved field: -EINVAL, nothing changes. */
KT_TEST_F(pair, settings_invalid_einval)
{
	struct kerneltalk_room_settings s = { .stall_ms = 500 };
	unsigned int i;

	kt_set_room_stall(self->a, 700);
	for (i = 0; i < 3; i++) {
		s.reserved[i] = 1;
		EXPECT_ERRNO(EINVAL, ioctl(self->a, KERNELTALK_IOC_SET_SETTINGS, &s));
		s.reserved[i] = 0;
	}
	s.stall_ms = KERNELTALK_STALL_MS_MAX + 1;
	EXPECT_ERRNO(EINVAL, ioctl(self->a, KERNELTALK_IOC_SET_SETTINGS, &s));
	s.stall_ms = 0xffffffffU;
	EXPECT_ERRNO(EINVAL, ioctl(self->a, KERNELTALK_IOC_SET_SETTINGS, &s));
	EXPECT_EQ(700, kt_room_stall(self->a));
	EXPECT_EQ(0, ioctl(self->a, KERNELTALK_IOC_SET_SETTINGS,
			   &(struct kerneltalk_room_settings){ .stall_ms = 500 }));
	EXPECT_EQ(500, kt_room_stall(self->b));
}

/* ---- unknown commands ---------------------------------------------------------- */

KT_TEST_F(pair, unknown_ioctl_enotty)
{
	static const unsigned long cmds[] = {
		_IO(KERNELTALK_IOC_MAGIC, 0x3f),
		_IOR(KERNELTALK_IOC_MAGIC, 0x09, __u32),
		_IOR(KERNELTALK_IOC_MAGIC, 0x05, __u32),
		_IOR(KERNELTALK_IOC_MAGIC, 0x06, struct kerneltalk_room_access),
		_IOW(KERNELTALK_IOC_MAGIC, 0x07, struct kerneltalk_room_access),
		_IOR(KERNELTALK_IOC_MAGIC, 0x08, struct kerneltalk_member_list),
		_IOR(KERNELTALK_IOC_MAGIC, 0x09,
		     struct kerneltalk_room_settings),
		_IOW(KERNELTALK_IOC_MAGIC, 0x0A,
		     struct kerneltalk_room_settings),
		/* a known number with the wrong size or direction */
		_IOR(KERNELTALK_IOC_MAGIC, 0x01, __u32),
		_IOW(KERNELTALK_IOC_MAGIC, 0x02, __u64),
		_IOR(KERNELTALK_IOC_MAGIC, 0x04, __u32),
		_IOWR(KERNELTALK_IOC_MAGIC, 0x00, char[KERNELTALK_NAME_MAX]),
		_IOR('T', 0x7f, int),
		0x1234,
	};
	struct termios tio;
	__u32 v = 0;
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		EXPECT_ERRNO(ENOTTY, ioctl(self->a, cmds[i], &v));
	EXPECT_ERRNO(ENOTTY, tcgetattr(self->a, &tio));	/* not a tty */
	EXPECT_EQ(0, isatty(self->a));
	/* and the member still works */
	kt_post(self->a, "ok");
	EXPECT_EQ(0, kt_get_flags(self->a));
}

/* ---- bad pointers ------------------------------------------------------------ */

/* NULL the compiler cannot see through (no -Wnonnull on purpose-bad calls) */
static void *volatile kt_null;

KT_TEST_F(pair, efault_write_posts_nothing)
{
	struct kerneltalk_room_info info;
	char *pages = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_TRUE(pages != MAP_FAILED);
	ASSERT_OK(mprotect(pages + 4096, 4096, PROT_NONE));
	memset(pages, 'p', 4096);
	EXPECT_ERRNO(EFAULT, write(self->a, kt_bad_ptr(), 10));
	EXPECT_ERRNO(EFAULT, write(self->a, kt_null, 10));
	/* the first 5 bytes are readable, the rest not: all or nothing */
	EXPECT_ERRNO(EFAULT, write(self->a, pages + 4096 - 5, 10));
	kt_info(self->a, &info);
	EXPECT_EQ(0, info.posted);
	EXPECT_EQ(0, info.used);
	EXPECT_TRUE(kt_nothing_to_read(self->b));
	kt_post(self->a, "fine");
	EXPECT_EQ(4, kt_read_str(self->b, (char[16]){ 0 }, 16));
	munmap(pages, 8192);
}

KT_TEST_F(pair, efault_read_stream_and_record)
{
	char buf[64];

	kt_post(self->a, "first");
	EXPECT_ERRNO(EFAULT, read(self->b, kt_bad_ptr(), 64));
	kt_set_flags(self->a, KERNELTALK_F_RECORDS);
	kt_read_str(self->a, buf, sizeof(buf));		/* record of "first" */
	kt_post(self->b, "second");
	EXPECT_ERRNO(EFAULT, read(self->a, kt_bad_ptr(), 256));
	/* both members keep working afterwards */
	kt_post(self->b, "third");
	EXPECT_TRUE(kt_read_str(self->b, buf, sizeof(buf)) > 0);
	kt_set_flags(self->a, 0);
	EXPECT_EQ(0, lseek(self->a, 0, SEEK_END));
	kt_post(self->b, "fourth");
	kt_read_str(self->a, buf, sizeof(buf));
	EXPECT_STREQ("fourth", buf);
}

KT_TEST_F(pair, efault_every_pointer_ioctl)
{
	static const unsigned long cmds[] = {
		KERNELTALK_IOC_JOIN, KERNELTALK_IOC_INFO,
		KERNELTALK_IOC_SET_FLAGS, KERNELTALK_IOC_GET_FLAGS,
		KERNELTALK_IOC_SET_POLICY, KERNELTALK_IOC_CREATE,
		KERNELTALK_IOC_SET_ACCESS, KERNELTALK_IOC_GET_ACCESS,
		KERNELTALK_IOC_MEMBERS, KERNELTALK_IOC_SET_SETTINGS,
		KERNELTALK_IOC_GET_SETTINGS,
	};
	struct kerneltalk_room_info info;
	void *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, 0);
	size_t i;

	ASSERT_TRUE(ro != MAP_FAILED);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		EXPECT_ERRNO(EFAULT, ioctl(self->a, cmds[i], kt_bad_ptr()));
		EXPECT_ERRNO(EFAULT, ioctl(self->a, cmds[i], kt_null));
	}
	/* output ioctls into read-only memory */
	EXPECT_ERRNO(EFAULT, ioctl(self->a, KERNELTALK_IOC_INFO, ro));
	EXPECT_ERRNO(EFAULT, ioctl(self->a, KERNELTALK_IOC_GET_FLAGS, ro));
	EXPECT_ERRNO(EFAULT, ioctl(self->a, KERNELTALK_IOC_GET_ACCESS, ro));
	EXPECT_ERRNO(EFAULT, ioctl(self->a, KERNELTALK_IOC_MEMBERS, ro));
	EXPECT_ERRNO(EFAULT, ioctl(self->a, KERNELTALK_IOC_GET_SETTINGS, ro));
	/* nothing changed, and the file still works */
	kt_info(self->a, &info);
	EXPECT_EQ('\0', info.name[0]);
	EXPECT_EQ(kt_param("policy"), info.policy);
	EXPECT_EQ(0, kt_get_flags(self->a));
	kt_post(self->a, "alive");
	munmap(ro, 4096);
}
