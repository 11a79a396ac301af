/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KernelTalk internals shared by the module's files.
 *
 * Objects
 *   struct kt_room    a room: its members and a ring of messages
 *   struct kt_msg     one posted message, reference counted
 *   struct kt_member  one open file of the device (file->private_data)
 *
 * Locking, outermost first:
 *   kt_member.lock (mutex)  serialises the calls made on one file (read,
 *                           write, ioctl, llseek) and guards
 *                           member->room and member->pending.
 *   kt_rooms_lock (mutex)   guards the room registry (kt_rooms and its
 *                           counts), each room's registry fields (name,
 *                           owner, group, mode, user_ns) and membership
 *                           changes: a room is looked up, joined, left and
 *                           freed only under it.
 *   kt_room.lock (spinlock) guards everything else in a room, the cursors
 *                           (kt_member.seq, .lost) of its members, their
 *                           place on the room's caught_up list and their
 *                           wake_gen.  Held only for short, non-sleeping
 *                           work: never across copy_*_user, allocation
 *                           or waiting.  It nests the members' wait
 *                           queue locks (wake-ups).
 * Readers take a reference on a message under kt_room.lock and copy it out
 * after dropping it, so readers of one room copy in parallel and a reader
 * never holds up a writer.  Each member has its own wait queues (wait for
 * reading and polling, wr_wait for writing, as a pipe's rd_wait and
 * wr_wait): files may move between rooms (KERNELTALK_IOC_JOIN) and rooms
 * may be freed, but a file's wait queues live exactly as long as the
 * file, so poll/epoll entries can never point into freed memory.
 * Sleepers wait for their wake_gen to change, which every waker bumps
 * under kt_room.lock, so the wait condition itself touches no room and
 * takes no lock; a waker wakes a queue only when someone sleeps or polls
 * on it, with the events as key.
 *
 * A post costs O(1) in the members that do not read it: it wakes only the
 * readers on the room's caught_up list (those that had read everything;
 * the others were readable already), and whether it fits is decided from
 * min_seq, the lowest reader cursor, and reclaim, the recyclable bytes
 * before it, without looking at the members or the messages.  Only when
 * that says no (a reader may really hold the space back, unless it
 * stalled) are the members walked.  A file's post reuses the message its
 * previous post recycled (kt_member.spare): a steady stream allocates
 * nothing.
 *
 * poll takes no lock at all, as pipe_poll(): a read holds kt_member.lock
 * across copy_to_user(), which may wait on a userfaultfd or FUSE page.
 * It reads the member fields marked [poll] with READ_ONCE; they are
 * written with WRITE_ONCE, and whatever makes a file readable or writable
 * wakes its wait queue after changing them.  The room's next_seq and
 * fullness reach poll through the member's room_next and blocked, so poll
 * never follows member->room, which JOIN may change and free.
 */
#ifndef KT_H
#define KT_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <linux/kerneltalk.h>

struct file;
struct inode;
struct pid;
struct user_namespace;

/* Bytes a record-mode read() returns: the record header plus the payload. */
#define KT_RECORD_SIZE(len)	(sizeof(struct kerneltalk_msg) + (len))
/* Bytes a message of @len asks the allocator for (len <= 16 MiB). */
#define KT_MSG_SIZE(len)	(offsetof(struct kt_msg, data) + (len))
/* The longest write(): max_msg bytes of text, after an origin under F_RELAY. */
#define KT_POST_MAX	(kt_max_msg + sizeof(struct kerneltalk_origin))

/* Module parameters, validated once at load and constant afterwards. */
extern unsigned int kt_capacity;
extern unsigned int kt_max_msg;
extern unsigned int kt_max_rooms;
extern unsigned int kt_policy;
extern unsigned int kt_room_mode;
extern unsigned int kt_max_rooms_per_user;
extern unsigned int kt_stall_ms;	/* read when a room is created */

/* Identity of a device node: rooms outlive inodes, so no inode pointer. */
struct kt_node_key {
	dev_t dev;
	unsigned long ino;
	u32 generation;
};

/*
 * A message: its references are taken and dropped under the room lock
 * (the ring holds one, a reader in the middle of it another).
 */
