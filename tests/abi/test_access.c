// SPDX-License-Identifier: GPL-2.0
/*
 * Access: owner, group and mode of named rooms (KERNELTALK_IOC_CREATE,
 * SET_ACCESS, GET_ACCESS), checked at JOIN against the file's opener.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define KT_GROUP 45
#include "harness.h"

/* ---- CREATE ------------------------------------------------------------- */

KT_TEST_F(pair, create_room_owned_by_caller)
{
	struct kerneltalk_room_access acc;
	struct kerneltalk_room_info info;
	char name[KERNELTALK_NAME_MAX];

	kt_room_name(name, "create");
	kt_create(self->a, name, 0640);
	kt_info(self->a, &info);
	EXPECT_STREQ(name, info.name);
	EXPECT_EQ(1, info.members);
	kt_get_access(self->a, &acc);
	EXPECT_EQ(0, acc.uid);
	EXPECT_EQ(0, acc.gid);
	EXPECT_EQ(0640, acc.mode);
	EXPECT_EQ(0, acc.reserved);
	/* the other member joins it by name, like any room */
	kt_join(self->b, name);
	kt_post(self->b, "in");
	kt_info(self->a, &info);
	EXPECT_EQ(2, info.members);
	EXPECT_EQ(1, info.posted);
}

KT_TEST_F(pair, create_existing_room_eexist)
{
	struct kerneltalk_room_spec spec;
	struct kerneltalk_room_info info;
	char name[KERNELTALK_NAME_MAX];

	kt_room_name(name, "exists");
	kt_create(self->a, name, 0600);
	memset(&spec, 0, sizeof(spec));
	strcpy(spec.name, name);
	EXPECT_ERRNO(EEXIST, ioctl(self->b, KERNELTALK_IOC_CREATE, &spec));
	/* a room JOIN made exists just the same */
	kt_room_name(spec.name, "joined");
	kt_join(self->a, spec.name);
	EXPECT_ERRNO(EEXIST, ioctl(self->b, KERNELTALK_IOC_CREATE, &spec));
	/* even for a member of it */
	EXPECT_ERRNO(EEXIST, ioctl(self->a, KERNELTALK_IOC_CREATE, &spec));
	kt_info(self->b, &info);
	EXPECT_STREQ("", info.name);
	EXPECT_EQ(1, info.members);
}

/* CREATE of @name with one field spoilt: -EINVAL. */
struct bad_spec {
	__u32 mode, flags;
	int reserved;		/* index of a non-zero reserved field, or -1 */
	const char *name;	/* NULL: the case's name */
};

KT_TEST_F(pair, create_bad_spec_einval)
{
	static const struct bad_spec bad[] = {
		{ 01000, 0, -1, NULL },
		{ 04600, 0, -1, NULL },
		{ 0xffffffffu, 0, -1, NULL },
		{ 0600, 1, -1, NULL },
		{ 0600, 0x80000000u, -1, NULL },
		{ 0600, 0, 0, NULL },
		{ 0600, 0, 1, NULL },
		{ 0600, 0, 2, NULL },
		{ 0600, 0, -1, "" },	/* the default room is not created */
		{ 0600, 0, -1, "no/slash" },
	};
	struct kerneltalk_room_spec spec;
	struct kerneltalk_room_info info;
	char name[KERNELTALK_NAME_MAX];
	size_t i;

	kt_room_name(name, "spec");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&spec, 0, sizeof(spec));
		strcpy(spec.name, bad[i].name ? bad[i].name : name);
		spec.mode = bad[i].mode;
		spec.flags = bad[i].flags;
		if (bad[i].reserved >= 0)
			spec.reserved[bad[i].reserved] = 1ull << 63;
		EXPECT_ERRNO(EINVAL, ioctl(self->a, KERNELTALK_IOC_CREATE, &spec));
	}
	memset(spec.name, 'x', sizeof(spec.name));	/* no NUL */
	EXPECT_ERRNO(EINVAL, ioctl(self->a, KERNELTALK_IOC_CREATE, &spec));
	EXPECT_ERRNO(EFAULT, ioctl(self->a, KERNELTALK_IOC_CREATE, kt_bad_ptr()));
	/* nothing was created or joined */
	kt_info(self->a, &info);
	EXPECT_STREQ("", info.name);
	EXPECT_FALSE(kt_proc_line_name(name, (char[256]){ 0 }, 256));
	kt_create(self->a, name, 0);	/* all zero but the name: fine */
}

