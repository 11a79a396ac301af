/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * KernelTalk: a chat device for processes on one machine.
 *
 * Every open file of /dev/kerneltalk is a member of one room.  write()
 * posts one message (1..max_msg bytes, atomically), read() returns
 * messages posted after the member joined, in order, without loss
 * (or, under KERNELTALK_POLICY_OVERWRITE, with every loss reported).
 *
 * Stream mode (default): read() returns bytes of at most one message; a
 * short buffer gets part of it and later reads get the rest.  A member
 * that was overrun gets -EPIPE once and then continues at the oldest
 * retained message.
 *
 * Record mode (KERNELTALK_F_RECORDS): each read() returns one
 * struct kerneltalk_msg followed by the whole payload, i.e.
 * sizeof(struct kerneltalk_msg) + len bytes.  A buffer too small for
 * that gets -EMSGSIZE and the message stays unread.
 *
 * Rooms: open() joins the default room of the device node opened (every
 * node is a room of its own, with the node's access).  Named rooms
 * (KERNELTALK_IOC_JOIN, KERNELTALK_IOC_CREATE) have an owner, a group and
 * permission bits, and their names are per user namespace: the one the
 * file was opened in.  A process in another user namespace neither finds
 * nor lists them unless it is handed a file opened outside.
 *
 * KERNELTALK_POLICY_BLOCK is lossless for every reader that keeps
 * reading: a post waits (or fails -EAGAIN under O_NONBLOCK) while a reader
 * still needs the space, except a reader that has held it back for the
 * module parameter stall_ms without reading (0: no bound), which is
 * overrun and told as under OVERWRITE.  A file that has never read is
 * not held back by its own unread echo: its posts overwrite it instead,
 * reported as lost.
 *
 * lseek(fd, 0, SEEK_SET) moves the member to the oldest retained
 * message, lseek(fd, 0, SEEK_END) past the newest; anything else is
 * -EINVAL.  Only a file open for reading ever receives, and it joined a
 * named room only with read permission: history is for readers alone.
 *
 * poll(): EPOLLIN|EPOLLRDNORM when a message (or a pending -EPIPE) is
 * readable, EPOLLOUT|EPOLLWRNORM when a post of max_msg bytes would not
 * wait, EPOLLERR|EPOLLPRI while the member has been overrun.  A file
 * reports only the directions it was opened for.
 *
 * The layout below is ABI: fixed-width types only, no implicit padding.
 * User space may depend on it.
 */
#ifndef _UAPI_LINUX_KERNELTALK_H
#define _UAPI_LINUX_KERNELTALK_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Room names: 1..31 characters of [A-Za-z0-9._-], NUL-terminated. */
#define KERNELTALK_NAME_MAX	32
#define KERNELTALK_COMM_LEN	16

/* Per-file flags (KERNELTALK_IOC_SET_FLAGS / KERNELTALK_IOC_GET_FLAGS). */
#define KERNELTALK_F_RECORDS	0x1U	/* read() returns records */
#define KERNELTALK_F_NOECHO	0x2U	/* skip own messages */
#define KERNELTALK_F_ALL	(KERNELTALK_F_RECORDS | KERNELTALK_F_NOECHO)
#define KERNELTALK_F_BATCH 0x4U
#define KERNELTALK_RECORD_ALIGN 8

/* Room flow-control policies (KERNELTALK_IOC_SET_POLICY). */
#define KERNELTALK_POLICY_BLOCK		0	/* lossless: posts wait */
#define KERNELTALK_POLICY_OVERWRITE	1	/* oldest messages go */

/* struct kerneltalk_msg.flags */
#define KERNELTALK_MSG_OWN	0x1U	/* posted through this file */

/**
 * struct kerneltalk_msg - header of one message in record mode
 * @seq:	room-wide sequence number, starting at 1
 * @time_ns:	CLOCK_REALTIME of the post, in nanoseconds
 * @len:	payload bytes following this header
 * @uid:	effective uid the posting file was opened with (not the
 *		writer's: a descriptor handed on posts as its opener), in
 *		the reader's user namespace (the overflow uid, 65534, when
 *		unmapped there)
 * @pid:	poster's thread-group id in the reader's pid namespace
 *		(0 when the poster is not visible there, or has exited and
 *		been reaped: its number may belong to another process now)
 * @flags:	KERNELTALK_MSG_* bits
 * @lost:	messages this member lost to overwriting just before this one
 * @comm:	poster's process name (its main thread's comm), NUL-terminated
 */
struct kerneltalk_msg {
	__u64 seq;
	__u64 time_ns;
	__u32 len;
	__u32 uid;
	__u32 pid;
	__u32 flags;
	__u64 lost;
	char comm[KERNELTALK_COMM_LEN];
};

/**
 * struct kerneltalk_room_info - state of the caller's room
 * @name:	room name, "" for the device node's default room
 * @members:	open files in the room (a file shared by fork counts once)
 * @policy:	KERNELTALK_POLICY_*
 * @capacity:	bytes of kernel memory the room may hold (module parameter)
 * @used:	bytes of kernel memory the room holds now, bounded by
 *		@capacity: its slot array (from the first post), every
 *		retained message as the allocator sized it (the kernel's
 *		record and the payload, rounded up; more than
 *		sizeof(struct kerneltalk_msg) + len), and every recycled
 *		message a reader is still in the middle of (at most one per
 *		reading file)
 * @max_msg:	largest payload one write() may post
 * @reserved:	zero
 * @first_seq:	sequence number of the oldest retained message
 *		(equal to @next_seq when none is retained)
 * @next_seq:	sequence number the next message will get
 * @posted:	messages ever posted to the room
 * @dropped:	messages overwritten before every reading member read them
 */
struct kerneltalk_room_info {
	char name[KERNELTALK_NAME_MAX];
	__u32 members;
	__u32 policy;
	__u32 capacity;
	__u32 used;
	__u32 max_msg;
	__u32 reserved;
	__u64 first_seq;
	__u64 next_seq;
	__u64 posted;
	__u64 dropped;
};

/* struct kerneltalk_room_spec.mode and struct kerneltalk_room_access.mode */
#define KERNELTALK_MODE_MASK	0777U

/**
 * struct kerneltalk_room_spec - a named room to create (KERNELTALK_IOC_CREATE)
 * @name:	room name, as for KERNELTALK_IOC_JOIN ("" is -EINVAL)
 * @mode:	permission bits of the room, within KERNELTALK_MODE_MASK
 * @flags:	none defined yet: must be zero
 * @reserved:	must be zero
 */
struct kerneltalk_room_spec {
	char name[KERNELTALK_NAME_MAX];
	__u32 mode;
	__u32 flags;
	__u64 reserved[3];
};

/**
 * struct kerneltalk_room_access - owner, group and mode of the caller's room
 * @uid:	owner, in the caller's user namespace (GET_ACCESS: the overflow
 *		uid, 65534, when unmapped there)
 * @gid:	group, likewise (overflow gid when unmapped)
 * @mode:	permission bits, within KERNELTALK_MODE_MASK
 * @reserved:	must be zero (SET_ACCESS), zero (GET_ACCESS)
 *
 * The owner's bits apply when the file's opener has the owner's effective
 * uid, the group's when it has the group as effective or supplementary
 * group, the others' otherwise; read permission lets a member receive and
 * seek the room's history, write permission lets it post.
 */
struct kerneltalk_room_access {
	__u32 uid;
	__u32 gid;
	__u32 mode;
	__u32 reserved;
};

/* struct kerneltalk_member_info.flags */
#define KERNELTALK_MEMBER_READER	0x1U	/* opened for reading */
#define KERNELTALK_MEMBER_WRITER	0x2U	/* opened for writing */
#define KERNELTALK_MEMBER_NOECHO	0x4U	/* has KERNELTALK_F_NOECHO set */
#define KERNELTALK_MEMBER_SELF		0x8U	/* the file making the call */

/**
 * struct kerneltalk_member_info - one member of a room (KERNELTALK_IOC_MEMBERS)
 * @uid:	effective uid its file was opened with, in the caller's user
 *		namespace (the overflow uid when unmapped there)
 * @pid:	thread-group id of the process that opened it, in the
 *		caller's pid namespace (0 when not visible there or gone)
 * @comm:	that process's name when it opened the file, NUL-terminated
 * @flags:	KERNELTALK_MEMBER_* bits
 * @reserved:	zero
 * @unread:	retained messages past its cursor (0 for a write-only file):
 *		what it holds back under KERNELTALK_POLICY_BLOCK
 * @joined_ns:	CLOCK_REALTIME of its entry into the room, in nanoseconds
 */
struct kerneltalk_member_info {
	__u32 uid;
	__u32 pid;
	char comm[KERNELTALK_COMM_LEN];
	__u32 flags;
	__u32 reserved;
	__u64 unread;
	__u64 joined_ns;
};

/**
 * struct kerneltalk_member_list - the members of the caller's room
 * @count:	in: entries @members has room for; out: entries written
 * @total:	out: members in the room (more than @count when it was short)
 * @members:	user pointer to an array of struct kerneltalk_member_info
 *		(may be 0 when @count is 0)
 * @reserved:	must be zero
 */
struct kerneltalk_member_list {
	__u32 count;
	__u32 total;
	__u64 members;
	__u64 reserved;
};

#define KERNELTALK_IOC_MAGIC	0xC7

/*
 * KERNELTALK_IOC_JOIN - move this file into the named room, created on
 * demand (owned by the caller, with the mode of the module parameter
 * room_mode); "" moves it back to its device node's default room.  The
 * cursor starts past the newest message.  -EINVAL for a bad name; for a
 * room that would have to be created, -ENOSPC when max_rooms rooms exist
 * already or named rooms fill their share of it (three quarters, the rest
 * being kept for default rooms), -EDQUOT when the caller's uid has made
 * max_rooms_per_user named rooms (CAP_SYS_RESOURCE is exempt); a room the
 * file frees by leaving it does not count.  -EACCES when the room's mode
 * denies what the file was opened for (O_RDONLY needs read permission,
 * O_WRONLY write, O_RDWR both), checked against the credentials of the
 * file's opener.
 */
#define KERNELTALK_IOC_JOIN \
	_IOW(KERNELTALK_IOC_MAGIC, 0x00, char[KERNELTALK_NAME_MAX])
/* KERNELTALK_IOC_INFO - describe the room this file is a member of. */
#define KERNELTALK_IOC_INFO \
	_IOR(KERNELTALK_IOC_MAGIC, 0x01, struct kerneltalk_room_info)
/*
 * KERNELTALK_IOC_SET_FLAGS - set KERNELTALK_F_* (other bits: -EINVAL).
 * KERNELTALK_F_RECORDS changes only between messages: -EBUSY while a
 * message is partly read in stream mode (read the rest, or lseek).  A
 * record left unread with a lost count gives -EPIPE first once the file
 * is switched to stream mode.
 */
#define KERNELTALK_IOC_SET_FLAGS \
	_IOW(KERNELTALK_IOC_MAGIC, 0x02, __u32)
/* KERNELTALK_IOC_GET_FLAGS - read this file's KERNELTALK_F_* bits. */
#define KERNELTALK_IOC_GET_FLAGS \
	_IOR(KERNELTALK_IOC_MAGIC, 0x03, __u32)
/*
 * KERNELTALK_IOC_SET_POLICY - set the room's KERNELTALK_POLICY_* (other
 * values: -EINVAL).  Only the room's creator (the uid that created a named
 * room, the node's owner for a default room) or CAP_SYS_ADMIN: else -EPERM.
 */
#define KERNELTALK_IOC_SET_POLICY \
	_IOW(KERNELTALK_IOC_MAGIC, 0x04, __u32)
/*
 * KERNELTALK_IOC_CREATE - create the named room owned by the caller (its
 * effective uid and gid) with the given mode, and move this file into it
 * as KERNELTALK_IOC_JOIN does; the creator joins whatever the mode.
 * -EEXIST when the room exists, -EINVAL for a bad name, mode bits outside
 * KERNELTALK_MODE_MASK, or non-zero flags or reserved fields; -ENOSPC and
 * -EDQUOT as for KERNELTALK_IOC_JOIN.
 */
#define KERNELTALK_IOC_CREATE \
	_IOW(KERNELTALK_IOC_MAGIC, 0x05, struct kerneltalk_room_spec)
/*
 * KERNELTALK_IOC_SET_ACCESS - change the owner, group and mode of the
 * caller's named room: its owner or CAP_SYS_ADMIN only, else -EPERM.
 * Members keep what they joined with, as open files do after chmod.
 * -EINVAL for mode bits outside KERNELTALK_MODE_MASK, a non-zero reserved
 * field or an id unmapped in the caller's user namespace; -EOPNOTSUPP in a
 * node's default room (chmod or chown the node instead).
 */
#define KERNELTALK_IOC_SET_ACCESS \
	_IOW(KERNELTALK_IOC_MAGIC, 0x06, struct kerneltalk_room_access)
/*
 * KERNELTALK_IOC_GET_ACCESS - owner, group and mode of the caller's room;
 * for a node's default room, those of the node this file opened.
 */
#define KERNELTALK_IOC_GET_ACCESS \
	_IOR(KERNELTALK_IOC_MAGIC, 0x07, struct kerneltalk_room_access)
/*
 * KERNELTALK_IOC_MEMBERS - describe the members of the caller's room, in
 * the order they joined, as one snapshot: the first @count of them go to
 * @members.  -EINVAL for a non-zero reserved field.
 */
#define KERNELTALK_IOC_MEMBERS \
	_IOWR(KERNELTALK_IOC_MAGIC, 0x08, struct kerneltalk_member_list)

#endif /* _UAPI_LINUX_KERNELTALK_H */
