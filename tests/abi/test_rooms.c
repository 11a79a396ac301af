// SPDX-License-Identifier: GPL-2.0
/*
 * Rooms: one per device node, named rooms through JOIN, rooms outliving
 * their members, /proc/kerneltalk, max_rooms, deleted nodes, shared fds.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define KT_GROUP 40
#include "harness.h"

/* ---- default rooms: one per node ----------------------------------------------- */

/* A second node of the same device is a different room. */
KT_TEST_F(pair, node_second_mknod_is_separate_room)
{
	struct kerneltalk_room_info info;
	struct kt_node other;
	char buf[32];
	int c;

	kt_node_new(&other);
	c = kt_open(other.path, O_RDWR);
	kt_post(self->a, "node one");
	EXPECT_TRUE(kt_nothing_to_read(c));
	kt_post(c, "node two");
	kt_read_str(self->b, buf, sizeof(buf));
	EXPECT_STREQ("node one", buf);
	EXPECT_TRUE(kt_nothing_to_read(self->b));
	kt_info(c, &info);
	EXPECT_EQ(1, info.members);
	EXPECT_EQ(1, info.posted);
}

/* The same node opened twice, through a hard link or a symlink: one room. */
KT_TEST_F(pair, node_links_share_the_room)
{
	struct kerneltalk_room_info info;
	char hard[160], sym[160], buf[32];
	int h, s;

	snprintf(hard, sizeof(hard), "%s.hard", self->node.path);
	snprintf(sym, sizeof(sym), "%s.sym", self->node.path);
	ASSERT_OK(link(self->node.path, hard));
	ASSERT_OK(symlink(self->node.path, sym));
	h = open(hard, O_RDWR);
	s = open(sym, O_RDWR);
	unlink(hard);		/* the node itself stays (nlink 2 -> 1) */
	unlink(sym);
	ASSERT_OK(h);
	ASSERT_OK(s);
	kt_info(self->a, &info);
	EXPECT_EQ(4, info.members);
	kt_post(h, "via hard link");
	kt_read_str(self->a, buf, sizeof(buf));
	EXPECT_STREQ("via hard link", buf);
	kt_read_str(s, buf, sizeof(buf));
	EXPECT_STREQ("via hard link", buf);
}

/* ---- named rooms -------------------------------------------------------------- */

/* One namespace of names, whatever node was opened. */
KT_TEST_F(pair, join_named_room_across_nodes)
{
	struct kerneltalk_room_info info;
	char name[KERNELTALK_NAME_MAX], buf[32];
	struct kt_node other;
	int c, d;

	kt_node_new(&other);
	c = kt_open(other.path, O_RDWR);
	d = kt_open(kt_dev_path, O_RDWR);
	kt_room_name(name, "across");
	kt_join(self->a, name);
	kt_join(c, name);
	kt_join(d, name);
	kt_post(self->a, "hello room");
	kt_read_str(c, buf, sizeof(buf));
	EXPECT_STREQ("hello room", buf);
	kt_read_str(d, buf, sizeof(buf));
	EXPECT_STREQ("hello room", buf);
	/* b stayed in the node's default room */
	EXPECT_TRUE(kt_nothing_to_read(self->b));
	kt_info(c, &info);
	EXPECT_STREQ(name, info.name);
	EXPECT_EQ(3, info.members);
	EXPECT_EQ(1, info.posted);
	kt_info(self->b, &info);
	EXPECT_EQ(1, info.members);
	EXPECT_EQ(0, info.posted);
}

/* "" goes back to the node's default room. */
KT_TEST_F(pair, join_empty_name_returns_to_default_room)
{
	struct kerneltalk_room_info info;
	char name[KERNELTALK_NAME_MAX], buf[32];

	kt_room_name(name, "back");
	kt_join(self->a, name);
	kt_info(self->a, &info);
	EXPECT_STREQ(name, info.name);
	kt_join(self->a, "");
	kt_info(self->a, &info);
	EXPECT_EQ('\0', info.name[0]);
	EXPECT_EQ(2, info.members);
	kt_post(self->b, "home");
	kt_read_str(self->a, buf, sizeof(buf));
	EXPECT_STREQ("home", buf);
}

