@main
struct IngestCommand {
    static func main() {}
}