/* The creator joins what it made, whatever the mode (as O_CREAT does). */
struct named_node {
	const char *path;
	char name[KERNELTALK_NAME_MAX];
};

static void create_mode_0_child(void *p)
{
	struct named_node *t = p;
	struct kerneltalk_room_access acc;
	int fd;

	kt_drop_privileges(1000, 1000);
	fd = kt_open(t->path, O_RDWR);
	kt_create(fd, t->name, 0);
	kt_post(fd, "mine");
	EXPECT_EQ(0, lseek(fd, 0, SEEK_SET));
	kt_get_access(fd, &acc);
	EXPECT_EQ(1000, acc.uid);
	EXPECT_EQ(1000, acc.gid);
	EXPECT_EQ(0, acc.mode);
	/* but joining it again is checked like any JOIN */
	EXPECT_ERRNO(EACCES, ioctl(fd, KERNELTALK_IOC_JOIN, t->name));
}

KT_TEST_F(pair, create_mode_0_creator_is_member)
{
	struct named_node t = { .path = self->node.path };

	kt_room_name(t.name, "mode-0");
	kt_join_child(kt_fork(create_mode_0_child, &t), 10000);
}

/* ---- JOIN checks the mode ---------------------------------------------- */

struct who {
	uid_t uid;
	gid_t gid;
	gid_t supp;	/* a supplementary group, 0: none */
};

static void become(const struct who *w)
{
	ASSERT_OK(setgroups(w->supp ? 1 : 0, &w->supp));
	ASSERT_OK(setresgid(w->gid, w->gid, w->gid));
	ASSERT_OK(setresuid(w->uid, w->uid, w->uid));
}

struct join_try {
	const char *path, *room;
	struct who who;
	int expect[3];	/* errno of a JOIN opened O_RDONLY, O_WRONLY, O_RDWR */
};

static void join_child(void *p)
{
	static const int modes[3] = { O_RDONLY, O_WRONLY, O_RDWR };
	struct join_try *t = p;
	struct kerneltalk_room_info info;
	int i, fd;

	become(&t->who);
	for (i = 0; i < 3; i++) {
		fd = kt_open(t->path, modes[i]);
		if (t->expect[i]) {
			EXPECT_ERRNO(t->expect[i],
				     ioctl(fd, KERNELTALK_IOC_JOIN, t->room));
			kt_info(fd, &info);	/* still in the default room */
			EXPECT_STREQ("", info.name);
		} else {
			EXPECT_EQ(0, ioctl(fd, KERNELTALK_IOC_JOIN, t->room));
		}
		close(fd);
	}
}

/* Owner 1000, group 2000; tries as the owner, a group member, others. */
static void try_mode(struct kt_fx_pair *self, __u32 mode,
		     const int owner[3], const int group[3],
		     const int member[3], const int other[3])
{
	struct join_try t = { .path = self->node.path };
	char name[KERNELTALK_NAME_MAX];

	snprintf(name, sizeof(name), "abi-%d-mode-%o", getpid(), mode);
	kt_create(self->a, name, mode);
	kt_set_access(self->a, 1000, 2000, mode);
	t.room = name;
	t.who = (struct who){ 1000, 1000, 0 };
	memcpy(t.expect, owner, sizeof(t.expect));
	kt_join_child(kt_fork(join_child, &t), 10000);
	t.who = (struct who){ 1001, 2000, 0 };	/* effective group */
	memcpy(t.expect, group, sizeof(t.expect));
	kt_join_child(kt_fork(join_child, &t), 10000);
	t.who = (struct who){ 1002, 1002, 2000 };	/* supplementary group */
	memcpy(t.expect, member, sizeof(t.expect));
	kt_join_child(kt_fork(join_child, &t), 10000);
	t.who = (struct who){ 1003, 1003, 0 };
	memcpy(t.expect, other, sizeof(t.expect));
	kt_join_child(kt_fork(join_child, &t), 10000);
}

#define OK3	((const int[3]){ 0, 0, 0 })
#define NO3	((const int[3]){ EACCES, EACCES, EACCES })
#define RO	((const int[3]){ 0, EACCES, EACCES })
#define WO	((const int[3]){ EACCES, 0, EACCES })

KT_TEST_F(pair, join_mode_owner_bits)
{
	try_mode(self, 0600, OK3, NO3, NO3, NO3);
	try_mode(self, 0400, RO, NO3, NO3, NO3);
	try_mode(self, 0200, WO, NO3, NO3, NO3);
}

