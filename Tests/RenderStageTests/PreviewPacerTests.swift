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

    /// A render of `steps` steps of `stepTime`, drawing a preview whenever the pacer allows
    /// one, each costing `previewCost`: how many were drawn and their share of the whole.
    func simulate(steps: Int, stepTime: Duration, previewCost: Duration, interval: Duration = .seconds(3)) -> (count: Int, share: Double) {
        var pacer = PreviewPacer(interval: interval, now: start)
        var now = start
        var count = 0
        for step in 1...steps {
            now += stepTime
            if pacer.isDue(step: step, of: steps, now: now) {
                now += previewCost
                pacer.made(cost: previewCost, now: now)
                count += 1
            }
        }
        return (count, Double(count) * (previewCost / (now - start)))
    }

    /// A decoder dearer than the budget is held back: after the first preview, one more is
    /// drawn only while the previews, one more included, stay within 2 % of the render.
    @Test func previewsStayWithinTheirShareOfTheRender() {
        // 100 steps of 1 s, previews of 1 s: two fit in 2 % of the render.
        let slow = simulate(steps: 100, stepTime: .seconds(1), previewCost: .seconds(1))
        #expect(slow.count == 2 && slow.share <= 0.02)
        // 4 steps of 3 s (LCM at 512²) and a 300 ms TAESD preview: the first only.
        let short = simulate(steps: 4, stepTime: .seconds(3), previewCost: .milliseconds(300))
        #expect(short.count == 1)
        // A cheap preview (15 ms) is drawn at every interval.
        let cheap = simulate(steps: 20, stepTime: .seconds(6), previewCost: .milliseconds(15))
        #expect(cheap.count == 19 && cheap.share < 0.005)
    }

    @Test func zeroIntervalIsOff() {
        let pacer = PreviewPacer(interval: .zero, now: start)
        #expect(!pacer.isDue(step: 5, of: 20, now: start + .seconds(100)))
    }
}
