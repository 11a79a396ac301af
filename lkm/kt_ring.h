/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ring of a room and its readers' cursors (kt_ring.c), all under
 * room->lock.  The ring needs two things from outside, declared here and
 * implemented in kt_room.c (in kt_kunit.c, the KUnit module, they record
 * what they were asked): waking a member's waiters, and re-checking a full
 * room once the next reader holding it turns stalled.
 */
#ifndef KT_RING_H
#define KT_RING_H

#include <linux/types.h>

struct kt_member;
struct kt_msg;
struct kt_room;

/* Set by kt_rooms_init(), constant afterwards. */
extern unsigned int kt_nr_slots;
extern u32 kt_max_cost;

/* Hooks, see above. */
void kt_member_wake(struct kt_member *m, __poll_t events);
void kt_room_recheck_in(struct kt_room *room, unsigned long delay);

void kt_ring_add(struct kt_room *room, struct kt_member *m);
void kt_ring_del(struct kt_room *room, struct kt_member *m);
struct kt_msg *kt_ring_drop_pending(struct kt_room *room, struct kt_member *m);
bool kt_member_skip_own(struct kt_room *room, struct kt_member *m);
void kt_room_update_full(struct kt_room *room);
void kt_room_wake_writers(struct kt_room *room);
bool kt_room_drop_oldest(struct kt_room *room, struct kt_msg **freed);
int kt_ring_post(struct kt_room *room, struct kt_member *m,
		 struct kt_msg *msg, unsigned long *gen, struct kt_msg **freed);
int kt_ring_fetch(struct kt_room *room, struct kt_member *m,
		  unsigned long *gen, struct kt_msg **last);
void kt_ring_seek(struct kt_room *room, struct kt_member *m, bool history);

#endif /* KT_RING_H */
