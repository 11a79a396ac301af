// SPDX-License-Identifier: GPL-2.0
/*
 * Members: KERNELTALK_IOC_MEMBERS describes the members of the caller's
 * room, in join order, as the caller's namespaces see them.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <unistd.h>

#define KT_GROUP 47
#include "harness.h"

#define JUNK	0xcc
#define NMAX	8

struct members {
	struct kerneltalk_member_list list;
	struct kerneltalk_member_info info[NMAX];
};

/* MEMBERS with room for @count entries, everything pre-filled with junk. */
static int members(int fd, struct members *mb, __u32 count)
{
	memset(mb, JUNK, sizeof(*mb));
	mb->list.count = count;
	mb->list.reserved = 0;
	mb->list.members = (__u64)(uintptr_t)mb->info;
	return ioctl(fd, KERNELTALK_IOC_MEMBERS, &mb->list);
}

static bool untouched(const struct kerneltalk_member_info *info)
{
	const unsigned char *p = (const void *)info;
	size_t i;

	for (i = 0; i < sizeof(*info); i++)
		if (p[i] != JUNK)
			return false;
	return true;
}

static void my_comm(char *comm)
{
	ASSERT_OK(prctl(PR_GET_NAME, comm));
}

KT_TEST_F(pair, members_describe_each_file)
{
	struct kerneltalk_member_info *e;
	char comm[16], buf[16];
	struct members mb;
	long long t0, t1;
	int w, r;

	my_comm(comm);
	t0 = kt_now_ns();
	w = kt_open_as(self->node.path, O_WRONLY, 1000, 1000);
	ASSERT_OK(prctl(PR_SET_NAME, "kt-member"));
	r = kt_open(self->node.path, O_RDONLY);
	ASSERT_OK(prctl(PR_SET_NAME, comm));
	t1 = kt_now_ns();
	kt_set_flags(self->b, KERNELTALK_F_NOECHO);
	kt_post(w, "one");
	kt_post(w, "two");
	kt_post(w, "three");
	kt_read_str(self->b, buf, sizeof(buf));	/* b has read one */

	ASSERT_EQ(0, members(self->b, &mb, NMAX));
	EXPECT_EQ(4, mb.list.count);
	EXPECT_EQ(4, mb.list.total);
	EXPECT_EQ(0, mb.list.reserved);
	EXPECT_EQ((__u64)(uintptr_t)mb.info, mb.list.members);

	e = &mb.info[0];		/* a: read-write, unread 3 */
	EXPECT_EQ(0, e->uid);
	EXPECT_EQ(getpid(), e->pid);
	EXPECT_STREQ(comm, e->comm);
	EXPECT_EQ(KERNELTALK_MEMBER_READER | KERNELTALK_MEMBER_WRITER, e->flags);
	EXPECT_EQ(3, e->unread);
	EXPECT_EQ(0, e->reserved);
	EXPECT_TRUE((long long)e->joined_ns <= t0 && e->joined_ns > 0);

	e = &mb.info[1];		/* b: the caller, NOECHO, read one */
	EXPECT_EQ(KERNELTALK_MEMBER_READER | KERNELTALK_MEMBER_WRITER |
		  KERNELTALK_MEMBER_NOECHO | KERNELTALK_MEMBER_SELF, e->flags);
	EXPECT_EQ(2, e->unread);
	EXPECT_TRUE(mb.info[0].joined_ns <= e->joined_ns);

	e = &mb.info[2];		/* w: opened by uid 1000, write-only */
	EXPECT_EQ(1000, e->uid);
	EXPECT_EQ(KERNELTALK_MEMBER_WRITER, e->flags);
	EXPECT_EQ(0, e->unread);
	EXPECT_TRUE((long long)e->joined_ns >= t0 &&
		    (long long)e->joined_ns <= t1);

	e = &mb.info[3];		/* r: read-only, opened as kt-member */
	EXPECT_EQ(KERNELTALK_MEMBER_READER, e->flags);
	EXPECT_STREQ("kt-member", e->comm);
	EXPECT_EQ(getpid(), e->pid);
	EXPECT_EQ(3, e->unread);
	EXPECT_TRUE(untouched(&mb.info[4]));

	/* SELF moves with the caller */
	ASSERT_EQ(0, members(r, &mb, NMAX));
	EXPECT_EQ(KERNELTALK_MEMBER_READER | KERNELTALK_MEMBER_SELF,
		  mb.info[3].flags);
	EXPECT_EQ(KERNELTALK_MEMBER_READER | KERNELTALK_MEMBER_WRITER |
		  KERNELTALK_MEMBER_NOECHO, mb.info[1].flags);
	close(w);
	close(r);
	ASSERT_EQ(0, members(self->a, &mb, NMAX));
	EXPECT_EQ(2, mb.list.total);
}

