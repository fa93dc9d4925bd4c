// The transport's request, response and error types are part of Meterbook's public API
// (the recorder API takes them), so users import one module.
@_exported import MeterbookTransport
