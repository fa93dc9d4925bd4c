#ifndef MeterbookCCurlShim_h
#define MeterbookCCurlShim_h

#include <curl/curl.h>
#include <errno.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

// Swift cannot call C variadic functions, so curl_easy_setopt, curl_easy_getinfo
// and curl_multi_setopt get one typed wrapper per argument type. Each passes its
// value through with exactly the C type libcurl reads with va_arg.

// MARK: curl_easy_setopt

static inline CURLcode curlshim_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode curlshim_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode curlshim_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode curlshim_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode curlshim_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode curlshim_easy_setopt_write_function(CURL *handle, curl_write_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, callback);
}

// The header callback has the same signature as the write callback.
static inline CURLcode curlshim_easy_setopt_header_function(CURL *handle, curl_write_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, callback);
}

static inline CURLcode curlshim_easy_setopt_xferinfo_function(CURL *handle, curl_xferinfo_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, callback);
}

// MARK: curl_easy_getinfo

static inline CURLcode curlshim_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode curlshim_easy_getinfo_double(CURL *handle, CURLINFO info, double *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode curlshim_easy_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}

// The string is owned by the handle: copy it before the next call on the handle.
static inline CURLcode curlshim_easy_getinfo_string(CURL *handle, CURLINFO info, const char **value) {
    char *result = NULL;
    CURLcode code = curl_easy_getinfo(handle, info, &result);
    *value = result;
    return code;
}

// MARK: curl_multi_setopt

static inline CURLMcode curlshim_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}

static inline CURLMcode curlshim_multi_setopt_pointer(CURLM *multi, CURLMoption option, void *value) {
    return curl_multi_setopt(multi, option, value);
}

static inline CURLMcode curlshim_multi_setopt_socket_function(CURLM *multi, curl_socket_callback callback) {
    return curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, callback);
}

static inline CURLMcode curlshim_multi_setopt_timer_function(CURLM *multi, curl_multi_timer_callback callback) {
    return curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, callback);
}

// MARK: epoll, for curl_multi_socket_action
// struct epoll_event is packed on x86_64; these keep it on the C side.

/// Watches `fd` for `events` (EPOLLIN/EPOLLOUT), adding or changing its registration. `registered` says which
/// to try first (the caller's belief); the other is tried when the kernel disagrees.
static inline int curlshim_epoll_watch(int epfd, int fd, uint32_t events, int registered) {
    struct epoll_event event = { .events = events, .data = { .fd = fd } };
    if (registered) {
        if (epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &event) == 0) return 0;
        if (errno != ENOENT) return -1;
        return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &event);
    }
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &event) == 0) return 0;
    if (errno != EEXIST) return -1;
    return epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &event);
}

/// Stops watching `fd`; a descriptor already closed has left the set by itself.
static inline void curlshim_epoll_forget(int epfd, int fd) {
    struct epoll_event event = { 0 };
    (void)epoll_ctl(epfd, EPOLL_CTL_DEL, fd, &event);
}

/// Waits for events; fills `fds` and `events` (at most `capacity`) and returns how many, or -1.
static inline int curlshim_epoll_wait(int epfd, int *fds, uint32_t *events, int capacity, int timeout_ms) {
    struct epoll_event ready[64];
    int count = epoll_wait(epfd, ready, capacity < 64 ? capacity : 64, timeout_ms);
    for (int i = 0; i < count; i++) {
        fds[i] = ready[i].data.fd;
        events[i] = ready[i].events;
    }
    return count;
}

// MARK: macros Swift does not import

// CURL_GLOBAL_ALL is a compound macro.
static inline CURLcode curlshim_global_init_all(void) {
    return curl_global_init(CURL_GLOBAL_ALL);
}

#endif
