import CCurl

/// The C callbacks libcurl calls on the curl thread.
///
/// C function pointers cannot capture context, so each one recovers its `CurlTransfer`
/// from the user-data pointer. The multi loop keeps the transfer alive while its handle
/// is in the multi handle, which is the only time curl calls these.
enum CurlCallbacks {
    /// Returning anything other than the byte count makes curl abort the transfer.
    static let write: curl_write_callback = { buffer, size, count, context in
        guard let context else { return 0 }
        let length = size * count
        let bytes = UnsafeRawBufferPointer(start: buffer, count: buffer == nil ? 0 : length)
        return transfer(from: context).didReceiveBody(bytes) ? length : 0
    }

    /// Called once per header line, including status lines, blank lines and trailers.
    static let header: curl_write_callback = { buffer, size, count, context in
        guard let context else { return 0 }
        let length = size * count
        let bytes = UnsafeRawBufferPointer(start: buffer, count: buffer == nil ? 0 : length)
        return transfer(from: context).didReceiveHeader(bytes) ? length : 0
    }

    private static func transfer(from context: UnsafeMutableRawPointer) -> CurlTransfer {
        Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
    }
}
