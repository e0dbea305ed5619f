import RenderStage
import Testing

/// When the render thread draws a live preview.
@Suite struct PreviewPacerTests {
    let start = ContinuousClock.now

    @Test func atMostOncePerIntervalAndNeverForTheLastStep() {
        var pacer = PreviewPacer(interval: .seconds(3), now: start)
        #expect(!pacer.isDue(step: 1, of: 20, now: start + .seconds(2)))
        #expect(pacer.isDue(step: 2, of: 20, now: start + .seconds(3)))
        pacer.made(cost: .milliseconds(10), now: start + .seconds(3))
        #expect(!pacer.isDue(step: 3, of: 20, now: start + .seconds(5)))
        #expect(pacer.isDue(step: 4, of: 20, now: start + .seconds(6)))
        #expect(!pacer.isDue(step: 20, of: 20, now: start + .seconds(60)))
    }

    /// A decoder slower than the budget allows is held back until the render has run long
    /// enough that the previews so far are within 2 % of it.
    @Test func previewsStayWithinTheirShareOfTheRender() {
        var pacer = PreviewPacer(interval: .seconds(1), budget: 0.02, now: start)
        #expect(pacer.isDue(step: 1, of: 100, now: start + .seconds(1)))
        pacer.made(cost: .seconds(1), now: start + .seconds(1))
        // 1 s spent: due again only once the render has run 50 s.
        #expect(!pacer.isDue(step: 10, of: 100, now: start + .seconds(30)))
        #expect(!pacer.isDue(step: 10, of: 100, now: start + .seconds(49)))
        #expect(pacer.isDue(step: 20, of: 100, now: start + .seconds(50)))
    }

    @Test func zeroIntervalIsOff() {
        let pacer = PreviewPacer(interval: .zero, now: start)
        #expect(!pacer.isDue(step: 5, of: 20, now: start + .seconds(100)))
    }
}
