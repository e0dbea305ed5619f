/// The samplers the command line and the Renderer offer, by their CLI names.
public enum Sampler: String, CaseIterable, Sendable {
    case pndm, ddim, euler
    case eulerAncestral = "euler_a"
    case lms
    case dpmpp2M = "dpmpp_2m"
    case dpmpp2MKarras = "dpmpp_2m_karras"
    case lcm

    /// The sampler for a diffusers scheduler class name (scheduler_config.json's `_class_name`).
    public init?(diffusersClassName name: String, karras: Bool = false) {
        switch name {
        case "PNDMScheduler": self = .pndm
        case "DDIMScheduler": self = .ddim
        case "EulerDiscreteScheduler": self = .euler
        case "EulerAncestralDiscreteScheduler": self = .eulerAncestral
        case "LMSDiscreteScheduler": self = .lms
        case "DPMSolverMultistepScheduler": self = karras ? .dpmpp2MKarras : .dpmpp2M
        case "LCMScheduler": self = .lcm
        default: return nil
        }
    }

    /// The diffusers scheduler for `steps` steps, built from the model's scheduler config
    /// the way `Cls.from_config(pipe.scheduler.config)` does.
    public func makeScheduler(config: SchedulerConfig, steps: Int) -> any Scheduler {
        switch self {
        case .pndm: return PNDMScheduler(config: config, steps: steps)
        case .ddim: return DDIMScheduler(config: config, steps: steps)
        case .euler: return EulerDiscreteScheduler(config: config, steps: steps, karras: config.useKarrasSigmas)
        case .eulerAncestral: return EulerAncestralDiscreteScheduler(config: config, steps: steps)
        case .lms: return LMSDiscreteScheduler(config: config, steps: steps)
        case .dpmpp2M: return DPMSolverMultistepScheduler(config: config, steps: steps, karras: config.useKarrasSigmas)
        case .dpmpp2MKarras: return DPMSolverMultistepScheduler(config: config, steps: steps, karras: true)
        case .lcm: return LCMScheduler(config: config, steps: steps)
        }
    }

    /// The name AUTOMATIC1111 writes in its `parameters` text.
    public var a1111Name: String {
        switch self {
        case .pndm: return "PLMS"
        case .ddim: return "DDIM"
        case .euler: return "Euler"
        case .eulerAncestral: return "Euler a"
        case .lms: return "LMS"
        case .dpmpp2M: return "DPM++ 2M"
        case .dpmpp2MKarras: return "DPM++ 2M Karras"
        case .lcm: return "LCM"
        }
    }
}