KT_TEST_F(pair, join_mode_group_bits)
{
	/* the owner class does not fall through to the group's bits */
	try_mode(self, 0060, NO3, OK3, OK3, NO3);
	try_mode(self, 0040, NO3, RO, RO, NO3);
	try_mode(self, 0020, NO3, WO, WO, NO3);
}

KT_TEST_F(pair, join_mode_other_bits)
{
	try_mode(self, 0006, NO3, NO3, NO3, OK3);
	try_mode(self, 0004, NO3, NO3, NO3, RO);
	try_mode(self, 0002, NO3, NO3, NO3, WO);
	try_mode(self, 0000, NO3, NO3, NO3, NO3);
	try_mode(self, 0777, OK3, OK3, OK3, OK3);
}

/* A room JOIN creates is public: the mode of the room_mode parameter. */
KT_TEST_F(pair, join_creates_public_room)
{
	struct kerneltalk_room_access acc;
	char name[KERNELTALK_NAME_MAX];

	kt_room_name(name, "public");
	kt_join(self->a, name);
	kt_get_access(self->a, &acc);
	EXPECT_EQ(0, acc.uid);
	EXPECT_EQ(0, acc.gid);
	EXPECT_EQ(kt_param("room_mode"), acc.mode);
	EXPECT_EQ(0666, acc.mode);		/* the default */
	EXPECT_EQ(0, acc.reserved);
}

/*
 * The check is against the file's opener, not the caller: a root file
 * handed to nobody joins a 0600 root room; a file nobody opened does not
 * get in when root (CAP_DAC_OVERRIDE and all) makes the call.
 */
static void join_as_nobody(void *p)
{
	struct named_node *t = p;
	int fd = kt_open(t->path, O_RDWR);	/* opened as root */

	kt_drop_privileges(65534, 65534);
	EXPECT_EQ(0, ioctl(fd, KERNELTALK_IOC_JOIN, t->name));
}

KT_TEST_F(pair, join_checks_opener_not_caller)
{
	struct named_node t = { .path = self->node.path };
	struct kerneltalk_room_info info;
	int fd;

	kt_room_name(t.name, "opener");
	kt_create(self->a, t.name, 0600);
	kt_join_child(kt_fork(join_as_nobody, &t), 10000);

	fd = kt_open_as(self->node.path, O_RDONLY, 65534, 65534);
	EXPECT_ERRNO(EACCES, ioctl(fd, KERNELTALK_IOC_JOIN, t.name));
	kt_info(fd, &info);
	EXPECT_STREQ("", info.name);
	close(fd);
}

/* Root's CAP_DAC_OVERRIDE (in its opener's credentials) passes the mode. */
KT_TEST_F(pair, join_root_overrides_mode)
{
	char name[KERNELTALK_NAME_MAX];

	kt_room_name(name, "override");
	kt_create(self->a, name, 0);
	kt_set_access(self->a, 1000, 1000, 0);
	kt_join(self->b, name);
}

/*
 * History is for readers: in a write-only (0222) room nobody cannot join
 * to read, so it never sees what the room retains; joined write-only, it
 * may post, and seeking is harmless (read() stays EBADF).
 */
static void history_child(void *p)
{
	struct named_node *t = p;
	int rw, w;

	kt_drop_privileges(65534, 65534);
	rw = kt_open(t->path, O_RDWR);
	EXPECT_ERRNO(EACCES, ioctl(rw, KERNELTALK_IOC_JOIN, t->name));
	w = kt_open(t->path, O_WRONLY);
	EXPECT_EQ(0, ioctl(w, KERNELTALK_IOC_JOIN, t->name));
	EXPECT_EQ(0, lseek(w, 0, SEEK_SET));
	EXPECT_ERRNO(EBADF, read(w, (char[8]){ 0 }, 8));
	kt_post(w, "drop box");
}

KT_TEST_F(pair, history_needs_read)
{
	struct named_node t = { .path = self->node.path };
	struct kerneltalk_room_info info;
	char buf[16];

	kt_room_name(t.name, "dropbox");
	kt_create(self->a, t.name, 0622);
	kt_post(self->a, "secret");
	kt_join_child(kt_fork(history_child, &t), 10000);
	kt_info(self->a, &info);
	EXPECT_EQ(2, info.posted);
	kt_read_str(self->a, buf, sizeof(buf));
	EXPECT_STREQ("secret", buf);		/* its own, echoed */
	kt_read_str(self->a, buf, sizeof(buf));
	EXPECT_STREQ("drop box", buf);
}

