/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * KernelTalk: a chat device for processes on one machine.
 *
 * Every open file of /dev/kerneltalk is a member of one room.  write()
 * posts one message (1..max_msg bytes, atomically; KERNELTALK_IOC_POST
 * does the same and reports the sequence number given), read() returns
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
 * Batched record mode (KERNELTALK_F_RECORDS | KERNELTALK_F_BATCH): each
 * read() returns as many whole records as are readable and fit, at least
 * one (it waits, or fails -EAGAIN under O_NONBLOCK, only while there is
 * none).  Every record starts at an offset from the buffer's start that
 * is a multiple of KERNELTALK_RECORD_ALIGN; the gap bytes before a record
 * are zero, and the count returned ends at the last record's payload (no
 * trailing gap).  -EMSGSIZE when the first record does not fit, as in
 * record mode; a later one that does not fit ends the batch and is the
 * first of the next read.  A fault after some records returns those:
 * the messages not copied stay unread.  Each record's lost counts the
 * messages overwritten just before it, NOECHO skips own messages inside
 * a batch too.  Parse:
 *
 *	for (off = 0; off + sizeof(*hdr) <= n; off += rec) {
 *		hdr = (struct kerneltalk_msg *)(buf + off);
 *		rec = sizeof(*hdr) + hdr->len;
 *		(the payload is at hdr + 1, rec - sizeof(*hdr) bytes)
 *		rec = (rec + KERNELTALK_RECORD_ALIGN - 1) &
 *		      ~(size_t)(KERNELTALK_RECORD_ALIGN - 1);
 *	}
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
 * room's stall bound without reading (0: no bound; the module parameter
 * stall_ms, or KERNELTALK_IOC_SET_SETTINGS), which is overrun and told as
 * under OVERWRITE.  A file that has never read is
 * not held back by its own unread echo: its posts overwrite it instead,
 * reported as lost.
 *
 * lseek(fd, 0, SEEK_SET) moves the member to the oldest retained
 * message, lseek(fd, 0, SEEK_END) past the newest; anything else is
 * -EINVAL.  Only a file open for reading ever receives, and it joined a
 * named room only with read permission: history is for readers alone.
 *
 * Relaying (KERNELTALK_F_RELAY): a bridge that carries a room to other
 * machines posts what it receives with the origin it claims for it, a
 * struct kerneltalk_origin in front of the text.  The kernel checks only
 * the envelope's form and marks the message KERNELTALK_MSG_RELAYED; its
 * stamps (uid, pid, comm) stay those of the bridge, so a relayed message
 * never passes for a local one and always says who relayed it.  Record
 * readers get the envelope in front of the payload, stream readers the
 * text alone, so cat shows plain text.
 *
 * poll(): EPOLLIN|EPOLLRDNORM when a message (or a pending -EPIPE) is
 * readable, EPOLLOUT|EPOLLWRNORM when a post of max_msg bytes (after an
 * origin envelope under KERNELTALK_F_RELAY) would not wait,
 * EPOLLERR|EPOLLPRI while the member has been overrun.  A file reports
 * only the directions it was opened for.
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
/* struct kerneltalk_origin strings, NUL included: a DNS label, a login name. */
#define KERNELTALK_HOST_MAX	64
#define KERNELTALK_USER_MAX	32

/* Per-file flags (KERNELTALK_IOC_SET_FLAGS / KERNELTALK_IOC_GET_FLAGS). */
#define KERNELTALK_F_RECORDS	0x1U	/* read() returns records */
#define KERNELTALK_F_NOECHO	0x2U	/* skip own messages */
#define KERNELTALK_F_BATCH	0x4U	/* with RECORDS: many per read() */
#define KERNELTALK_F_RELAY	0x8U	/* posts carry an origin envelope */
#define KERNELTALK_F_ALL	(KERNELTALK_F_RECORDS | KERNELTALK_F_NOECHO | \
				 KERNELTALK_F_BATCH | KERNELTALK_F_RELAY)

/* Batched records start at multiples of this from the buffer's start. */
#define KERNELTALK_RECORD_ALIGN	8

/* Room flow-control policies (KERNELTALK_IOC_SET_POLICY). */
#define KERNELTALK_POLICY_BLOCK		0	/* lossless: posts wait */
#define KERNELTALK_POLICY_OVERWRITE	1	/* oldest messages go */

/* struct kerneltalk_msg.flags */
#define KERNELTALK_MSG_OWN	0x1U	/* posted through this file */
#define KERNELTALK_MSG_RELAYED	0x2U	/* payload starts with its origin */

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
 *
 * With KERNELTALK_MSG_RELAYED the stamps above are the relaying file's
 * and the process that wrote through it (the bridge), and the payload
 * starts with a struct kerneltalk_origin: the text follows its @size
 * bytes, and @len counts both.
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
 * struct kerneltalk_origin - where a relayed message was first posted
 * @size:	sizeof(struct kerneltalk_origin): the text starts this many
 *		bytes into the payload (readers skip @size, not the size they
 *		know, so the envelope may grow; the kernel takes only this one)
 * @flags:	none defined yet: must be zero
 * @time_ns:	CLOCK_REALTIME of the post at the origin, in nanoseconds
 * @seq:	its sequence number in the room at the origin
 * @uid:	poster's uid at the origin, as that host saw it
 * @pid:	poster's pid at the origin, as that host saw it (0: unknown)
 * @host:	origin host name, 1..63 bytes, NUL-padded to the end
 * @user:	poster's user name at the origin, NUL-padded ("": unknown)
 * @comm:	poster's process name at the origin, NUL-padded ("": unknown)
 * @reserved:	must be zero
 *
 * A file with KERNELTALK_F_RELAY posts this envelope followed by 1..max_msg
 * bytes of text in one write().  The kernel checks its form (-EINVAL
 * otherwise: a wrong @size, non-zero @flags or @reserved, an empty @host,
 * a string without its NUL or with bytes after it) but not its truth:
 * uid and pid are the origin's numbers, not translated into any local
 * namespace, and every field is what the relaying process claims.  The
 * kernel's own stamps in the record header say who that process is.
 */
