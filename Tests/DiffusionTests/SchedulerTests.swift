import Testing

@testable import Diffusion

/// Every sampler's timesteps, σ, initial noise scale and a 6-step trajectory of step()
/// (with a sample-dependent fake model output) against diffusers, for several step counts,
/// spacings (incl. SD-Turbo's trailing) and both prediction types.
@Suite struct SchedulerTests {
    @Test func samplersMatchDiffusers() throws {
        let root = try #require(try loadJSON("schedulers.json") as? [String: Any])
        let sample = try #require(root["sample"] as? [Double]).map { Float($0) }
        let outputs = try #require(root["model_outputs"] as? [[Double]]).map { $0.map { Float($0) } }
        let cases = try #require(root["cases"] as? [[String: Any]])
        #expect(cases.count >= 80)
        for c in cases {
            let name = try #require(c["sampler"] as? String)
            let steps = try #require(c["steps"] as? Int)
            let pred = try #require(c["prediction_type"] as? String)
            let spacing = (c["timestep_spacing"] as? String).flatMap(TimestepSpacing.init(rawValue:))
            let label = "\(name) \(steps) steps \(spacing?.rawValue ?? "default") \(pred)"
            var config = SchedulerConfig.stableDiffusion1
            config.predictionType = try #require(PredictionType(rawValue: pred))
            config.timestepSpacing = spacing
            let sampler = try #require(Sampler(rawValue: name))
            var s = sampler.makeScheduler(config: config, steps: steps)
            let ts = try #require(c["timesteps"] as? [Double]).map { Float($0) }
            expectClose(s.timesteps, ts, relative: 1e-6, "\(label) timesteps")
            #expect(abs(s.initNoiseSigma - Float(try #require(c["init_noise_sigma"] as? Double))) <= 1e-4 * max(1, s.initNoiseSigma), "\(label) init sigma")
            if let sigmas = c["sigmas"] as? [Double] {
                let ours: [Float]
                switch s {
                case let e as EulerDiscreteScheduler: ours = e.schedule.sigmas
                case let e as EulerAncestralDiscreteScheduler: ours = e.schedule.sigmas
                case let e as LMSDiscreteScheduler: ours = e.schedule.sigmas
                case let e as DPMSolverMultistepScheduler: ours = e.sigmas
                default: ours = []
                }
                expectClose(ours, sigmas.map { Float($0) }, relative: 1e-5, "\(label) sigmas")
            }
            let trajectory = try #require(c["trajectory"] as? [[Double]])
            var x = sample
            var g = TorchRandomSource(seed: 99)
            for (i, expected) in trajectory.enumerated() {
                let xin = s.scaleModelInput(x, index: i)
                let out = zip(outputs[i], xin).map { $0 + 0.1 * $1 }
                x = s.step(out, index: i, sample: x, noise: s.needsNoise ? g.randn(x.count) : nil)
                expectClose(x, expected.map { Float($0) }, relative: 1e-4, "\(label) step \(i)")
            }
        }
    }
}

/// LCMScheduler (LCM and LCM-LoRA) against diffusers: the timesteps picked from the
/// original 50-step schedule, the boundary-condition scalings, and trajectories whose fresh
/// noise between steps comes from the seed's generator (none after the last step).
@Suite struct LCMSchedulerTests {
    @Test func lcmMatchesDiffusers() throws {
        let root = try #require(try loadJSON("lcm/lcm-scheduler.json") as? [String: Any])
        let sample = try #require(root["sample"] as? [Double]).map { Float($0) }
        let outputs = try #require(root["model_outputs"] as? [[Double]]).map { $0.map { Float($0) } }
        let seed = UInt64(try #require(root["generator_seed"] as? Int))
        let cases = try #require(root["cases"] as? [[String: Any]])
        #expect(cases.count >= 6)
        for c in cases {
            var config = SchedulerConfig.stableDiffusion1
            let prediction = try #require(c["prediction_type"] as? String)
            config.predictionType = try #require(PredictionType(rawValue: prediction))
            config.originalInferenceSteps = (c["original_inference_steps"] as? Int) ?? 50
            let steps = try #require(c["steps"] as? Int)
            let label = "lcm \(steps) steps, \(config.predictionType.rawValue), original \(config.originalInferenceSteps)"
            var s = LCMScheduler(config: config, steps: steps)
            let timesteps = try #require(c["timesteps"] as? [Double])
            #expect(s.timesteps == timesteps.map { Float($0) }, "\(label) timesteps")
            #expect(s.noiseDraws == steps - 1)
            guard let trajectory = c["trajectory"] as? [[Double]] else { continue }
            var x = sample
            var g = TorchRandomSource(seed: seed)
            for (i, expected) in trajectory.enumerated() {
                let out = zip(outputs[i], x).map { $0 + 0.1 * $1 }
                x = s.step(out, index: i, sample: x, noise: s.needsNoise(at: i) ? g.randn(x.count) : nil)
                expectClose(x, expected.map { Float($0) }, relative: 1e-5, "\(label) step \(i)")
            }
        }
    }
}
