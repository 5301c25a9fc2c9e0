/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The event record and the ELOG v1 capture file layout (elog(5)).
 *
 * Shared by the BPF half (which writes records into ring buffers) and by
 * userspace (which writes and reads capture files), so it uses only the
 * kernel's fixed-width types: vmlinux.h provides them on the BPF side,
 * <linux/types.h> in userspace.
 */
#ifndef ELOG_RECORD_H
#define ELOG_RECORD_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* One event: this header, then event_length - 32 payload bytes. Host order. */
struct elog_event_hdr {
	__u16 event_length; /* header + payload */
	__u16 cpu;
	__u16 provider_id;
	__u16 reserved;     /* written as 0 */
	__u64 timestamp;    /* microseconds since boot (CLOCK_BOOTTIME) */
	__u64 session_id;   /* socket cookie for tcp; UINT64_MAX for none */
	__u32 event_id;
	__s32 thread_id;
};
_Static_assert(sizeof(struct elog_event_hdr) == 32, "event header is 32 bytes");

#define ELOG_EVENT_HDR_SIZE 32
/* event_length is a u16 covering header + payload. */
#define ELOG_PAYLOAD_MAX (65535 - ELOG_EVENT_HDR_SIZE)

#define ELOG_FILE_MAGIC "ELOG"
#define ELOG_FILE_VERSION 1
#define ELOG_FILE_HDR_SIZE 40
#define ELOG_PROVIDER_NAME_MAX 32 /* counting the NUL */
#define ELOG_PROVIDER_ENTRY_SIZE 34
#define ELOG_MAX_PROVIDERS 32

/* File header (40 bytes, packed, host order). Rewritten at clean exit. */
struct elog_file_hdr {
	char magic[4]; /* "ELOG" */
	__u32 version;
	__u64 capture_start; /* boot-time us of the capture's time base */
	__u64 start_utc_us;  /* UTC us of that same instant */
	__u64 event_count;
	__u64 dropped_events;
};
_Static_assert(sizeof(struct elog_file_hdr) == ELOG_FILE_HDR_SIZE, "file header is 40 bytes");

/* After the header: __u32 provider_count, then this, packed, count times. */
struct elog_file_provider {
	__u16 id;
	char name[ELOG_PROVIDER_NAME_MAX];
} __attribute__((packed));
_Static_assert(sizeof(struct elog_file_provider) == ELOG_PROVIDER_ENTRY_SIZE, "provider entry is 34 bytes");

#endif /* ELOG_RECORD_H */
