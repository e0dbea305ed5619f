@main
struct RendererCommand {
    static func main() {}
}
