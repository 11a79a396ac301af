// SPDX-License-Identifier: GPL-2.0
/*
 * Namespaces: the uid and pid of a message are translated into the
 * reader's user and pid namespace.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define KT_GROUP 50
#include "harness.h"

/* A pipe to say "ready" (or pass a pid) between processes of a case. */
struct kt_pipe {
	int fd[2];
};

static void pipe_open(struct kt_pipe *p)
{
	ASSERT_OK(pipe(p->fd));
}

static void pipe_send(struct kt_pipe *p, int v)
{
	ASSERT_EQ(sizeof(v), write(p->fd[1], &v, sizeof(v)));
}

static int pipe_recv(struct kt_pipe *p)
{
	int v = -1;

	ASSERT_EQ(sizeof(v), read(p->fd[0], &v, sizeof(v)));
	return v;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ASSERT_TRUE(f != NULL);
	ASSERT_TRUE(fputs(text, f) >= 0);
	ASSERT_EQ(0, fclose(f));
}

struct ns_reader {
	const char *path;
	const char *uid_map;	/* NULL: leave the new userns unmapped */
	struct kt_pipe ready, posted;
	pid_t poster;		/* pid of the outside poster */
};

/*
 * In a new user namespace: open a member (after unshare, so the file and
 * the reading task agree on the namespace), wait for the outside post and
 * check how its poster looks from here.
 */
static void userns_reader(void *p)
{
	struct ns_reader *r = p;
	struct kerneltalk_msg h;
	int fd;

	ASSERT_OK(unshare(CLONE_NEWUSER));
	if (r->uid_map)
		write_file("/proc/self/uid_map", r->uid_map);
	fd = kt_open(r->path, O_RDWR);
	kt_set_flags(fd, KERNELTALK_F_RECORDS);
	pipe_send(&r->ready, 1);
	pipe_recv(&r->posted);

	/* first: root's post from outside */
	ASSERT_EQ(KT_HDR + 4, kt_read_rec(fd, &h, NULL, 0));
	EXPECT_EQ(r->uid_map ? 500 : 65534, h.uid);
	EXPECT_EQ(r->poster, h.pid);		/* same pid namespace */
	/* second: uid 1000's post, unmapped here in both cases */
	ASSERT_EQ(KT_HDR + 4, kt_read_rec(fd, &h, NULL, 0));
	EXPECT_EQ(65534, h.uid);
	/* our own post: our euid is root outside */
	kt_post(fd, "from inside");
	ASSERT_EQ(KT_HDR + 11, kt_read_rec(fd, &h, NULL, 0));
	EXPECT_EQ(r->uid_map ? 500 : 65534, h.uid);
	EXPECT_EQ(KERNELTALK_MSG_OWN, h.flags);
}

/* uid 1000 posts through a file it opened itself: the stamp is 1000. */
static void post_as_1000(void *p)
{
	int fd;

	kt_drop_privileges(1000, 1000);
	fd = kt_open(p, O_WRONLY);
	kt_post(fd, "1000");
	close(fd);
}

static void run_userns_case(struct kt_fx_pair *self, const char *uid_map)
{
	struct ns_reader r = { .path = self->node.path, .uid_map = uid_map };
	struct kerneltalk_msg h;
	pid_t pid;

	if (access("/proc/self/ns/user", F_OK))
		kt_skip("no user namespaces in this kernel");
	pipe_open(&r.ready);
	pipe_open(&r.posted);
	r.poster = getpid();
	pid = kt_fork(userns_reader, &r);
	pipe_recv(&r.ready);
	kt_post(self->a, "root");
	kt_join_child(kt_fork(post_as_1000, self->node.path), 5000);
	pipe_send(&r.posted, 1);

	/* seen from the initial namespaces, the inside poster is root */
	kt_set_flags(self->b, KERNELTALK_F_RECORDS);
	ASSERT_EQ(KT_HDR + 4, kt_read_rec(self->b, &h, NULL, 0));
	EXPECT_EQ(0, h.uid);
	ASSERT_EQ(KT_HDR + 4, kt_read_rec(self->b, &h, NULL, 0));
	EXPECT_EQ(1000, h.uid);
	/* read before reaping the poster: a reaped poster's pid reads as 0 */
	ASSERT_EQ(KT_HDR + 11, kt_read_rec(self->b, &h, NULL, 0));
	kt_join_child(pid, 10000);
	EXPECT_EQ(0, h.uid);
	EXPECT_EQ(pid, h.pid);
}

/* Unmapped: every outside uid reads as the overflow uid 65534. */
KT_TEST_F(pair, userns_unmapped_uid_is_overflow)
{
	run_userns_case(self, NULL);
}

/* Mapped "500 0 1": root outside reads as 500 inside. */
KT_TEST_F(pair, userns_mapped_uid_translated)
{
	run_userns_case(self, "500 0 1\n");
}

