#ifndef METERBOOK_CZLIB_SHIM_H
#define METERBOOK_CZLIB_SHIM_H

#include <zlib.h>

// deflateInit2 and inflateInit2 are function-like macros, which Swift cannot call.
// windowBits 15 + 16 selects gzip framing (header and CRC-32 trailer).

static inline int czlib_deflate_init_gzip(z_stream *stream, int level, int strategy) {
    return deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, strategy);
}

static inline int czlib_inflate_init_gzip(z_stream *stream) {
    return inflateInit2(stream, 15 + 16);
}

#endif
