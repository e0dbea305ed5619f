@main
struct DeliverCommand {
    static func main() {}
}
