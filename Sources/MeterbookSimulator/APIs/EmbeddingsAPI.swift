/// Embeddings bodies (never streamed).
enum EmbeddingsAPI: APIRenderer {
    static let dimensions = 8

    static func usage(_ plan: AttemptPlan) -> JSON {
        plan.usage.embeddingsJSON
    }

    static func body(_ plan: AttemptPlan) -> JSON {
        let data = plan.request.embeddingInputs.enumerated().map { index, input -> JSON in
            let vector = vector(for: input.seedText)
            let embedding: JSON =
                plan.request.base64Embeddings
                ? .string(Base64.encode(vector.flatMap { value -> [UInt8] in
                    let bits = Float(value).bitPattern
                    return [0, 8, 16, 24].map { UInt8(truncatingIfNeeded: bits >> UInt32($0)) }
                }))
                : .array(vector.map { .double($0) })
            return ["object": "embedding", "index": .int(index), "embedding": embedding]
        }
        return ["object": "list", "data": .array(data), "model": .string(plan.profile.model), "usage": usage(plan)]
    }

    /// Embeddings never stream; a `stream` flag is ignored when the request is parsed.
    static func stream(_ plan: AttemptPlan, ending: StreamEnding) -> RenderedStream {
        RenderedStream(events: [], usage: nil)
    }

    /// A unit vector that depends only on the input text, so equal inputs embed equally.
    private static func vector(for text: String) -> [Double] {
        var rng = SeededGenerator(seed: SeededGenerator.hash(text), 0xE5)
        let raw = (0..<dimensions).map { _ in rng.unit() * 2 - 1 }
        let norm = raw.reduce(0) { $0 + $1 * $1 }.squareRoot()
        // Seven decimals: as long as real embeddings print and short enough to read.
        return raw.map { (($0 / max(norm, 1e-9)) * 1e7).rounded() / 1e7 }
    }
}
