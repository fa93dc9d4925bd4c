import Foundation
import Meterbook

/// The demo's traffic: a mix of APIs, endpoint styles and streaming, the way a team's services call Azure.
struct DemoWorkload: Sendable {
    struct Outcome: Sendable {
        var succeeded = 0
        var failed = 0
        var retriedCallID: String?
        /// Attempts made, as the client reported them (not read back from the database).
        var attempts = 0
    }

    private struct Job: Sendable {
        var client: MeterbookClient
        var request: @Sendable (String) -> CallRequest
    }

    private let jobs: [Job]

    private static let prompts = [
        "Write a one-sentence bedtime story about a unicorn.",
        "Summarise this support ticket: the customer cannot reset their password after the latest update.",
        "Translate 'where is the train station' into French, German and Spanish.",
        "List three risks of deploying on a Friday afternoon.",
        "Explain retries with exponential backoff to a new engineer in two sentences.",
        "Draft a polite reply declining a meeting invitation.",
    ]

    init(baseURL: String, recorder: Recorder, costPolicy: CostPolicy, run: String) throws {
        let key = Credential.apiKey("demo-key-not-a-secret")
        func client(_ endpoint: Endpoint) -> MeterbookClient {
            var options = ClientOptions()
            options.tags = ["app": "demo", "demo_run": run]
            return MeterbookClient(endpoint: endpoint, credential: key, recorder: recorder, options: options,
                                   costPolicy: costPolicy, logger: .cli("meterbook.client"))
        }
        let v1 = client(try .azureOpenAI(baseURL: baseURL))
        let deploymentStyle = client(try .azureOpenAI(baseURL: baseURL, apiVersion: "2024-10-21"))
        let project = client(try .foundryProject(endpoint: baseURL + "/api/projects/demo-project"))
        let claude = client(try .claudeOnFoundry(baseURL: baseURL + "/anthropic"))
        jobs = [
            Job(client: v1) { .responses(deployment: "gpt-5-mini", input: $0, tags: ["feature": "assistant"]) },
            Job(client: v1) { .chat(deployment: "gpt-4o", message: $0, stream: true, tags: ["feature": "chat"]) },
            Job(client: deploymentStyle) { .chat(deployment: "gpt-4o-mini", message: $0, tags: ["feature": "triage"]) },
            Job(client: v1) { .embeddings(deployment: "text-embedding-3-small", input: $0, tags: ["feature": "search"]) },
            Job(client: project) { .responses(deployment: "gpt-4.1", input: $0, stream: true, tags: ["feature": "agent"]) },
            Job(client: claude) { .messages(model: "claude-sonnet-4-5", message: $0, stream: true, tags: ["feature": "chat"]) },
            Job(client: claude) { .messages(model: "claude-haiku-4-5", message: $0, tags: ["feature": "triage"]) },
            Job(client: v1) { .responses(deployment: "gpt-5-mini", input: $0, stream: true, tags: ["feature": "assistant"]) },
        ]
    }

    /// Runs `calls` calls, `concurrency` at a time; failures are counted, not thrown (they are part of the show).
    func run(calls: Int, concurrency: Int) async -> Outcome {
        await withTaskGroup(of: (ok: Bool, callID: String?, attempts: Int).self) { group in
            var outcome = Outcome()
            var next = 0
            func add() {
                let index = next
                next += 1
                let job = jobs[index % jobs.count]
                let prompt = Self.prompts[(index / jobs.count) % Self.prompts.count]
                group.addTask { await Self.perform(job, prompt: prompt) }
            }
            for _ in 0..<min(concurrency, calls) { add() }
            while let result = await group.next() {
                if result.ok { outcome.succeeded += 1 } else { outcome.failed += 1 }
                outcome.attempts += result.attempts
                if result.attempts > 1, outcome.retriedCallID == nil { outcome.retriedCallID = result.callID }
                if next < calls { add() }
            }
            return outcome
        }
    }

    private static func perform(_ job: Job, prompt: String) async -> (ok: Bool, callID: String?, attempts: Int) {
        let request = job.request(prompt)
        do {
            if RequestDescription(method: "POST", url: "http://x/", body: request.body).stream {
                let stream = try await job.client.stream(request)
                for try await _ in stream {}
                return (true, stream.callID, stream.record?.attempt ?? 1)
            }
            let response = try await job.client.send(request)
            return (true, response.callID, response.attempts)
        } catch let error as MeterbookError {
            return (false, error.callID, error.attempts)
        } catch {
            return (false, nil, 1)
        }
    }
}
