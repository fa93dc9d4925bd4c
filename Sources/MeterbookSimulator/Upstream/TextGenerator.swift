/// Short seeded replies, split into streaming deltas.
enum TextGenerator {
    private static let unicornSentences = [
        "Once upon a time, in a valley where the moonlight pooled like silver milk, there lived a gentle unicorn named Luna.",
        "Every night she walked the meadow and touched each sleeping flower with her horn, so it would wake up a little brighter.",
        "One evening a lost firefly asked her the way home, and Luna lit the path with a soft, shimmering glow.",
        "The firefly's family cheered, and the whole forest twinkled like a sky that had come down to visit.",
        "Luna yawned, curled up beneath the old willow tree, and dreamed of rainbows until morning.",
        "And the little firefly, safe at last, whispered goodnight to the kindest unicorn in the world.",
    ]

    private static let genericSentences = [
        "Here is a short answer to your request.",
        "The main point is that small, steady steps usually beat one large leap.",
        "Start with the simplest version that works, measure it, and improve what the numbers point at.",
        "If you need more detail, I can expand on any part of this.",
        "In short, the approach is sound and should work well for your case.",
        "Keep the inputs small at first so problems are easy to spot.",
        "A quick check at each stage saves time later on.",
    ]

    /// Two to four sentences split into deltas of one to three words, at most `maxDeltas` of them
    /// (each delta is at least one token, so a reply never has more deltas than output tokens).
    static func deltas(unicorn: Bool, maxDeltas: Int, using rng: inout SeededGenerator) -> [String] {
        let pool = unicorn ? unicornSentences : genericSentences
        let count = rng.int(in: 2...4)
        let start = unicorn ? 0 : rng.int(in: 0...(pool.count - 1))
        let text = (0..<count).map { pool[(start + $0) % pool.count] }.joined(separator: " ")
        let words = text.split(separator: " ").map(String.init)
        var deltas: [String] = []
        var index = 0
        while index < words.count && deltas.count < max(1, maxDeltas) {
            let take = min(words.count - index, rng.int(in: 1...3))
            let piece = words[index..<(index + take)].joined(separator: " ")
            deltas.append(index == 0 ? piece : " " + piece)
            index += take
        }
        return deltas
    }
}
