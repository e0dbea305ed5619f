import Foundation

/// Runs scripts/diffusers/benchmark_pytorch.py for one resolution and reads back the JSON
/// object it prints last; its own lines pass through, indented, so the log shows both sides.
struct PyTorchBenchmark {
    let python: String
    let script: String
    let dtype: String

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    func run(latent: Int, batches: [Int], repeats: Int, threads: Int, text: Bool, vae: Bool) throws -> ComponentTimes {
        var arguments = ["--repeats", "\(repeats)", "--threads", "\(threads)", "--latent", "\(latent)", "--dtype", dtype, "--batch"]
        arguments += batches.map(String.init)
        if !text { arguments.append("--skip-text") }
        if !vae { arguments.append("--skip-vae") }
        let object = try Self.runScript(python: python, script: script, arguments: arguments, threads: threads)
        var times = ComponentTimes()
        times.text = object["text"] as? Double
        times.vae = object["vae"] as? Double
        times.peakRSS = object["peak_rss_gb"] as? Double
        for (key, value) in object["unet"] as? [String: Double] ?? [:] {
            if let b = Int(key) { times.unet[b] = value }
        }
        return times
    }

    /// Runs a PyTorch benchmark script with `threads` for every BLAS, passes its lines
    /// through, indented, and returns the JSON object it prints last.
    static func runScript(python: String, script: String, arguments: [String], threads: Int) throws -> [String: Any] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script] + arguments
        var environment = ProcessInfo.processInfo.environment
        for name in ["OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"] { environment[name] = "\(threads)" }
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        do {
            try process.run()
        } catch {
            throw Failure(description: "cannot start \(python): \(error.localizedDescription)")
        }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let lines = output.split(separator: "\n").map(String.init)
        for line in lines where !line.hasPrefix("{") { print("  pytorch | " + line) }
        guard process.terminationStatus == 0, let last = lines.last(where: { $0.hasPrefix("{") }),
            let object = try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any]
        else {
            throw Failure(description: "\(script) failed (exit status \(process.terminationStatus)); its output is above")
        }
        return object
    }
}
