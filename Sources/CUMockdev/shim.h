#include <umockdev.h>
#include <sys/ioctl.h>
#include <linux/usbdevice_fs.h>

/* The usbdevfs ioctl request numbers are function-like macros, which Swift cannot import. */
static inline unsigned long tally_usbdevfs_get_capabilities(void) { return USBDEVFS_GET_CAPABILITIES; }
static inline unsigned long tally_usbdevfs_getdriver(void) { return USBDEVFS_GETDRIVER; }
static inline unsigned long tally_usbdevfs_ioctl(void) { return USBDEVFS_IOCTL; }
static inline unsigned long tally_usbdevfs_disconnect(void) { return USBDEVFS_DISCONNECT; }
static inline unsigned long tally_usbdevfs_connect(void) { return USBDEVFS_CONNECT; }
static inline unsigned long tally_usbdevfs_disconnect_claim(void) { return USBDEVFS_DISCONNECT_CLAIM; }
static inline unsigned long tally_usbdevfs_claiminterface(void) { return USBDEVFS_CLAIMINTERFACE; }
static inline unsigned long tally_usbdevfs_releaseinterface(void) { return USBDEVFS_RELEASEINTERFACE; }
static inline unsigned long tally_usbdevfs_submiturb(void) { return USBDEVFS_SUBMITURB; }
static inline unsigned long tally_usbdevfs_discardurb(void) { return USBDEVFS_DISCARDURB; }
static inline unsigned long tally_usbdevfs_reapurb(void) { return USBDEVFS_REAPURB; }
static inline unsigned long tally_usbdevfs_reapurbndelay(void) { return USBDEVFS_REAPURBNDELAY; }
static inline unsigned long tally_usbdevfs_clear_halt(void) { return USBDEVFS_CLEAR_HALT; }

/* Connects a "handle-ioctl" handler (g_signal_connect is a macro). */
typedef gboolean (*tally_ioctl_handler)(UMockdevIoctlBase *handler, UMockdevIoctlClient *client, gpointer user_data);
static inline gulong tally_connect_handle_ioctl(UMockdevIoctlBase *base, tally_ioctl_handler callback, gpointer user_data) {
    return g_signal_connect_data(base, "handle-ioctl", G_CALLBACK(callback), user_data, NULL, 0);
}