/* ---- SET_ACCESS / GET_ACCESS ---------------------------------------------- */

KT_TEST_F(pair, get_access_default_room_is_the_node)
{
	struct kerneltalk_room_access acc;

	ASSERT_OK(chown(self->node.path, 1000, 2000));
	ASSERT_OK(chmod(self->node.path, 0620));
	kt_get_access(self->a, &acc);
	EXPECT_EQ(1000, acc.uid);
	EXPECT_EQ(2000, acc.gid);
	EXPECT_EQ(0620, acc.mode);
	EXPECT_EQ(0, acc.reserved);
	/* set: not here, the node has chmod and chown */
	acc.mode = 0600;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->a, KERNELTALK_IOC_SET_ACCESS, &acc));
}

KT_TEST_F(pair, set_access_bad_fields_einval)
{
	struct kerneltalk_room_access acc = { 0 }, got;
	char name[KERNELTALK_NAME_MAX];

	kt_room_name(name, "set-bad");
	kt_create(self->a, name, 0600);
	acc.mode = 01000;
	EXPECT_ERRNO(EINVAL, ioctl(self->a, KERNELTALK_IOC_SET_ACCESS, &acc));
	acc.mode = 0640;
	acc.reserved = 1;
	EXPECT_ERRNO(EINVAL, ioctl(self->a, KERNELTALK_IOC_SET_ACCESS, &acc));
	acc.reserved = 0;
	acc.uid = (__u32)-1;
	EXPECT_ERRNO(EINVAL, ioctl(self->a, KERNELTALK_IOC_SET_ACCESS, &acc));
	acc.uid = 0;
	acc.gid = (__u32)-1;
	EXPECT_ERRNO(EINVAL, ioctl(self->a, KERNELTALK_IOC_SET_ACCESS, &acc));
	EXPECT_ERRNO(EFAULT, ioctl(self->a, KERNELTALK_IOC_SET_ACCESS, kt_bad_ptr()));
	EXPECT_ERRNO(EFAULT, ioctl(self->a, KERNELTALK_IOC_GET_ACCESS, kt_bad_ptr()));
	kt_get_access(self->a, &got);
	EXPECT_EQ(0600, got.mode);	/* nothing changed */
	kt_set_access(self->a, 0, 0, 0640);
	kt_get_access(self->a, &got);
	EXPECT_EQ(0640, got.mode);
}

struct admin_try {
	const char *path;
	uid_t uid;
	int expect;
};

static void set_access_child(void *p)
{
	struct admin_try *t = p;
	struct kerneltalk_room_access acc;
	__u32 policy = KERNELTALK_POLICY_OVERWRITE;
	int fd;

	kt_drop_privileges(t->uid, t->uid);
	fd = kt_open(t->path, O_RDWR);
	kt_join(fd, "abi-admin");
	kt_get_access(fd, &acc);	/* anyone in the room may look */
	EXPECT_EQ(1000, acc.uid);
	EXPECT_EQ(0666, acc.mode);
	if (t->expect) {
		EXPECT_ERRNO(t->expect,
			     ioctl(fd, KERNELTALK_IOC_SET_ACCESS, &acc));
		EXPECT_ERRNO(t->expect,
			     ioctl(fd, KERNELTALK_IOC_SET_POLICY, &policy));
	} else {
		EXPECT_EQ(0, ioctl(fd, KERNELTALK_IOC_SET_ACCESS, &acc));
		EXPECT_EQ(0, ioctl(fd, KERNELTALK_IOC_SET_POLICY, &policy));
	}
}

/* The owner (changed by SET_ACCESS) or CAP_SYS_ADMIN; others -EPERM. */
KT_TEST_F(pair, set_access_owner_or_admin)
{
	struct admin_try t = { .path = self->node.path };
	struct kerneltalk_room_access acc;

	kt_create(self->a, "abi-admin", 0666);
	kt_set_access(self->a, 1000, 1000, 0666);	/* root: CAP_SYS_ADMIN */
	t.uid = 1001;
	t.expect = EPERM;
	kt_join_child(kt_fork(set_access_child, &t), 10000);
	t.uid = 1000;
	t.expect = 0;
	kt_join_child(kt_fork(set_access_child, &t), 10000);
	kt_get_access(self->a, &acc);
	EXPECT_EQ(1000, acc.uid);
	EXPECT_EQ(1000, acc.gid);
}

