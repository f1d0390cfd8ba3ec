import ArgumentParser

@main
struct Marginalia: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "marginalia",
        abstract: "Read, query and annotate a vLLM checkout.",
        subcommands: [SimulateCommand.self]
    )
}
