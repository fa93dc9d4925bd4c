import Foundation

/// A completed non-streaming call: the final attempt's response and its recorded row.
public struct CallResponse: Sendable {
    public var callID: String
    public var status: Int
    public var headers: HTTPHeaders
    /// The response body, untouched.
    public var body: Data
    /// Attempts made (1 + retries).
    public var attempts: Int
    /// The final attempt's row, as recorded.
    public var record: AttemptRecord

    public var usage: TokenUsage? { record.usage }

    /// The generated text (Responses `output_text`, Chat `message.content`, Messages text blocks).
    public var outputText: String? { OutputText.fromBody(body, api: record.api) }

    /// Decodes the body as the caller's own type.
    public func decode<T: Decodable>(_ type: T.Type, decoder: JSONDecoder = JSONDecoder()) throws -> T {
        try decoder.decode(type, from: body)
    }
}
