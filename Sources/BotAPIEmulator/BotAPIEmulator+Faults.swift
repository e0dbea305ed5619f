extension BotAPIEmulator {
    /// Scripts a failure; see `Fault`.
    public func addFault(_ fault: Fault) {
        withState { $0.faults.append(fault) }
    }

    /// Convenience: `addFault(Fault(kind, method:, chatID:, times:))`.
    public func addFault(_ kind: Fault.Kind, method: String? = nil, chatID: Int64? = nil, times: Int = 1) {
        addFault(Fault(kind, method: method, chatID: chatID, times: times))
    }

    /// Enforces Telegram's sending limits from now on (nil turns them off); overstepping
    /// sends get 429 and are counted in `EmulatorSnapshot.floodRejections`.
    public func enforceFloodLimits(_ limits: FloodLimits?) {
        withState { $0.floodControl = limits.map(FloodControl.init) }
    }

    public func clearFaults() {
        withState { $0.faults.removeAll() }
    }

    /// Faults not yet used up.
    public var remainingFaults: [Fault] { withState { $0.faults } }
}
