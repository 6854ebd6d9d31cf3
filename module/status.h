/* SPDX-License-Identifier: GPL-2.0 */
/* /proc/driver/vgpu_unlock_kp: the status file. */
#ifndef VUKP_STATUS_H
#define VUKP_STATUS_H

int vukp_status_init(void);
void vukp_status_exit(void);

#endif /* VUKP_STATUS_H */
