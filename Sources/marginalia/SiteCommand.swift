import ArgumentParser
import Foundation
import IndexModel
import MarginaliaKit
import SiteRenderer

struct SiteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "site", abstract: "Render the static study site of an indexed checkout (opens from file://).")
    @Option(help: "Output directory.") var out = "site-out"
    @Option(help: "Theme directory (templates, CSS, JS).") var theme = "Site"
    @Option(help: "The PagedAttention explainer (Markdown).") var explainer = "Sources/PagedAttention/EXPLAINER.md"
    @Flag(help: "Check the written site: internal links and anchors, HTML well-formedness (exit 1 on problems).")
    var check = false
    @Flag(help: "Exit 1 on warnings among the diagnostics too (errors always fail).") var strict = false
    @OptionGroup var notes: NotesOptions
    @OptionGroup var database: DatabaseOptions

    func run() throws {
        try runReporting {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: out, isDirectory: &isDir), !isDir.boolValue {
                throw UserError("marginalia: --out \(out) is a file; the site needs a directory (it is created if missing)")
            }
            let progress = TerminalProgress()
            var options = SiteOptions(
                notes: notes.url, theme: URL(fileURLWithPath: theme), output: URL(fileURLWithPath: out),
                articles: FileManager.default.fileExists(atPath: explainer)
                    ? [("paged-attention", "PagedAttention, side by side", URL(fileURLWithPath: explainer))] : [])
            options.noteRelease = notes.release
            let report = try SiteBuilder.run(store: try database.store(), options: options, progress: progress)
            progress.finish()
            let s = report.site
            print("site: \(URL(fileURLWithPath: out).standardizedFileURL.path)/index.html")
            print("  \(s.filesProduced) files (\(s.filesWritten) written, \(s.filesUnchanged) unchanged, \(s.filesRemoved) removed), \(s.totalBytes / 1_000_000) MB; \(report.notes) notes")
            let errors = report.diagnostics.filter { $0.severity >= .error }
            if !report.diagnostics.isEmpty {
                print("  \(report.diagnostics.count) diagnostics (\(errors.count) errors):")
                // Errors first: they fail the run and must not scroll away behind warnings.
                let ordered = errors + report.diagnostics.filter { $0.severity < .error }
                for d in ordered.prefix(40) { print("    \(d)") }
                if ordered.count > 40 { print("    ... \(ordered.count - 40) more") }
            }
            if check {
                let result = try checkSite(at: URL(fileURLWithPath: out))
                print(result.description)
                if !result.problems.isEmpty { throw ExitCode(1) }
            }
            if !errors.isEmpty || strict && !report.diagnostics.isEmpty {
                FileHandle.standardError.write(Data("site: \(errors.isEmpty ? "warnings with --strict" : "\(errors.count) errors"): exit 1\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}
