#include <libusb.h>

/* libusb_set_option is variadic, which Swift cannot call: one fixed-argument wrapper per option used. */
static inline int tally_libusb_set_log_level(libusb_context *context, int level) {
    return libusb_set_option(context, LIBUSB_OPTION_LOG_LEVEL, level);
}