static int join_raw(int fd, const char *bytes, size_t n)
{
	char buf[KERNELTALK_NAME_MAX];

	memset(buf, 0, sizeof(buf));
	memcpy(buf, bytes, n);
	return ioctl(fd, KERNELTALK_IOC_JOIN, buf);
}

KT_TEST_F(pair, join_bad_names_einval)
{
	static const char *const bad[] = {
		"a b", "a/b", "/", "room!", "tab\there", "new\nline",
		"\xc3\xa9t\xc3\xa9", "semi;colon", "star*", "~home",
		/* Latin-1 letters: alphanumeric to the kernel's ctype */
		"caf\xe9", "\xc0\xc1", "x\xff",
	};
	struct kerneltalk_room_info info;
	char name[KERNELTALK_NAME_MAX];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char shown[64];
		int r = join_raw(self->a, bad[i], strlen(bad[i]));
		size_t j, n = 0;

		if (r == -1 && errno == EINVAL)
			continue;
		for (j = 0; bad[i][j] && n < sizeof(shown) - 5; j++)
			n += snprintf(shown + n, sizeof(shown) - n,
				      isprint((unsigned char)bad[i][j]) ?
				      "%c" : "\\x%02x",
				      (unsigned char)bad[i][j]);
		kt_fail(__FILE__, __LINE__,
			"JOIN \"%s\": expected -1/EINVAL, got %d/%s", shown,
			r, r ? kt_errname(errno) : "no error");
		kt_join(self->a, "");		/* back for the checks below */
	}
	/* 32 name characters: no NUL within KERNELTALK_NAME_MAX */
	memset(name, 'a', sizeof(name));
	EXPECT_ERRNO(EINVAL, ioctl(self->a, KERNELTALK_IOC_JOIN, name));
	/* still in the default room */
	kt_info(self->a, &info);
	EXPECT_EQ('\0', info.name[0]);
	EXPECT_EQ(2, info.members);
}

KT_TEST_F(pair, join_good_names)
{
	struct kerneltalk_room_info info;
	char name[KERNELTALK_NAME_MAX];

	/* 31 characters and the NUL: the longest name */
	snprintf(name, sizeof(name), "abi-%d-", getpid());
	memset(name + strlen(name), 'L', sizeof(name) - 1 - strlen(name));
	name[sizeof(name) - 1] = '\0';
	ASSERT_EQ(31, strlen(name));
	EXPECT_EQ(0, join_raw(self->a, name, sizeof(name)));
	kt_info(self->a, &info);
	EXPECT_STREQ(name, info.name);

	kt_room_name(name, "A.b_c-9");
	EXPECT_EQ(0, join_raw(self->a, name, strlen(name)));
	kt_info(self->a, &info);
	EXPECT_STREQ(name, info.name);
	/* bytes after the NUL do not matter */
	EXPECT_EQ(0, join_raw(self->b, name, strlen(name) + 1));
	kt_info(self->b, &info);
	EXPECT_EQ(2, info.members);
}

/* Joining starts at the end; rejoining the same room moves to the end. */
KT_TEST_F(pair, join_cursor_starts_at_end)
{
	char name[KERNELTALK_NAME_MAX], buf[32];

	kt_room_name(name, "cursor");
	kt_join(self->a, name);
	kt_post(self->a, "before b");
	kt_join(self->b, name);
	EXPECT_TRUE(kt_nothing_to_read(self->b));
	kt_post(self->a, "after b");
	kt_join(self->b, name);			/* rejoin: skips "after b" */
	EXPECT_TRUE(kt_nothing_to_read(self->b));
	EXPECT_EQ(0, lseek(self->b, 0, SEEK_SET));
	kt_read_str(self->b, buf, sizeof(buf));
	EXPECT_STREQ("before b", buf);
}

/* ---- rooms outlive their members -------------------------------------------- */

KT_TEST(room_keeps_messages_after_last_member)
{
	struct kt_node node;
	char buf[32];
	int fd;

	kt_node_new(&node);
	fd = kt_open(node.path, O_WRONLY);
	kt_post(fd, "send now");
	close(fd);
	fd = kt_open(node.path, O_RDONLY);
	EXPECT_TRUE(kt_nothing_to_read(fd));
	EXPECT_EQ(0, lseek(fd, 0, SEEK_SET));
	kt_read_str(fd, buf, sizeof(buf));
	EXPECT_STREQ("send now", buf);
}

