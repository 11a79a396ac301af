// SPDX-License-Identifier: GPL-2.0
/*
 * KernelTalk access control: who may do what to a room.
 */
#include <linux/capability.h>
#include <linux/cred.h>

#include "kt.h"

/* Changing a room's settings: its creator or CAP_SYS_ADMIN. */
bool kt_room_may_admin(const struct kt_room *room)
{
	return uid_eq(current_euid(), room->creator) || capable(CAP_SYS_ADMIN);
}
