/// A benchmark's `--name value` options, read one at a time: each benchmark says what its options mean, this says
/// what was wrong with them (a missing value, a number that isn't one, an unknown option).
struct BenchmarkArguments {
    private var iterator: IndexingIterator<[String]>
    /// The accepted options, for the message about an unknown one.
    let usage: String

    init(_ arguments: [String], usage: String) {
        iterator = arguments.makeIterator()
        self.usage = usage
    }

    mutating func next() -> String? { iterator.next() }

    mutating func string(for option: String) throws -> String {
        guard let value = iterator.next() else { throw BenchmarkError("\(option) needs a value") }
        return value
    }

    mutating func int(for option: String) throws -> Int {
        let text = try string(for: option)
        guard let value = Int(text) else { throw BenchmarkError("\(option) takes a whole number (got \"\(text)\")") }
        return value
    }

    func unknown(_ option: String) -> BenchmarkError {
        BenchmarkError("unknown option \(option); options: \(usage)")
    }
}