KT_TEST(named_room_keeps_messages_after_last_member)
{
	struct kerneltalk_room_info info;
	char name[KERNELTALK_NAME_MAX], buf[32];
	int fd;

	kt_room_name(name, "later");
	fd = kt_open(kt_dev_path, O_WRONLY);
	kt_join(fd, name);
	kt_post(fd, "read later");
	close(fd);
	fd = kt_open(kt_dev_path, O_RDONLY);
	kt_join(fd, name);
	kt_info(fd, &info);
	EXPECT_EQ(1, info.members);
	EXPECT_EQ(1, info.posted);
	EXPECT_EQ(0, lseek(fd, 0, SEEK_SET));
	kt_read_str(fd, buf, sizeof(buf));
	EXPECT_STREQ("read later", buf);
}

/* ---- /proc/kerneltalk ---------------------------------------------------------- */

KT_TEST_F(pair, proc_lists_node_room)
{
	char line[256], want[256], where[128], header[256] = "";
	struct stat st;
	FILE *f;

	kt_post(self->a, "hello");
	kt_post(self->a, "hi");
	ASSERT_OK(stat(self->node.path, &st));
	/* name "-", the node's filesystem device and inode */
	snprintf(where, sizeof(where), "- %u:%u %lu", major(st.st_dev),
		 minor(st.st_dev), (unsigned long)st.st_ino);

	kt_set_policy(self->a, KERNELTALK_POLICY_BLOCK);
	/* no owner, group or mode: a default room's are its node's */
	snprintf(want, sizeof(want), "%s 2 block 2 %u 2 0 - - - %ld", where,
		 kt_ring_base() + kt_cost(5) + kt_cost(2), kt_param("stall_ms"));
	ASSERT_TRUE(kt_proc_line_node(self->node.path, line, sizeof(line)));
	EXPECT_STREQ(want, line);

	kt_set_policy(self->a, KERNELTALK_POLICY_OVERWRITE);
	kt_set_room_stall(self->a, 250);
	snprintf(want, sizeof(want), "%s 2 overwrite 2 %u 2 0 - - - 250", where,
		 kt_ring_base() + kt_cost(5) + kt_cost(2));
	ASSERT_TRUE(kt_proc_line_node(self->node.path, line, sizeof(line)));
	EXPECT_STREQ(want, line);

	f = fopen("/proc/kerneltalk", "r");
	ASSERT_TRUE(f != NULL);
	ASSERT_TRUE(fgets(header, sizeof(header), f) != NULL);
	fclose(f);
	/* a header naming the columns, not a room */
	EXPECT_STREQ("name device inode members policy messages used posted dropped owner group mode stall_ms\n",
		     header);
}

KT_TEST_F(pair, proc_lists_named_room)
{
	char name[KERNELTALK_NAME_MAX], line[256], want[256];

	kt_room_name(name, "listed");
	kt_join(self->a, name);
	kt_join(self->b, name);
	kt_set_policy(self->a, KERNELTALK_POLICY_OVERWRITE);
	kt_post(self->a, "123");
	/* JOIN made it: root's, mode room_mode */
	snprintf(want, sizeof(want), "%s - - 2 overwrite 1 %u 1 0 0 0 %04lo %ld",
		 name, kt_ring_base() + kt_cost(3), kt_param("room_mode"),
		 kt_param("stall_ms"));
	ASSERT_TRUE(kt_proc_line_name(name, line, sizeof(line)));
	EXPECT_STREQ(want, line);
	EXPECT_EQ(0, close(self->b));
	kt_set_access(self->a, 1000, 1001, 0640);
	kt_set_room_stall(self->a, 0);
	snprintf(want, sizeof(want), "%s - - 1 overwrite 1 %u 1 0 1000 1001 0640 0",
		 name, kt_ring_base() + kt_cost(3));
	ASSERT_TRUE(kt_proc_line_name(name, line, sizeof(line)));
	EXPECT_STREQ(want, line);
}

