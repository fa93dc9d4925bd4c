import Foundation
import Testing
@testable import Meterbook

/// The hand split of plain request URLs gives what `URLComponents` gives, and leaves every other URL to it.
@Suite struct RequestURLTests {
    static let plainURLs = [
        "https://res.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21",
        "https://RES.openai.azure.com/openai/v1/responses",
        "http://127.0.0.1:8787/openai/v1/chat/completions?api-version=preview&x=1",
        "http://127.0.0.1:80/anthropic/v1/messages",
        "https://res.services.ai.azure.com:443/api/projects/p1/openai/v1/responses?foo=bar&api-version=v1",
        "https://res.services.ai.azure.com/anthropic/v1/messages?beta=true",
        "http://localhost:65535",
        "http://localhost?api-version",
        "http://localhost/?api-version=&api-version=2",
        "https://h.example/openai/deployments/my-dep_1.x/embeddings?api-version=2024-10-21&api-version=other",
        "https://h.example/path;params/with(parens)*and+plus,comma!?api-version=a+b",
        "http://h/a//b/",
    ]

    static let otherURLs = [
        "https://res.openai.azure.com/openai/deployments/my%20dep/chat/completions?api-version=2024-10-21",
        "https://res.openai.azure.com/openai/v1/responses?api-version=2024%2D10",
        "https://user:pass@res.openai.azure.com/openai/v1/responses",
        "http://[::1]:8080/openai/v1/responses?api-version=1",
        "https://res.openai.azure.com/openai/v1/responses#fragment",
        "https://res.openai.azure.com:99999/openai",
        "https://res.openai.azure.com:/openai",
        "https://rés.example/openai",
        "https://res.openai.azure.com/open ai",
        "http:///path",
        "not a url",
        "/openai/v1/responses",
        "",
    ]

    @Test func plainURLsAreSplitByHandAsURLComponentsSplitsThem() {
        for url in Self.plainURLs {
            let plain = RequestURL.plain(url)
            #expect(plain != nil, "\(url) should take the hand split")
            #expect(plain == RequestURL.components(url), "\(url)")
        }
    }

    @Test func everyOtherURLIsLeftToURLComponents() {
        for url in Self.otherURLs {
            #expect(RequestURL.plain(url) == nil, "\(url) should go through URLComponents")
            #expect(RequestURL(url) == RequestURL.components(url))
        }
    }

    @Test func classificationReadsThePartsItNeeds() {
        let description = RequestDescription(
            method: "post", url: "https://RES.openai.azure.com:8443/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21",
            body: nil)
        #expect(description.endpoint == "res.openai.azure.com:8443")
        #expect(description.path == "/openai/deployments/gpt-4o/chat/completions")
        #expect(description.apiVersion == "2024-10-21")
        #expect(description.deployment == "gpt-4o")
        #expect(description.api == .chatCompletions && description.provider == .azureOpenAI)
        #expect(RequestDescription(method: "GET", url: "http://127.0.0.1:80", body: nil).endpoint == "127.0.0.1")
        #expect(RequestDescription(method: "GET", url: "http://127.0.0.1:80", body: nil).path == "/")
    }
}