struct kerneltalk_origin {
	__u32 size;
	__u32 flags;
	__u64 time_ns;
	__u64 seq;
	__u32 uid;
	__u32 pid;
	char host[KERNELTALK_HOST_MAX];
	char user[KERNELTALK_USER_MAX];
	char comm[KERNELTALK_COMM_LEN];
	__u64 reserved[2];
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
#define KERNELTALK_MEMBER_RELAY		0x10U	/* has KERNELTALK_F_RELAY set */

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

/* struct kerneltalk_room_settings.stall_ms: at most one day */
#define KERNELTALK_STALL_MS_MAX	86400000U

/**
 * struct kerneltalk_room_settings - flow-control settings of the caller's room
 * @stall_ms:	under KERNELTALK_POLICY_BLOCK, how long (ms) a reader may hold
 *		the room's writers back without reading before it is overrun;
 *		0: no bound (writers wait as long as it takes).  At most
 *		KERNELTALK_STALL_MS_MAX.  A new room takes the module
 *		parameter stall_ms (capped likewise).
 * @reserved:	must be zero (SET_SETTINGS), zero (GET_SETTINGS)
 *
 * SET_SETTINGS sets every field: read them with GET_SETTINGS first and
 * change what you mean to.  A field defined later in @reserved will take
 * zero as "as before".
 */
struct kerneltalk_room_settings {
	__u32 stall_ms;
	__u32 reserved[3];
};

/**
 * struct kerneltalk_post - a message to post (KERNELTALK_IOC_POST)
 * @data:	in: user pointer to the payload
 * @len:	in: payload bytes, 0..max_msg
 * @flags:	in: none defined yet: must be zero
 * @seq:	out: the message's room-wide sequence number (0: none posted)
 * @time_ns:	out: its CLOCK_REALTIME stamp, in nanoseconds (0: none posted)
 * @reserved:	must be zero; written back as zero
 *
 * @seq and @time_ns are ignored on input; they are what a reader of the
 * message finds in struct kerneltalk_msg.
 */
struct kerneltalk_post {
	__u64 data;
	__u32 len;
	__u32 flags;
	__u64 seq;
	__u64 time_ns;
	__u64 reserved[4];
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
 * KERNELTALK_IOC_SET_FLAGS - set KERNELTALK_F_* (other bits: -EINVAL;
 * KERNELTALK_F_BATCH without KERNELTALK_F_RECORDS: -EINVAL too).
 * KERNELTALK_F_RECORDS changes only between messages: -EBUSY while a
 * message is partly read in stream mode (read the rest, or lseek).  A
 * record left unread with a lost count gives -EPIPE first once the file
 * is switched to stream mode.  KERNELTALK_F_RELAY needs no privilege:
 * posting needs write permission on the room already, and the envelope
 * never replaces the kernel's stamps, which name the relaying process.
 * Under it every write() is a struct kerneltalk_origin and 1..max_msg
 * bytes of text: up to sizeof(struct kerneltalk_origin) bytes in all is
 * -EINVAL, more than that plus max_msg -EMSGSIZE.
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
/*
 * KERNELTALK_IOC_SET_SETTINGS - change the caller's room's settings: only
 * the room's creator (as for KERNELTALK_IOC_SET_POLICY) or CAP_SYS_ADMIN,
 * else -EPERM; -EINVAL for @stall_ms above KERNELTALK_STALL_MS_MAX or a
 * non-zero reserved field.  A new stall bound applies at once, to readers
 * already holding the room back and to writers already waiting (a reader
 * idle for longer than the new bound is overrun by the next post that
 * needs its space).
 */
#define KERNELTALK_IOC_SET_SETTINGS \
	_IOW(KERNELTALK_IOC_MAGIC, 0x09, struct kerneltalk_room_settings)
/* KERNELTALK_IOC_GET_SETTINGS - the caller's room's settings; any member. */
#define KERNELTALK_IOC_GET_SETTINGS \
	_IOR(KERNELTALK_IOC_MAGIC, 0x0A, struct kerneltalk_room_settings)
/*
 * KERNELTALK_IOC_POST - post @len bytes at @data as write() does, and
 * report the message's @seq and @time_ns: the same atomicity, waiting
 * (interruptibly; -EAGAIN under O_NONBLOCK), credentials (the file's
 * opener) and echo as write().  -EBADF for a file not open for writing,
 * -EINVAL for non-zero @flags or @reserved, -EMSGSIZE for more than
 * max_msg bytes, -EFAULT for a bad argument or @data pointer (nothing is
 * posted); a @len of 0 posts nothing and reports @seq and @time_ns 0.
 * The result is written back after the post: a fault then is -EFAULT
 * with the message posted.
 */
#define KERNELTALK_IOC_POST \
	_IOWR(KERNELTALK_IOC_MAGIC, 0x0B, struct kerneltalk_post)

#endif /* _UAPI_LINUX_KERNELTALK_H */