KT_TEST_F(pair, members_short_array)
{
	struct members mb;
	int c = kt_open(self->node.path, O_RDWR);

	ASSERT_EQ(0, members(self->a, &mb, 1));
	EXPECT_EQ(1, mb.list.count);
	EXPECT_EQ(3, mb.list.total);
	EXPECT_EQ(KERNELTALK_MEMBER_READER | KERNELTALK_MEMBER_WRITER |
		  KERNELTALK_MEMBER_SELF, mb.info[0].flags);
	EXPECT_TRUE(untouched(&mb.info[1]));
	/* count 0: only the total, and no array needed */
	memset(&mb.list, JUNK, sizeof(mb.list));
	mb.list.count = 0;
	mb.list.members = 0;
	mb.list.reserved = 0;
	ASSERT_EQ(0, ioctl(self->a, KERNELTALK_IOC_MEMBERS, &mb.list));
	EXPECT_EQ(0, mb.list.count);
	EXPECT_EQ(3, mb.list.total);
	/* more room than members: as many as there are */
	ASSERT_EQ(0, members(self->a, &mb, 0xffffffffu));
	EXPECT_EQ(3, mb.list.count);
	close(c);
}

KT_TEST_F(pair, members_bad_arguments)
{
	struct kerneltalk_member_list list;
	struct members mb;

	memset(&list, 0, sizeof(list));
	list.reserved = 1;
	EXPECT_ERRNO(EINVAL, ioctl(self->a, KERNELTALK_IOC_MEMBERS, &list));
	list.reserved = 1ull << 63;
	EXPECT_ERRNO(EINVAL, ioctl(self->a, KERNELTALK_IOC_MEMBERS, &list));
	EXPECT_ERRNO(EFAULT, ioctl(self->a, KERNELTALK_IOC_MEMBERS, kt_bad_ptr()));
	list.reserved = 0;
	list.count = 2;
	list.members = (__u64)(uintptr_t)kt_bad_ptr();
	EXPECT_ERRNO(EFAULT, ioctl(self->a, KERNELTALK_IOC_MEMBERS, &list));
	/* nothing broke */
	ASSERT_EQ(0, members(self->a, &mb, NMAX));
	EXPECT_EQ(2, mb.list.count);
}

/* A named room lists the files of every node that joined it. */
KT_TEST_F(pair, members_of_named_room)
{
	struct kt_node other;
	char name[KERNELTALK_NAME_MAX];
	struct members mb;
	int c;

	kt_node_new(&other);
	c = kt_open(other.path, O_RDWR);
	kt_room_name(name, "members");
	kt_join(self->a, name);
	kt_join(c, name);
	ASSERT_EQ(0, members(c, &mb, NMAX));
	EXPECT_EQ(2, mb.list.total);
	EXPECT_EQ(KERNELTALK_MEMBER_SELF,
		  mb.info[1].flags & KERNELTALK_MEMBER_SELF);
	EXPECT_EQ(0, mb.info[0].flags & KERNELTALK_MEMBER_SELF);
	close(c);
}

/*
 * pid of an opener that exited and was reaped: 0, never a recycled
 * number.  The child opens the file and leaves it to a grandchild.
 */
struct hand_on {
	int pipefd[2];
	const char *path;
};

static void open_and_hand_on(void *p)
{
	struct hand_on *h = p;
	char c;
	pid_t pid;
	int fd;

	fd = kt_open(h->path, O_RDONLY);
	pid = fork();
	ASSERT_OK(pid);
	if (pid == 0) {
		close(h->pipefd[1]);
		if (read(h->pipefd[0], &c, 1) < 0)	/* until the case ends */
			_exit(1);
		close(fd);
		_exit(0);
	}
}

KT_TEST_F(pair, members_pid_of_gone_opener_is_zero)
{
	struct hand_on h = { .path = self->node.path };
	struct members mb;

	ASSERT_OK(pipe(h.pipefd));
	kt_join_child(kt_fork(open_and_hand_on, &h), 10000);	/* reaped */
	ASSERT_EQ(0, members(self->a, &mb, NMAX));
	ASSERT_EQ(3, mb.list.total);
	EXPECT_EQ(0, mb.info[2].pid);
	EXPECT_EQ(KERNELTALK_MEMBER_READER, mb.info[2].flags);
	EXPECT_EQ(getpid(), mb.info[0].pid);
	close(h.pipefd[1]);		/* let the grandchild go */
}

/* In a new user namespace, unmapped: every member's uid is the overflow uid. */
static void members_in_userns(void *p)
{
	struct members mb;

	ASSERT_OK(unshare(CLONE_NEWUSER));
	ASSERT_EQ(0, members(*(int *)p, &mb, NMAX));
	EXPECT_EQ(2, mb.list.count);
	EXPECT_EQ(65534, mb.info[0].uid);
	EXPECT_EQ(65534, mb.info[1].uid);
	EXPECT_EQ(getppid(), mb.info[0].pid);	/* same pid namespace */
}

KT_TEST_F(pair, members_ids_in_callers_namespaces)
{
	if (access("/proc/self/ns/user", F_OK))
		kt_skip("no user namespaces in this kernel");
	kt_join_child(kt_fork(members_in_userns, &self->a), 10000);
}