struct ns_pid {
	const char *path;
	struct kt_pipe ready, posted, child_pid, read_out;
	pid_t poster;
};

/* pid 1 of a new pid namespace */
static void pidns_init(struct ns_pid *n)
{
	struct kerneltalk_msg h;
	int fd;

	EXPECT_EQ(1, getpid());
	fd = kt_open(n->path, O_RDWR);
	kt_set_flags(fd, KERNELTALK_F_RECORDS);
	pipe_send(&n->ready, 1);
	pipe_recv(&n->posted);
	/* the outside poster is not visible here */
	ASSERT_EQ(KT_HDR + 7, kt_read_rec(fd, &h, NULL, 0));
	EXPECT_EQ(0, h.pid);
	EXPECT_EQ(0, h.uid);		/* same user namespace */
	/* our own post carries our pid as seen here */
	kt_post(fd, "inside");
	ASSERT_EQ(KT_HDR + 6, kt_read_rec(fd, &h, NULL, 0));
	EXPECT_EQ(1, h.pid);
	EXPECT_EQ(KERNELTALK_MSG_OWN, h.flags);
	/* stay alive until read outside: a reaped poster's pid reads as 0 */
	pipe_recv(&n->read_out);
}

static void pidns_parent(void *p)
{
	struct ns_pid *n = p;
	pid_t pid;
	int st;

	ASSERT_OK(unshare(CLONE_NEWPID));
	pid = fork();		/* the child is pid 1 of the new namespace */
	ASSERT_OK(pid);
	if (pid == 0) {
		pidns_init(n);
		_exit(0);
	}
	pipe_send(&n->child_pid, pid);	/* its pid out here */
	st = kt_wait(pid, 15000);
	EXPECT_EQ(0, st);
}

KT_TEST_F(pair, pidns_translation)
{
	struct ns_pid n = { .path = self->node.path };
	struct kerneltalk_msg h;
	pid_t outer, inner;

	if (access("/proc/self/ns/pid", F_OK))
		kt_skip("no pid namespaces in this kernel");
	pipe_open(&n.ready);
	pipe_open(&n.posted);
	pipe_open(&n.child_pid);
	pipe_open(&n.read_out);
	outer = kt_fork(pidns_parent, &n);
	inner = pipe_recv(&n.child_pid);
	pipe_recv(&n.ready);
	kt_post(self->a, "outside");
	pipe_send(&n.posted, 1);

	/* from out here the inside poster has its outer pid */
	kt_set_flags(self->b, KERNELTALK_F_RECORDS);
	ASSERT_EQ(KT_HDR + 7, kt_read_rec(self->b, &h, NULL, 0));
	EXPECT_EQ(getpid(), h.pid);
	ASSERT_EQ(KT_HDR + 6, kt_read_rec(self->b, &h, NULL, 0));
	EXPECT_EQ(inner, h.pid);
	EXPECT_NE(1, h.pid);
	pipe_send(&n.read_out, 1);
	kt_join_child(outer, 15000);
}

/*
 * A poster that has exited and been reaped reads as pid 0: its number may
 * belong to another process by now.  Nothing dangles.
 */
static void post_and_exit(void *p)
{
	kt_post(*(int *)p, "gone");
}

KT_TEST_F(pair, poster_exited_before_read)
{
	struct kerneltalk_msg h;
	pid_t pid;

	kt_set_flags(self->b, KERNELTALK_F_RECORDS);
	pid = kt_fork(post_and_exit, &self->a);
	kt_join_child(pid, 5000);
	ASSERT_EQ(KT_HDR + 4, kt_read_rec(self->b, &h, NULL, 0));
	EXPECT_EQ(0, h.pid);
	EXPECT_EQ(0, h.uid);
}

/* ---- isolation: named rooms are per user namespace ------------------------ */

/*
 * Become root of a new user namespace (mapped to root outside) with an IPC
 * namespace of its own, as a container is.
 */
static void enter_container(void)
{
	ASSERT_OK(unshare(CLONE_NEWUSER | CLONE_NEWIPC));
	write_file("/proc/self/uid_map", "0 0 1\n");
	write_file("/proc/self/setgroups", "deny\n");
	write_file("/proc/self/gid_map", "0 0 1\n");
}

struct ns_rooms {
	const char *path;
	char host[KERNELTALK_NAME_MAX];		/* a host room with a post */
	char secret[KERNELTALK_NAME_MAX];	/* a host room of mode 0600 */
	char inside[KERNELTALK_NAME_MAX];	/* made inside */
	int host_fd;				/* opened outside, inherited */
};