/* Members keep what they joined with, as open files do after chmod. */
KT_TEST_F(pair, set_access_keeps_members)
{
	char name[KERNELTALK_NAME_MAX], buf[16];
	int r, w, late;

	kt_room_name(name, "chmod");
	kt_create(self->a, name, 0666);
	r = kt_open_as(self->node.path, O_RDONLY, 1000, 1000);
	w = kt_open_as(self->node.path, O_WRONLY, 1000, 1000);
	late = kt_open_as(self->node.path, O_RDWR, 1000, 1000);
	kt_join(r, name);
	kt_join(w, name);
	kt_set_access(self->a, 0, 0, 0600);
	kt_post(w, "still");
	kt_read_str(r, buf, sizeof(buf));
	EXPECT_STREQ("still", buf);
	EXPECT_ERRNO(EACCES, ioctl(late, KERNELTALK_IOC_JOIN, name));
	/* and back: the next JOIN sees the new mode at once */
	kt_set_access(self->a, 0, 0, 0606);
	EXPECT_EQ(0, ioctl(late, KERNELTALK_IOC_JOIN, name));
	close(r);
	close(w);
	close(late);
}

/* ids outside the caller's user namespace: -EINVAL to set, overflow to get */
static void userns_access(void *p)
{
	struct kerneltalk_room_access acc;
	int fd = *(int *)p;
	FILE *f;

	ASSERT_OK(unshare(CLONE_NEWUSER));
	f = fopen("/proc/self/uid_map", "w");
	ASSERT_TRUE(f && fputs("0 0 1\n", f) >= 0 && fclose(f) == 0);
	f = fopen("/proc/self/setgroups", "w");
	ASSERT_TRUE(f && fputs("deny\n", f) >= 0 && fclose(f) == 0);
	f = fopen("/proc/self/gid_map", "w");
	ASSERT_TRUE(f && fputs("0 0 1\n", f) >= 0 && fclose(f) == 0);

	kt_get_access(fd, &acc);
	EXPECT_EQ(65534, acc.uid);	/* 1000 is not mapped here */
	EXPECT_EQ(65534, acc.gid);
	EXPECT_EQ(0644, acc.mode);
	acc.uid = 0;
	acc.gid = 5;			/* unmapped */
	EXPECT_ERRNO(EINVAL, ioctl(fd, KERNELTALK_IOC_SET_ACCESS, &acc));
	acc.uid = 5;
	acc.gid = 0;
	EXPECT_ERRNO(EINVAL, ioctl(fd, KERNELTALK_IOC_SET_ACCESS, &acc));
}

KT_TEST_F(pair, access_ids_in_caller_userns)
{
	struct kerneltalk_room_access acc;

	if (access("/proc/self/ns/user", F_OK))
		kt_skip("no user namespaces in this kernel");
	kt_create(self->a, "abi-userns-access", 0644);
	kt_set_access(self->a, 1000, 1000, 0644);
	kt_join_child(kt_fork(userns_access, &self->a), 10000);
	kt_get_access(self->a, &acc);
	EXPECT_EQ(1000, acc.uid);
	EXPECT_EQ(0644, acc.mode);
}

/* /proc/kerneltalk lists a named room only to those who could join it. */
static void proc_as_1000(void *p)
{
	char line[256];
	const char *names = p;

	kt_drop_privileges(1000, 1000);
	EXPECT_FALSE(kt_proc_line_name(names, line, sizeof(line)));
	EXPECT_TRUE(kt_proc_line_name(names + KERNELTALK_NAME_MAX, line,
				      sizeof(line)));
	EXPECT_TRUE(kt_proc_line_name(names + 2 * KERNELTALK_NAME_MAX, line,
				      sizeof(line)));
}

KT_TEST_F(pair, proc_lists_only_joinable_rooms)
{
	static const __u32 modes[3] = { 0660, 0604, 0602 };
	char names[3][KERNELTALK_NAME_MAX], line[256];
	int i, fd;

	for (i = 0; i < 3; i++) {
		snprintf(names[i], sizeof(names[i]), "abi-%d-proc-%o",
			 getpid(), modes[i]);
		fd = kt_open(self->node.path, O_WRONLY);
		kt_create(fd, names[i], modes[i]);
		kt_post(fd, "listed?");
		close(fd);
		/* root lists them all (CAP_DAC_OVERRIDE) */
		EXPECT_TRUE(kt_proc_line_name(names[i], line, sizeof(line)));
	}
	kt_join_child(kt_fork(proc_as_1000, names), 10000);
}
