// The language phases of the index pipeline: each wraps one indexer module.
import Foundation
import IndexModel
import PythonIndexer
import IndexDatabase
import ClangIndexer


/// Runs the Python indexer over changed files on all cores.
enum PythonPhase {
    static func run(files: [RepoPath], scanner: CheckoutScanner, contents: [RepoPath: [UInt8]], jobs: Int,
                    progress: ProgressSink) throws -> [FileIndex]
    {
        var results = [FileIndex?](repeating: nil, count: files.count)
        let lock = NSLock()
        var done = 0
        let workers = max(1, min(jobs, files.count))
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let indexer = PythonIndexer()
            var i = w
            while i < files.count {
                let path = files[i]
                let bytes = contents[path] ?? ((try? scanner.read(path)) ?? [])
                let index = indexer.index(source: bytes, path: path, moduleName: PythonIndexer.moduleName(for: path))
                lock.lock()
                results[i] = index
                done += 1
                let d = done
                lock.unlock()
                if d % 50 == 0 || d == files.count {
                    progress.progress(phase: "python", done: d, total: files.count, current: path.rawValue)
                }
                i += workers
            }
        }
        return results.compactMap { $0 }
    }
}

/// Runs libclang over the translation units to rebuild. Each C/C++/CUDA file of the checkout is its
/// own translation unit (headers too: they hold kernels).
enum ClangPhase {
    static func run(root: URL, files: [RepoPath], allFiles: [FileRecord], jobs: Int, progress: ProgressSink) throws
        -> [FileIndex]
    {
        let indexer = ClangIndexer(checkoutRoot: root, options: ClangIndexOptions(workers: jobs))
        let result = indexer.index(files: files, progress: progress)
        var units = result.units
        let produced = Set(units.map(\.path))
        // A unit libclang could not parse at all is still recorded (failed), so it is reported and
        // retried on the next run rather than silently dropped.
        for path in files where !produced.contains(path) {
            units.append(FileIndex(path: path, language: Language.of(path: path.rawValue) ?? .cpp,
                                   diagnostics: [Diagnostic(file: path, line: 1, severity: .fatal,
                                                            message: "libclang could not parse this translation unit")],
                                   failed: true))
        }
        return units
    }
}