static void proc_as_nobody(void *p)
{
	char line[256];

	kt_drop_privileges(65534, 65534);
	ASSERT_TRUE(kt_proc_rooms() >= 1);
	EXPECT_TRUE(kt_proc_line_name(p, line, sizeof(line)));
}

KT_TEST_F(pair, proc_readable_without_root)
{
	char name[KERNELTALK_NAME_MAX];
	struct stat st;

	ASSERT_OK(stat("/proc/kerneltalk", &st));
	EXPECT_EQ(0444, st.st_mode & 07777);
	kt_room_name(name, "public");
	kt_join(self->a, name);
	kt_join_child(kt_fork(proc_as_nobody, name), 10000);
}

/* ---- max_rooms ------------------------------------------------------------------- */

/*
 * Fill the room table with default rooms of fresh nodes (they go away
 * with their nodes), then: a new room is -ENOSPC from open() and from
 * JOIN; existing rooms still work; after closing, rooms can be made again.
 */
static char **full_paths;
static int full_n;

static void remove_full_nodes(void *unused)
{
	int i;

	(void)unused;
	for (i = 0; i < full_n; i++)
		kt_node_remove(full_paths[i]);
}

KT_TEST_T(enospc_past_max_rooms, 300)
{
	long max_rooms = kt_param("max_rooms");
	char name[KERNELTALK_NAME_MAX], line[256];
	struct kerneltalk_room_info info;
	struct rlimit rl;
	struct kt_node base;
	struct stat st;
	int *fds, joined, extra, i, err = 0;

	ASSERT_TRUE(max_rooms > 0);
	kt_max_msg();		/* cache the limits before the table is full */
	rl.rlim_cur = rl.rlim_max = max_rooms + 256;
	ASSERT_OK(setrlimit(RLIMIT_NOFILE, &rl));
	kt_node_new(&base);
	ASSERT_OK(stat(kt_dev_path, &st));
	full_paths = calloc(max_rooms + 2, sizeof(*full_paths));
	fds = calloc(max_rooms + 2, sizeof(*fds));
	ASSERT_TRUE(full_paths && fds);
	kt_defer(remove_full_nodes, NULL);

	/* a named room made first: joining it must still work when full */
	joined = kt_open(base.path, O_RDWR);
	kt_room_name(name, "full");
	kt_join(joined, name);

	for (i = 0; i <= max_rooms; i++) {
		if (asprintf(&full_paths[i], "%s.%d", base.path, i) < 0)
			kt_abort();
		ASSERT_OK(mknod(full_paths[i], S_IFCHR | 0666, st.st_rdev));
		full_n = i + 1;
		fds[i] = open(full_paths[i], O_RDWR);
		if (fds[i] < 0) {
			err = errno;
			break;
		}
	}
	ASSERT_EQ(ENOSPC, err);
	/* it refused exactly when max_rooms rooms existed */
	EXPECT_EQ(max_rooms, kt_proc_rooms());
	EXPECT_FALSE(kt_proc_line_node(full_paths[i], line, sizeof(line)));

	/*
	 * JOIN of a new name from a room that stays (another member holds
	 * it): ENOSPC, and the file stays where it was
	 */
	extra = kt_open(full_paths[0], O_RDWR);
	kt_room_name(name, "one-too-many");
	EXPECT_ERRNO(ENOSPC, ioctl(fds[0], KERNELTALK_IOC_JOIN, name));
	kt_info(fds[0], &info);
	EXPECT_EQ('\0', info.name[0]);
	EXPECT_EQ(2, info.members);
	close(extra);
	/* from a room it frees by leaving: fine, the count stays */
	kt_join(fds[3], name);
	EXPECT_EQ(max_rooms, kt_proc_rooms());
	EXPECT_FALSE(kt_proc_line_node(full_paths[3], line, sizeof(line)));

	/* rooms that exist can still be opened and joined */
	close(kt_open(full_paths[0], O_RDWR));
	kt_room_name(name, "full");
	kt_join(fds[1], name);
	kt_info(joined, &info);
	EXPECT_EQ(2, info.members);

	/* free one room: a new one can be made again */
	kt_node_remove(full_paths[2]);
	close(fds[2]);
	close(kt_open(full_paths[i], O_RDWR));
}

