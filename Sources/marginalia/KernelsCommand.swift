import ArgumentParser
import Foundation
import MarginaliaKit

struct KernelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernels",
        abstract: "Every CUDA kernel: launch bounds, template parameters, __shared__, launch sites, the torch ops that reach it.")
    @Option(help: "Order: name, file, or time (GPU time of a profiled run, `trace import` of a torch.profiler trace).")
    var sort: String = "name"
    @Option(help: "Only kernels defined in this file or folder (relative to the checkout root).") var file: String?
    @Option(name: .customLong("trace"), help: "The profiled run whose GPU times are shown (default: the only one).")
    var traceName: String?
    @Flag(help: "JSON output: one array of kernels.") var json = false
    @OptionGroup var database: DatabaseOptions

    func check() throws {
        guard KernelInventory.Order(rawValue: sort) != nil else {
            throw ValidationError("unknown --sort '\(sort)' (name, file, time)")
        }
    }

    func run() throws {
        try runReporting(json: json) {
            try check()
            let store = try database.store()
            let order = KernelInventory.Order(rawValue: sort) ?? .name
            let run: String? = order == .time || traceName != nil ? try KernelInventory.profiledRun(traceName, store: store) : nil
            let ks = try KernelInventory.build(store: store, file: file, order: order, profile: run)
            var out = Output()
            if json {
                out.line(SymbolJSON.encode(ks.map(KernelInventory.object)))
            } else {
                out.buffer += KernelInventory.text(ks)
            }
            out.flush()
        }
    }
}