struct kt_msg {
	refcount_t ref;
	u32 cost;		/* bytes the allocator took for it */
	bool recycled;		/* out of the ring, pinned by a reader */
	struct kt_msg *next_free;	/* kt_room_drop_oldest()'s list */
	u64 seq;
	u64 time_ns;
	u64 origin;		/* kt_member.id of the posting file */
	kuid_t uid;
	struct pid *pid;	/* poster's thread group, referenced */
	char comm[KERNELTALK_COMM_LEN];
	u32 len;
	/*
	 * Where the text starts in data: after the origin envelope of a
	 * relayed message (KERNELTALK_MSG_RELAYED), else 0.
	 */
	u32 text;
	u8 data[];
};

struct kt_room {
	/* Registry fields, under kt_rooms_lock. */
	struct list_head link;		/* in kt_rooms */
	char name[KERNELTALK_NAME_MAX];	/* "" for a node's default room */
	struct kt_node_key node;	/* valid when name is "" */
	/*
	 * Who may change the room: the uid that made a named room, the
	 * node's owner for a default room (kt_access.c).  A named room's
	 * group and mode are checked at JOIN; a default room's access is its
	 * node's, checked by open().
	 */
	kuid_t owner;
	kuid_t creator;			/* charged for it: max_rooms_per_user */
	kgid_t group;
	umode_t mode;			/* permission bits, named rooms */
	/*
	 * Referenced.  Named rooms: the namespace of their names, their
	 * creator's.  Default rooms: the node's file system's (s_user_ns).
	 */
	struct user_namespace *user_ns;

	spinlock_t lock;		/* see the lock order above */
	/* The following fields are protected by lock. */
	struct list_head members;	/* kt_member.link */
	/* Readers whose cursor is at next_seq: kt_member.caught_up. */
	struct list_head caught_up;
	unsigned int nr_members;	/* changed under kt_rooms_lock too */
	u32 policy;
	/*
	 * Jiffies a reader may hold writers back without reading (0: no
	 * bound), and the milliseconds they were set from: the stall_ms
	 * parameter at creation, KERNELTALK_IOC_SET_SETTINGS afterwards.
	 */
	unsigned long stall;
	u32 stall_ms;
	struct delayed_work stall_work;	/* re-checks full when one stalls */
	unsigned long recheck_at;	/* jiffies stall_work was last due */
	bool full;			/* a max_msg post would wait */
	/*
	 * The lowest reader cursor and how many readers are at it (0: no
	 * reader), kept by every cursor move; the members are walked for a
	 * new one only when the last reader at it moves on or leaves.
	 */
	u64 min_seq;
	unsigned int at_min;
	/*
	 * While full, from the last look at the members: the lowest cursor
	 * of the readers holding the room (hold_first, at_first of them,
	 * the first found being hold_member, hold_self if it has never
	 * read and its own echo is at its cursor) and the second lowest
	 * (hold_seq).  A read moving a cursor above hold_seq frees no
	 * space: kt_room_move_frees().
	 */
	u64 hold_seq;
	u64 hold_first;
	unsigned int at_first;
	bool hold_self;
	const struct kt_member *hold_member;	/* compared, never followed */
	struct kt_msg **slots;		/* the ring, NULL until the first post */
	/*
	 * Bytes charged against capacity: the slot array once allocated,
	 * the cost of every retained message and of every recycled one a
	 * reader is still in the middle of.
	 */
	u32 used;
	/*
	 * Bytes of the retained messages before kt_room_min_seq() that no
	 * reader is in the middle of: what recycling everything that every
	 * reader has read frees.  Kept by every cursor, pin and ring change,
	 * so that whether a post fits costs O(1) (kt_room_space()).
	 */
	u32 reclaim;
	u64 first_seq;			/* oldest retained message */
	u64 next_seq;
	u64 posted;
	u64 dropped;
};

struct kt_member {
	struct mutex lock;	/* see the lock order above */
	/* Protected by lock (and kt_rooms_lock to change room). */
	struct kt_room *room;
	struct kt_msg *pending;	/* [poll] message being read, referenced */
	u32 pending_off;	/* bytes of it already read (stream mode) */
	u64 pending_lost;	/* [poll] losses before it, not yet reported */
	/*
	 * A message this file posted that its own post recycled, kept for
	 * its next post instead of a new allocation (kt_msg_alloc()); taken
	 * and given with xchg(), as a post allocates before m->lock.  At
	 * most one per file, freed with it.
	 */
	struct kt_msg *spare;