/* ---- deleted nodes and shared files --------------------------------------------- */

KT_TEST_F(pair, deleted_node_keeps_working)
{
	struct kerneltalk_room_info info;
	char buf[32], name[KERNELTALK_NAME_MAX];

	ASSERT_OK(unlink(self->node.path));
	kt_post(self->a, "after unlink");
	kt_read_str(self->b, buf, sizeof(buf));
	EXPECT_STREQ("after unlink", buf);
	kt_info(self->a, &info);
	EXPECT_EQ(2, info.members);
	/* leave for a named room and come back to the (deleted) node's room */
	kt_room_name(name, "detour");
	kt_join(self->a, name);
	kt_join(self->a, "");
	kt_info(self->a, &info);
	EXPECT_EQ(2, info.members);
	kt_post(self->b, "still here");
	kt_read_str(self->a, buf, sizeof(buf));
	EXPECT_STREQ("still here", buf);
}

/* The room of a deleted node goes away with its last member. */
KT_TEST_F(pair, deleted_node_room_freed_at_last_close)
{
	char line[256];
	struct stat st;
	int rooms;

	kt_post(self->a, "soon gone");
	ASSERT_OK(stat(self->node.path, &st));
	rooms = kt_proc_rooms();
	ASSERT_OK(unlink(self->node.path));
	EXPECT_TRUE(kt_proc_line_ino(st.st_dev, st.st_ino, line, sizeof(line)));
	close(self->a);
	EXPECT_TRUE(kt_proc_line_ino(st.st_dev, st.st_ino, line, sizeof(line)));
	close(self->b);
	EXPECT_FALSE(kt_proc_line_ino(st.st_dev, st.st_ino, line, sizeof(line)));
	EXPECT_EQ(rooms - 1, kt_proc_rooms());
}

/*
 * A node deleted while its room has no member but keeps messages: nobody
 * can reach that room again, so it must not stay behind taking a slot.
 * (Checked after an open/close elsewhere, a chance to notice.)
 */
KT_TEST(deleted_node_without_members_keeps_its_room)
{
	struct kt_node node, other;
	char line[256];
	struct stat st;
	int fd;

	/*
	 * No driver hears of an unlink, so a node deleted while nobody has
	 * it open keeps its room (listed, counted in max_rooms) until the
	 * module is unloaded; a room with open members is freed at the last
	 * close (deleted_node_room_freed_at_last_close).  Its messages never
	 * reach a new node: rooms are keyed by device, inode and generation.
	 */
	kt_node_new(&node);
	kt_node_new(&other);
	fd = kt_open(node.path, O_WRONLY);
	kt_post(fd, "orphan");
	close(fd);
	ASSERT_OK(stat(node.path, &st));
	ASSERT_OK(unlink(node.path));
	fd = kt_open(other.path, O_RDONLY);
	EXPECT_TRUE(kt_proc_line_ino(st.st_dev, st.st_ino, line, sizeof(line)));
	EXPECT_EQ(0, lseek(fd, 0, SEEK_SET));
	EXPECT_TRUE(kt_nothing_to_read(fd));
	close(fd);
}

static void post_and_close(void *p)
{
	int fd = *(int *)p;

	kt_post(fd, "from the child");
	EXPECT_EQ(0, close(fd));
}

/* One holder of a fork-shared file closing leaves the other one working. */
KT_TEST_F(pair, fork_shared_fd_survives_one_close)
{
	struct kerneltalk_room_info info;
	char buf[32];

	kt_join_child(kt_fork(post_and_close, &self->a), 5000);
	kt_info(self->a, &info);
	EXPECT_EQ(2, info.members);
	kt_read_str(self->a, buf, sizeof(buf));
	EXPECT_STREQ("from the child", buf);
	kt_post(self->a, "parent");
	kt_read_str(self->b, buf, sizeof(buf));
	EXPECT_STREQ("from the child", buf);
	kt_read_str(self->b, buf, sizeof(buf));
	EXPECT_STREQ("parent", buf);
}
