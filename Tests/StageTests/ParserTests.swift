import Bot
import Testing

@Suite struct ParserTests {
    @Test func placeholder() {
        #expect(CommandText("/help")?.name == "help")
    }
}