	/* Protected by room->lock. */
	struct list_head link;	/* in room->members */
	struct list_head caught_up;	/* in room->caught_up, readers */
	/*
	 * [poll] Next message this member reads: never below first_seq,
	 * never on one of its own messages under NOECHO.
	 */
	u64 seq;
	u64 lost;		/* [poll] overwritten before it read them */
	/*
	 * [poll] room->next_seq when the cursor last moved or a post last
	 * woke it: differs from seq exactly when there is something to read.
	 */
	u64 room_next;
	bool blocked;		/* [poll] room->full, for writers */
	unsigned long read_at;	/* last read, or first unread post: jiffies */
	bool has_read;		/* ever tried to read */
	unsigned long wake_gen;
	u64 joined_ns;		/* CLOCK_REALTIME of entering the room */

	/* Constant after open. */
	wait_queue_head_t wait;		/* reads and polls */
	wait_queue_head_t wr_wait;	/* writes, exclusive */
	u64 id;			/* unique per open file, for KERNELTALK_MSG_OWN */
	struct kt_node_key node;
	struct inode *inode;	/* the opened node, pinned by the file */
	struct file *file;	/* its file: f_cred and f_mode for JOIN */
	bool reader;		/* opened for reading */
	bool writer;		/* opened for writing */
	struct pid *pid;	/* the opening thread group, referenced */
	char comm[KERNELTALK_COMM_LEN];	/* its name at open */
	u32 flags;		/* KERNELTALK_F_*, READ_ONCE/WRITE_ONCE */
};

/* kt_room.c: rooms (their rings: kt_ring.c, kt_ring.h) */
extern struct mutex kt_rooms_lock;
extern struct list_head kt_rooms;

int kt_rooms_init(void);
void kt_rooms_exit(void);
bool kt_room_name_valid(const char *name);
int kt_room_join(struct kt_member *m, const char *name, umode_t mode,
		 bool excl);
void kt_room_leave(struct kt_member *m);

struct kt_msg *kt_msg_alloc(struct kt_member *m, size_t len, kuid_t uid);
void kt_member_free_spare(struct kt_member *m);
void kt_msg_put(struct kt_msg *msg);
void kt_member_drop_pending(struct kt_member *m);
int kt_room_post(struct kt_member *m, struct kt_msg *msg, unsigned long *gen,
		 u64 *seq, u64 *time_ns);
int kt_room_fetch(struct kt_member *m, unsigned long *gen);
void kt_room_seek(struct kt_member *m, bool history);
void kt_room_info(struct kt_member *m, struct kerneltalk_room_info *info);
int kt_room_set_policy(struct kt_member *m, u32 policy);
int kt_room_set_stall(struct kt_member *m, u32 stall_ms);
u32 kt_room_stall_ms(struct kt_member *m);
int kt_room_set_flags(struct kt_member *m, u32 flags);

/* kt_access.c */
void kt_room_init_access(struct kt_room *room, const struct kt_member *m,
			 umode_t mode);
void kt_room_exit_access(struct kt_room *room);
int kt_room_may_join(const struct kt_room *room, const struct kt_member *m);
bool kt_room_visible(const struct kt_room *room, const struct file *file);
int kt_room_may_admin(struct kt_member *m);
void kt_room_get_access(struct kt_member *m,
			struct kerneltalk_room_access *access);
int kt_room_set_access(struct kt_member *m,
		       const struct kerneltalk_room_access *access);

/* kt_member.c */
int kt_room_members(struct kt_member *m, u32 count,
		    struct kerneltalk_member_info **infos, u32 *written,
		    u32 *total);

/* kt_proc.c */
int kt_proc_init(void);
void kt_proc_exit(void);

/* kt_ioctl.c */
long kt_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

/* kt_fops.c */
extern const struct file_operations kt_fops;
int kt_file_post(struct file *file, const char __user *buf, size_t count,
		 u64 *seq, u64 *time_ns);

#endif /* KT_H */