static void container_rooms(void *p)
{
	struct ns_rooms *r = p;
	struct kerneltalk_room_spec spec;
	struct kerneltalk_room_info info;
	char line[256];
	int fd;

	enter_container();
	fd = kt_open(r->path, O_RDWR);	/* opened in the container */

	/* the host's room by name: a different, empty room of our own */
	kt_join(fd, r->host);
	kt_info(fd, &info);
	EXPECT_STREQ(r->host, info.name);
	EXPECT_EQ(1, info.members);
	EXPECT_EQ(0, info.posted);
	/* CREATE does not collide with the host's name either */
	memset(&spec, 0, sizeof(spec));
	strcpy(spec.name, r->secret);
	spec.mode = 0600;
	EXPECT_EQ(0, ioctl(fd, KERNELTALK_IOC_CREATE, &spec));
	kt_info(fd, &info);
	EXPECT_EQ(0, info.posted);
	kt_post(fd, "kept");		/* keeps it when we move on */
	kt_create(fd, r->inside, 0600);
	kt_post(fd, "inside");

	/* /proc/kerneltalk lists our named rooms, none of the host's */
	EXPECT_TRUE(kt_proc_line_name(r->inside, line, sizeof(line)));
	EXPECT_TRUE(kt_proc_line_name(r->secret, line, sizeof(line)));
	EXPECT_EQ(2, kt_proc_rooms());

	/* a descriptor the host opened shares the host's rooms on purpose */
	kt_join(r->host_fd, r->host);
	kt_info(r->host_fd, &info);
	EXPECT_EQ(1, info.posted);
	EXPECT_EQ(2, info.members);
	/* with the rights of its opener, host root */
	EXPECT_EQ(0, ioctl(r->host_fd, KERNELTALK_IOC_JOIN, r->secret));
	close(fd);
}

KT_TEST_F(pair, userns_named_rooms_are_separate)
{
	struct ns_rooms r = { .path = self->node.path };
	struct kerneltalk_room_info info;
	char line[256];

	if (access("/proc/self/ns/user", F_OK))
		kt_skip("no user namespaces in this kernel");
	kt_room_name(r.host, "host");
	kt_room_name(r.secret, "secret");
	kt_room_name(r.inside, "inside");
	kt_join(self->a, r.host);
	kt_post(self->a, "host only");
	kt_create(self->b, r.secret, 0600);
	r.host_fd = kt_open(self->node.path, O_RDWR);
	kt_join_child(kt_fork(container_rooms, &r), 15000);

	/* nothing of the container's leaked into the host's rooms */
	kt_info(self->a, &info);
	EXPECT_EQ(1, info.posted);
	EXPECT_EQ(1, info.members);
	kt_info(self->b, &info);
	EXPECT_EQ(0, info.posted);
	/* and the host does not list (or find) the container's rooms */
	EXPECT_FALSE(kt_proc_line_name(r.inside, line, sizeof(line)));
	kt_join(self->a, r.inside);
	kt_info(self->a, &info);
	EXPECT_EQ(0, info.posted);
	EXPECT_EQ(1, info.members);
}

/* The node itself is shared: its default room is one room for both sides. */
static void container_default_room(void *p)
{
	struct kerneltalk_room_info info;
	char buf[32];
	int fd;

	enter_container();
	fd = kt_open(p, O_RDWR);
	kt_info(fd, &info);
	EXPECT_STREQ("", info.name);
	EXPECT_EQ(3, info.members);
	EXPECT_EQ(0, lseek(fd, 0, SEEK_SET));
	kt_read_str(fd, buf, sizeof(buf));
	EXPECT_STREQ("via the node", buf);
	/* but it is not listed: the node's file system is not ours */
	EXPECT_EQ(0, kt_proc_rooms());
	close(fd);
}

KT_TEST_F(pair, userns_default_room_shared_through_node)
{
	if (access("/proc/self/ns/user", F_OK))
		kt_skip("no user namespaces in this kernel");
	kt_post(self->a, "via the node");
	kt_join_child(kt_fork(container_default_room, self->node.path), 15000);
}

/* Root of a container is not root over the host's rooms. */
static void container_root_no_admin(void *p)
{
	__u32 policy = KERNELTALK_POLICY_OVERWRITE;
	struct kerneltalk_room_access acc = { 0 };
	struct kerneltalk_room_settings settings = { 0 };
	int fd = *(int *)p;

	enter_container();
	acc.mode = 0666;
	EXPECT_ERRNO(EPERM, ioctl(fd, KERNELTALK_IOC_SET_ACCESS, &acc));
	EXPECT_ERRNO(EPERM, ioctl(fd, KERNELTALK_IOC_SET_POLICY, &policy));
	EXPECT_ERRNO(EPERM, ioctl(fd, KERNELTALK_IOC_SET_SETTINGS, &settings));
}

KT_TEST_F(pair, userns_root_cannot_change_host_rooms)
{
	char name[KERNELTALK_NAME_MAX];

	if (access("/proc/self/ns/user", F_OK))
		kt_skip("no user namespaces in this kernel");
	kt_room_name(name, "not-yours");
	kt_create(self->a, name, 0644);
	kt_set_access(self->a, 1000, 1000, 0644);
	kt_join(self->b, name);
	kt_join_child(kt_fork(container_root_no_admin, &self->b), 15000);
}
